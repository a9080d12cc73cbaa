#!/usr/bin/env bash
# Planning at scale by simulation (issue 23): a generated listing of N inputs (class folders
# `cCCCC/img_NNNNNNNNN.jpg<TAB>bytes`, 1,000 classes, sizes 20–80 kB) planned into S shards
# with `plan --listing` (no file is touched). Prints seconds, peak RSS, RSS per input, plan
# size, and checks the plan's line count.
# Usage: scripts/bench-plan.sh [N] [SHARDS] [WORK_DIR]   (AUTODL_BIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
bench_args 10000000 10000 "$@"
BIN="$(release_bin)"
LIST="$WORK/listing-$N.tsv"
if [ ! -s "$LIST" ]; then
    awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "c%04d/img_%09d.jpg\t%d\n", i % 1000, i, 20000 + (i * 7919) % 60000 }' > "$LIST"
fi
echo "binary: $BIN; listing: $N inputs, $(( $(stat -c %s "$LIST") / 1024 / 1024 )) MiB; $S shards; $(nproc) cores"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$WORK/plan.jsonl"
/usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$BIN" plan /data/listed --listing "$LIST" -o "$WORK/plan.jsonl" --shards "$S" 2> "$WORK/plan.log" \
    || { cat "$WORK/plan.log" "$WORK/time.txt"; exit 1; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r secs rss_kb < <(tail -1 "$WORK/time.txt")
size=$(stat -c %s "$WORK/plan.jsonl")
lines=$(wc -l < "$WORK/plan.jsonl")
[ "$lines" -eq $((N + 1)) ] || { echo "plan has $lines lines, expected $((N + 1))"; exit 1; }
awk -v s="$secs" -v r="$rss_kb" -v n="$N" -v p="$size" 'BEGIN {
    printf "plan: %.1f s, peak RSS %.0f MiB = %.1f bytes/input; plan %.0f MiB = %.0f bytes/input\n", s, r / 1024, r * 1024 / n, p / 1048576, p / n }'
tail -1 "$WORK/plan.log"
rm -f "$WORK/plan.jsonl"
