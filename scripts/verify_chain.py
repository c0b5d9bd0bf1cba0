#!/usr/bin/env python3
"""Check the hash chain of a Tally decisions.jsonl or paid.jsonl without Tally.

    python3 scripts/verify_chain.py FILE...

Canonical JSON (README, "Canonical JSON"): each line is one object rendered compactly
with its members in the order written, strings as json.dumps(..., ensure_ascii=False)
writes them, amounts as strings. `hash` is the SHA-256 of the line without its `hash`
member; `prev` is the previous line's hash (64 zeros on the first line). So re-rendering
each parsed line with the standard library must give the same hash. Exit 0 when every
file holds, 1 with the first broken line otherwise.
"""
import hashlib
import json
import sys


def check(path):
    previous = "0" * 64
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            record = json.loads(line)
            claimed = record.pop("hash")
            body = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            if line.rstrip("\n") != body[:-1] + ',"hash":"' + claimed + '"}':
                return f"{path}:{number}: the line is not in canonical form"
            if hashlib.sha256(body.encode("utf-8")).hexdigest() != claimed:
                return f"{path}:{number}: the record does not match its hash"
            if record["prev"] != previous:
                return f"{path}:{number}: `prev` does not name the previous record"
            previous = claimed
    return None


def main():
    failures = [problem for problem in map(check, sys.argv[1:]) if problem]
    for problem in failures:
        print(problem, file=sys.stderr)
    if not failures:
        print(f"{len(sys.argv) - 1} file(s): every record re-hashes to its `hash`, every `prev` names the record before it")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
