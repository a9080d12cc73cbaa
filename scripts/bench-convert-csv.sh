#!/usr/bin/env bash
# CSV conversion benchmark (issue 3, item 7): rows/s on a generated 1M-row CSV, and peak RSS
# (/usr/bin/time -v) on the 1M-row input and on one 10x larger, to check memory stays flat.
# Usage: scripts/bench-convert-csv.sh [WORK_DIR]   (default /tmp/autodl-bench-csv; needs ~3 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/autodl-bench-csv}
mkdir -p "$work"

# 1M rows: 10 numeric columns, one categorical (5 values), a 3-class target.
[ -f "$work/rows-10m.csv" ] || python3 - "$work/rows-1m.csv" <<'PY'
import random, sys
rng = random.Random(1)
cats = ["alpha", "beta", "gamma", "delta", "eps"]
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"x{i}" for i in range(10)) + ",kind,label\n")
    for r in range(1_000_000):
        xs = ",".join(f"{rng.random() * 100:.4f}" for _ in range(10))
        f.write(f"{xs},{cats[r % 5]},{r % 3}\n")
PY
# 10M rows: the same body ten times.
[ -f "$work/rows-10m.csv" ] || { cat "$work/rows-1m.csv"; for _ in $(seq 9); do tail -n +2 "$work/rows-1m.csv"; done; } > "$work/rows-10m.csv"

cargo build --release -q -p converters-tabular --example bench_convert_csv
bin=${CARGO_TARGET_DIR:-target}/release/examples/bench_convert_csv

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1m 10m; do
  /usr/bin/time -v "$bin" "$work/rows-$n.csv" "$work/out-$n" label 2> "$work/time-$n.txt" | tee "$work/result-$n.txt"
  rss=$(grep 'Maximum resident set size' "$work/time-$n.txt" | awk '{print $NF}')
  echo "rows-$n: peak RSS ${rss} KiB; input $(du -h "$work/rows-$n.csv" | cut -f1)"
done
echo "machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work/out-1m" "$work/out-10m"
