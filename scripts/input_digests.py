#!/usr/bin/env python3
"""Print the digest a Tally run header records for each input file, without Tally.

    python3 scripts/input_digests.py FILE...

One line per file, as `sha256sum` prints them (`<hex>␣␣<name>`), so that piping the
files of a header's `inputs`, in its order, through `| sha256sum` gives its
`inputs_digest`. A file of 1 MiB or less is recorded by its SHA-256 (`sha256`, the same
as sha256sum's); a larger one by its SHA-256 tree hash (`sha256_tree`), the tree Amazon
S3 Glacier defines: SHA-256 of each 1 MiB leaf, then of neighbouring digests in pairs,
level after level, a digest left alone at the end of a level going up as it is.
"""
import hashlib
import sys

LEAF = 1 << 20


def tree_hash(path):
    level = []
    with open(path, "rb") as file:
        while True:
            leaf = file.read(LEAF)
            if not leaf and level:
                break
            level.append(hashlib.sha256(leaf).digest())
            if len(leaf) < LEAF:
                break
    while len(level) > 1:
        pairs = [level[i:i + 2] for i in range(0, len(level), 2)]
        level = [hashlib.sha256(b"".join(p)).digest() if len(p) == 2 else p[0] for p in pairs]
    return level[0].hex()


def main():
    for path in sys.argv[1:]:
        print(f"{tree_hash(path)}  {path}")


if __name__ == "__main__":
    main()
