#!/usr/bin/env python3
"""Convert Tally's decision ledger into the three CSV files of the benchmark kit.

    python3 scripts/bench_convert.py TALLY_OUT DATA_DIR OUT_DIR

TALLY_OUT holds `decisions.jsonl` written by `tally run` on the reference workload
(examples/bench); DATA_DIR is the generated data folder it ran on (its `orders.csv` gives
the list of orders, its `refunds.csv` is used to check the clawback records); OUT_DIR gets
`decisions.csv`, `adjustments.csv` and `totals.csv` exactly as ../shared/bench/WORKLOAD.md,
"Outputs", specifies, so that the kit's check_outputs.py can compare them byte for byte
with the polars and DuckDB outputs.

Mapping (WORKLOAD.md, "Relation to DESIGN.md"):

* decisions.csv: one row per order of orders.csv, sorted by integer order id. An order
  with a Tally decision gets its referrer; reason `capped` when the decision's status is
  `capped`, else the decision's evidence class (`trace.evidence`: click or coupon); rate
  from the percentage in the arithmetic of the paid rule `rate` ("... : 12% x 241.36 =
  28.96" -> 0.12); commission = amount of line `rate`, bonus = amount of line `bonus`
  (0.00 when absent), both uncapped; payable = the decision's amount (after the cap).
  An order without a decision (cancelled or unattributed) is a `none` row of 0.00s.
* adjustments.csv: one row per `clawback` record (refund id from the record id suffix
  `/refund:ID`, month = the record's month), sorted by refund id. `reduction` and
  `tier_adjustment` records cannot occur in this program (no hold, no tiers): they are
  reported and make the converter exit 1.
* totals.csv: per (referrer, month): credited orders, capped ones, commission, bonus and
  payable of the decisions in the month of the order (UTC), clawbacks booked in that
  month, net = payable + clawback; sorted by referrer id then month.

The conversion is faithful: it never recomputes what Tally decided, so a semantic
difference shows up in check_outputs.py. Anything unexpected (several decisions for one
order, an unknown order, a decision without a rate line, an unexpected status or record
type) is reported on stderr and makes the exit code 1, after the files are written.
The JSONL is streamed; memory is one short row per order.
"""
import csv
import json
import os
import re
import sys
from datetime import datetime, timezone
from decimal import Decimal

RATE_RE = re.compile(r":\s*(\d+(?:\.\d+)?)%\s*×")
REFUND_RE = re.compile(r"/refund:([^/]+)$")


def cents(text):
    """'-12.34' -> -1234, exactly (two decimals at most, as Tally writes USD)."""
    s = text.strip()
    neg = s.startswith("-")
    if neg or s.startswith("+"):
        s = s[1:]
    whole, _, frac = s.partition(".")
    if len(frac) > 2 or not (whole or frac) or not (whole + frac).isdigit():
        raise ValueError(f"not an amount with at most two decimals: {text!r}")
    value = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -value if neg else value


def money(c):
    """Integer cents -> '[-]D.CC' ('0.00' for zero, never '-0.00')."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def rate_text(pct):
    """Percent text -> fraction with at least two decimals: '12' -> '0.12', '5' -> '0.05'."""
    d = Decimal(pct) / 100
    places = max(2, -d.as_tuple().exponent)
    return f"{d:.{places}f}"


def utc_month(at):
    """Month 'YYYY-MM' of an ISO-8601 instant, in UTC."""
    if at.endswith("Z") and len(at) >= 7:
        return at[:7]
    return datetime.fromisoformat(at).astimezone(timezone.utc).strftime("%Y-%m")


class Problems:
    def __init__(self, limit=20):
        self.count, self.limit = 0, limit

    def __call__(self, message):
        self.count += 1
        if self.count <= self.limit:
            print(f"bench_convert: {message}", file=sys.stderr)
        elif self.count == self.limit + 1:
            print("bench_convert: (further problems not shown)", file=sys.stderr)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip())
    tally_out, data_dir, out_dir = sys.argv[1:]
    problem = Problems()

    # Orders (the rows of decisions.csv) and refunds (to check the clawback records).
    with open(os.path.join(data_dir, "orders.csv"), newline="") as f:
        order_ids = sorted({int(r["order_id"]) for r in csv.DictReader(f)})
    known_orders = set(order_ids)
    with open(os.path.join(data_dir, "refunds.csv"), newline="") as f:
        refund_orders = {int(r["refund_id"]): int(r["order_id"]) for r in csv.DictReader(f)}

    rows = {}          # order id -> decisions.csv row without the order id
    totals = {}        # (referrer, month) -> [orders, capped, commission, bonus, payable, clawback]
    adjustments = []   # (refund id, row)
    kinds = {}

    def total(referrer, month):
        t = totals.get((referrer, month))
        if t is None:
            t = totals[(referrer, month)] = [0, 0, 0, 0, 0, 0]
        return t

    with open(os.path.join(tally_out, "decisions.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            kind = rec.get("type")
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind in ("header", "end"):
                continue  # the run's header and closing record frame the chain
            if kind == "decision":
                order = int(rec["order"])
                referrer = rec["referrer"]
                status = rec["status"]
                if order not in known_orders:
                    problem(f"line {n}: decision for order {order}, which is not in orders.csv")
                if order in rows:
                    problem(f"line {n}: a second decision for order {order} "
                            f"({referrer}); decisions.csv has one row per order")
                    continue
                if status not in ("payable", "capped"):
                    problem(f"line {n}: order {order} has status {status!r} "
                            "(expected payable or capped: no hold, no fraud checks)")
                trace = rec.get("trace", {})
                reason = "capped" if status == "capped" else trace.get("evidence", "")
                lines = {}
                for ln in rec.get("lines", []):
                    lines[ln["rule"]] = lines.get(ln["rule"], 0) + cents(ln["amount"])
                commission = lines.get("rate", 0)
                bonus = lines.get("bonus", 0)
                payable = cents(rec["amount"])
                pct = None
                for r in trace.get("rules", []):
                    if r.get("rule") == "rate" and r.get("outcome", "paid") == "paid":
                        for a in r.get("arithmetic", []):
                            m = RATE_RE.search(a)
                            if m:
                                pct = m.group(1)
                                break
                if pct is None:
                    problem(f"line {n}: order {order}: no percentage in the arithmetic "
                            "of rule rate; rate written as 0.00")
                    rate = "0.00"
                else:
                    rate = rate_text(pct)
                if "rate" not in lines:
                    problem(f"line {n}: order {order}: no line of rule rate")
                rows[order] = (f"{referrer},{reason},{rate},{money(commission)},"
                               f"{money(bonus)},{money(payable)}")
                at = trace.get("order", {}).get("at")
                if not at:
                    problem(f"line {n}: order {order}: no trace.order.at, month unknown")
                    continue
                t = total(referrer, utc_month(at))
                t[0] += 1
                t[1] += status == "capped"
                t[2] += commission
                t[3] += bonus
                t[4] += payable
            elif kind == "clawback":
                m = REFUND_RE.search(rec["id"])
                if not m:
                    problem(f"line {n}: clawback record id {rec['id']!r} has no /refund:ID")
                    continue
                refund = int(m.group(1))
                order = int(rec["order"])
                if refund_orders.get(refund) != order:
                    problem(f"line {n}: refund {refund} of order {order} is not a refund "
                            "of that order in refunds.csv")
                amount = cents(rec["amount"])
                if amount == 0:
                    problem(f"line {n}: a zero clawback for refund {refund}")
                adjustments.append((refund, f"{refund},{order},{rec['referrer']},"
                                            f"{rec['month']},{money(amount)}"))
                total(rec["referrer"], rec["month"])[5] += amount
            else:
                problem(f"line {n}: unexpected record type {kind!r} "
                        f"(id {rec.get('id')!r}); not converted")

    os.makedirs(out_dir, exist_ok=True)
    none = ",,none,0.00,0.00,0.00,0.00"
    with open(os.path.join(out_dir, "decisions.csv"), "w", newline="\n") as f:
        f.write("order_id,referrer_id,reason,rate,commission,bonus,payable\n")
        for order in order_ids:
            row = rows.get(order)
            f.write(f"{order},{row}\n" if row is not None else f"{order}{none}\n")
    adjustments.sort(key=lambda a: a[0])
    with open(os.path.join(out_dir, "adjustments.csv"), "w", newline="\n") as f:
        f.write("refund_id,order_id,referrer_id,month,clawback\n")
        for _, row in adjustments:
            f.write(row + "\n")
    with open(os.path.join(out_dir, "totals.csv"), "w", newline="\n") as f:
        f.write("referrer_id,month,orders,capped,commission,bonus,payable,clawback,net\n")
        for (referrer, month), t in sorted(totals.items()):
            f.write(f"{referrer},{month},{t[0]},{t[1]},{money(t[2])},{money(t[3])},"
                    f"{money(t[4])},{money(t[5])},{money(t[4] + t[5])}\n")

    summary = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items(), key=lambda kv: str(kv[0])))
    print(f"bench_convert: {summary or 'no records'} -> {len(order_ids)} decisions rows "
          f"({len(rows)} credited), {len(adjustments)} adjustments, {len(totals)} totals "
          f"in {out_dir}")
    if problem.count:
        print(f"bench_convert: {problem.count} problem(s)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
