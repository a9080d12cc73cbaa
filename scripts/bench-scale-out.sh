#!/usr/bin/env bash
# Scale-out benchmark (issue 10 item 6): N generated 256×256 JPEGs; plan with S shards; the
# shards converted by 1 worker, then by 2 parallel workers (xargs -P); merge timed and reported
# per GB of shard record bytes, with the validator's share measured separately on the merged
# dataset; a single `convert` of the same input for reference. All in one run, so the ratios
# (2 workers vs 1, merge vs convert) compare numbers taken under the same machine load, which
# is printed before and after.
# Usage: scripts/bench-scale-out.sh [N] [SHARDS] [WORK_DIR]   (AUTODL_BIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
bench_args 4000 4 "$@"
BIN="${AUTODL_BIN:-${CARGO_TARGET_DIR:-target}/release/autodl-format}"
if [ ! -x "$BIN" ]; then
    source scripts/env.sh 2>/dev/null || true
    cargo build --release -q
fi
EX="${CARGO_TARGET_DIR:-target}/release/examples"
[ -x "$EX/make_sample_images" ] || cargo build --release -q -p converters-image --examples
[ -d "$WORK/raw" ] || "$EX/make_sample_images" "$WORK/raw" bench "$N" 256 256
bytes=$(du -sbL "$WORK/raw" | cut -f1)
echo "binary: $BIN; input: $N JPEGs, $((bytes / 1024 / 1024)) MiB; $S shards; $(nproc) cores"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
find "$WORK/raw" -name '*.jpg' -print0 | xargs -0 cat > /dev/null   # warm the page cache
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v t="$1" -v n="$N" -v what="$2" 'BEGIN { printf "%-28s %7.3f s  %7.0f images/s\n", what, t, n / t }'; }
rm -rf "$WORK/single" "$WORK/plan.jsonl" "$WORK/shards-1" "$WORK/shards-2" "$WORK/merged"
t0=$(now); "$BIN" convert --quiet "$WORK/raw" -o "$WORK/single"; t1=$(now); t_convert=$(secs "$t0" "$t1"); rate "$t_convert" "convert (one process)"
t0=$(now); "$BIN" plan "$WORK/raw" -o "$WORK/plan.jsonl" --shards "$S" 2>/dev/null; t1=$(now); rate "$(secs "$t0" "$t1")" "plan"
declare -A t_workers
for P in 1 2; do
    t0=$(now)
    seq 0 $((S - 1)) | xargs -P "$P" -I{} "$BIN" convert --quiet --plan "$WORK/plan.jsonl" --shard {} -o "$WORK/shards-$P" 2>/dev/null
    t1=$(now); t_workers[$P]=$(secs "$t0" "$t1"); rate "${t_workers[$P]}" "shards, $P worker(s)"
done
shard_bytes=$(cat "$WORK"/shards-2/*.tfrecord | wc -c)
t0=$(now); "$BIN" merge "$WORK/shards-2" -o "$WORK/merged" 2>"$WORK/merge.log"; t1=$(now); t_merge=$(secs "$t0" "$t1")
t0=$(now); "$BIN" validate "$WORK/merged" > /dev/null; t1=$(now); t_validate=$(secs "$t0" "$t1")
grep -o '[0-9]* copied as bytes, [0-9]* renumbered' "$WORK/merge.log" || true
awk -v t="$t_merge" -v v="$t_validate" -v by="$shard_bytes" 'BEGIN {
    gb = by / 1e9
    printf "merge: %.3f s for %.1f MiB of records = %.1f s/GB (of which the validator alone: %.3f s = %.1f s/GB)\n", t, by / 1048576, t / gb, v, v / gb }'
awk -v a="${t_workers[1]}" -v b="${t_workers[2]}" -v c="$t_convert" -v m="$t_merge" 'BEGIN {
    printf "ratios: 1 worker / 2 workers = %.2f; merge / convert = %.2f\n", a / b, m / c }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cmp -s <(cd "$WORK/single" && find . -type f | sort | xargs cat) <(cd "$WORK/merged" && find . -type f | sort | xargs cat) \
    && echo "merged dataset == convert output (byte for byte)" || { echo "MISMATCH between merge and convert"; exit 1; }
