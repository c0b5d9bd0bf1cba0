#!/usr/bin/env bash
# Benchmark Tally against polars and DuckDB on the reference workload
# (../shared/bench, WORKLOAD.md; the Tally program is examples/bench/bench.tally).
#
# Usage, from anywhere (the script works in the project root):
#
#   scripts/bench.sh                                   # medium and large, 3 runs each
#   SIZES=small RUNS=1 BENCH_SKIP_BUILD=1 scripts/bench.sh   # quick agreement check
#
# Environment:
#   SIZES             sizes to run, out of small medium large (default: "medium large")
#   RUNS              measured runs per tool and size, after one warm-up (default: 3)
#   TRACES            Tally's `--trace` levels to measure, out of full and decisive
#                     (default: "full decisive"; full is Tally's default and the headline)
#   BENCH_SKIP_BUILD  1 = do not run `swift build -c release`; use .build/release/tally as is
#   BENCH_KIT         the benchmark kit (default: ../shared/bench)
#
# Steps:
#   a. .venv-bench: a virtual environment with the kit's requirements.txt (created if missing).
#   b. .bench/data/SIZE: the kit's seed-1 ledgers for each size in SIZES, generated if
#      missing; the SHA-256 prefixes are checked against WORKLOAD.md (warning on mismatch).
#   c. .bench/projects/SIZE/tally.yaml: examples/bench/tally.yaml with the ledger paths of
#      SIZE and `program:` pointing at examples/bench/bench.tally.
#   d. swift build -c release (unless BENCH_SKIP_BUILD=1).
#   e. Per size: one warm-up of each tool, then RUNS rounds of Tally (once per level in
#      TRACES), polars, DuckDB (interleaved, so machine drift hits all alike), each under
#      /usr/bin/time -f '%e %U %S %M'. Outputs: .bench/out/{tally,tally-decisive,polars,duckdb}/SIZE;
#      per-run figures: .bench/results/SIZE/TOOL.times; logs: .bench/results/SIZE/*.log.
#      Tally's exit code 0 or 1 (rejected rows) counts as completed, the peers' 0 only;
#      anything else stops the script with exit code 2.
#   f. scripts/bench_convert.py turns each Tally's decisions.jsonl into .bench/out/TALLY-csv/SIZE
#      and the kit's check_outputs.py compares polars, DuckDB and it byte for byte
#      (the expected digests of WORKLOAD.md are checked too).
#   g. A markdown table per size (also written to .bench/results/SIZE/table.md): median
#      wall s, median cpu s (user + sys), median peak MiB, and Tally's ratios to DuckDB and
#      polars from the same session.
#
# Exit code: 0 when every size agrees, 1 when an output differs (or the converter found a
# problem), 2 when a tool or a setup step failed.

set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$(pwd)
K=${BENCH_KIT:-../shared/bench}
SIZES=${SIZES:-medium large}
RUNS=${RUNS:-3}
TRACES=${TRACES:-full decisive}
PY=.venv-bench/bin/python
TALLY=.build/release/tally

die() { echo "bench: $*" >&2; exit 2; }
say() { echo "== $*"; }

[ -f "$K/WORKLOAD.md" ] || die "no benchmark kit at $K (set BENCH_KIT)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
for s in $SIZES; do
  case $s in small|medium|large) ;; *) die "unknown size '$s' (small, medium, large)";; esac
done
# Tally once per trace level: `tally` (full), `tally-decisive`. (`--trace none` writes no
# evidence class or rate, which the peers' outputs have, so it cannot be compared.)
TALLYS=
for t in $TRACES; do
  case $t in full) TALLYS="$TALLYS tally" ;; decisive) TALLYS="$TALLYS tally-decisive" ;;
    *) die "unknown trace level '$t' in TRACES (full, decisive)" ;; esac
done
[ -n "$TALLYS" ] || die "TRACES is empty"

# Seed-1 generation arguments and expected SHA-256 prefixes (WORKLOAD.md, "Expected results").
gen_args() {
  case $1 in
    small)  echo "--orders 1000 --clicks 10000 --referrers 50" ;;
    medium) echo "--orders 100000 --clicks 1000000 --referrers 2000" ;;
    large)  echo "--orders 1000000 --clicks 10000000 --referrers 20000" ;;
  esac
}
expected() {  # expected SIZE FILE
  case $1/$2 in
    small/referrers.csv) echo 2d8f1d9e7fbb88fd ;;  medium/referrers.csv) echo e072bf4a0e856dcd ;;
    small/clicks.csv) echo 0997a4ff1a226f9f ;;     medium/clicks.csv) echo 3e4017cc8d928751 ;;
    small/orders.csv) echo 1ea63379206f73fc ;;     medium/orders.csv) echo 6b633cf5e1c489f3 ;;
    small/refunds.csv) echo 58998b4f91fb92ff ;;    medium/refunds.csv) echo 42a01d2ed1e602da ;;
    small/decisions.csv) echo 89f5ba663497d09a ;;  medium/decisions.csv) echo c401728b876682a9 ;;
    small/adjustments.csv) echo 22d2c25d2421bcba ;; medium/adjustments.csv) echo 0dfaa32fa3869cd7 ;;
    small/totals.csv) echo 552986cee7893e7e ;;     medium/totals.csv) echo d5bbd22801e4854c ;;
    large/referrers.csv) echo ee7bf0f7a7e9a585 ;;
    large/clicks.csv) echo 986b2efeb9ed89d0 ;;
    large/orders.csv) echo a280df1cd1308a59 ;;
    large/refunds.csv) echo 64fa4f017bf1d425 ;;
    large/decisions.csv) echo e20d64ba2ca8ad95 ;;
    large/adjustments.csv) echo 01be5525c081968c ;;
    large/totals.csv) echo f3a8dad860f224a2 ;;
  esac
}
check_digests() {  # check_digests SIZE DIR FILE... ; warns on mismatch, returns 1 if any
  local size=$1 dir=$2 f got want bad=0; shift 2
  for f in "$@"; do
    got=$(sha256sum "$dir/$f" | cut -c1-16); want=$(expected "$size" "$f")
    if [ "$got" != "$want" ]; then
      echo "bench: WARNING: $dir/$f has SHA-256 prefix $got, WORKLOAD.md expects $want" >&2
      bad=1
    fi
  done
  return $bad
}

# --- a. virtual environment -------------------------------------------------------------
if [ ! -x "$PY" ]; then
  say "creating .venv-bench"
  python3 -m venv .venv-bench || die "python3 -m venv failed"
  .venv-bench/bin/pip install -r "$K/requirements.txt" || { rm -rf .venv-bench; die "pip install failed"; }
fi

# GNU time (the shell keyword cannot report peak memory).
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null; } || die "could not install GNU time (apt-get install time)"
fi

# --- b. data ----------------------------------------------------------------------------
LEDGERS="referrers.csv clicks.csv orders.csv refunds.csv"
for s in $SIZES; do
  d=.bench/data/$s
  missing=0
  for f in $LEDGERS; do [ -f "$d/$f" ] || missing=1; done
  if [ $missing = 1 ]; then
    say "generating $d (seed 1)"
    rm -rf "$d.tmp"
    # shellcheck disable=SC2046
    "$PY" "$K/gen_ledgers.py" --seed 1 $(gen_args "$s") "$d.tmp" || die "gen_ledgers.py failed for $s"
    rm -rf "$d" && mv "$d.tmp" "$d"
  fi
  check_digests "$s" "$d" $LEDGERS && say "$d: seed-1 digests match WORKLOAD.md" || echo "bench: WARNING: $d differs from the kit's seed-1 data (numpy version?)" >&2
done

# --- c. project files -------------------------------------------------------------------
for s in $SIZES; do
  p=.bench/projects/$s
  mkdir -p "$p"
  {
    echo "# Written by scripts/bench.sh from examples/bench/tally.yaml for .bench/data/$s."
    sed -e "s#^program:.*#program: ../../../examples/bench/bench.tally#" \
        -e "s#^output:.*#output: ../../out/tally/$s#" \
        -e "s#\(path: \).*/\([a-z]*\.csv\)\$#\1../../data/$s/\2#" \
        -e '/^# Run as:/d' \
        examples/bench/tally.yaml
  } > "$p/tally.yaml"
  n=$(grep -c "path: \.\./\.\./data/$s/" "$p/tally.yaml")
  [ "$n" = 5 ] || die "$p/tally.yaml: expected 5 ledger paths into .bench/data/$s, found $n"
done

# --- d. build ---------------------------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  say "swift build -c release"
  swift build -c release || die "swift build failed"
fi
[ -x "$TALLY" ] || die "$TALLY is missing (build it, or unset BENCH_SKIP_BUILD)"

# --- e-g. measure, convert, compare, report ---------------------------------------------
# run_tool SIZE TOOL LABEL: one run, appends "wall user sys maxrss_kib" to TOOL.times
# unless LABEL is warmup.
run_tool() {
  local s=$1 tool=$2 label=$3 res=.bench/results/$1 rc tf
  tf=$res/$tool.time
  case $tool in
    tally)  /usr/bin/time -f '%e %U %S %M' -o "$tf" \
              "$TALLY" run ".bench/projects/$s" --out ".bench/out/tally/$s" >"$res/$tool.log" 2>&1 ;;
    tally-decisive) /usr/bin/time -f '%e %U %S %M' -o "$tf" \
              "$TALLY" run ".bench/projects/$s" --trace decisive --out ".bench/out/tally-decisive/$s" >"$res/$tool.log" 2>&1 ;;
    polars) /usr/bin/time -f '%e %U %S %M' -o "$tf" \
              "$PY" "$K/attr_polars.py" ".bench/data/$s" ".bench/out/polars/$s" >"$res/$tool.log" 2>&1 ;;
    duckdb) /usr/bin/time -f '%e %U %S %M' -o "$tf" \
              "$PY" "$K/attr_duckdb.py" ".bench/data/$s" ".bench/out/duckdb/$s" >"$res/$tool.log" 2>&1 ;;
  esac
  rc=$?
  if ! { [ $rc = 0 ] || { [ "${tool%%-*}" = tally ] && [ $rc = 1 ]; }; }; then
    tail -n 20 "$res/$tool.log" >&2
    [ $rc -gt 128 ] && echo "bench: $tool was killed by signal $((rc - 128))" >&2
    die "$tool on $s ($label) exited with $rc; log: $res/$tool.log"
  fi
  # GNU time writes "Command exited with non-zero status N" before the figures.
  local fig; fig=$(tail -n 1 "$tf")
  printf '   %-14s %-7s %s (wall user sys KiB)\n' "$tool" "$label" "$fig"
  [ "$label" = warmup ] || echo "$fig" >> "$res/$tool.times"
}

status=0
for s in $SIZES; do
  res=.bench/results/$s
  rm -rf "$res" .bench/out/tally/"$s" .bench/out/tally-decisive/"$s" .bench/out/polars/"$s" .bench/out/duckdb/"$s" \
    .bench/out/tally-csv/"$s" .bench/out/tally-decisive-csv/"$s"
  mkdir -p "$res"
  say "$s: warm-up, then $RUNS run(s) of$TALLYS, polars, duckdb"
  for t in $TALLYS polars duckdb; do run_tool "$s" $t warmup; done
  for i in $(seq 1 "$RUNS"); do
    for t in $TALLYS polars duckdb; do run_tool "$s" $t "run $i"; done
  done
  agree=yes
  for t in $TALLYS; do
    rejected=0
    [ -f ".bench/out/$t/$s/rejects.csv" ] && rejected=$(($(wc -l < ".bench/out/$t/$s/rejects.csv") - 1))
    [ "$rejected" -gt 0 ] && echo "bench: WARNING: Tally rejected $rejected row(s) on $s (.bench/out/$t/$s/rejects.csv)" >&2
    grep -E '^(orders|decisions|amounts|refunds):|^in ' ".bench/results/$s/$t.log" | sed "s/^/   $t: /"

    say "$s: converting $t's output and comparing"
    "$PY" scripts/bench_convert.py ".bench/out/$t/$s" ".bench/data/$s" ".bench/out/$t-csv/$s" || agree=no
    "$PY" "$K/check_outputs.py" ".bench/out/polars/$s" ".bench/out/duckdb/$s" ".bench/out/$t-csv/$s" || agree=no
  done
  check_digests "$s" ".bench/out/polars/$s" decisions.csv adjustments.csv totals.csv \
    || echo "bench: WARNING: the peers' outputs on $s differ from WORKLOAD.md's expected digests" >&2
  if [ $agree = yes ]; then
    echo "$s: polars, DuckDB and Tally ($TRACES traces, converted) outputs are IDENTICAL"
  else
    echo "$s: outputs DIFFER (see above; Tally's converted files: .bench/out/tally*-csv/$s)"
    status=1
  fi

  echo
  "$PY" - "$s" "$RUNS" "$res" $TALLYS <<'EOF' | tee "$res/table.md"
import statistics, sys
size, runs, res, tallys = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
med = {}
for tool in (*tallys, "polars", "duckdb"):
    rows = [list(map(float, l.split())) for l in open(f"{res}/{tool}.times") if l.strip()]
    med[tool] = (statistics.median(r[0] for r in rows),
                 statistics.median(r[1] + r[2] for r in rows),
                 statistics.median(r[3] / 1024 for r in rows))
names = {"tally": "Tally", "tally-decisive": "Tally --trace decisive", "polars": "polars", "duckdb": "DuckDB"}
print(f"### {size} (median of {runs} run{'s' if runs > 1 else ''} after one warm-up)\n")
print("| tool | median wall s | median cpu s (user + sys) | median peak MiB |")
print("|---|---:|---:|---:|")
for tool, (w, c, m) in med.items():
    print(f"| {names[tool]} | {w:.3f} | {c:.3f} | {m:,.0f} |")
print()
for tally in tallys:
    tw, tc, tm = med[tally]
    for peer in ("duckdb", "polars"):
        w, c, m = med[peer]
        r = lambda a, b: f"{a / b:.2f}" if b else "n/a"
        print(f"- {names[tally]} / {names[peer]}: wall {r(tw, w)}x, cpu {r(tc, c)}x, memory {r(tm, m)}x")
print()
EOF
done

exit $status
