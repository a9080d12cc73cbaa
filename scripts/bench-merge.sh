#!/usr/bin/env bash
# Merge cost against `cat` (issue 23): N generated 256×256 JPEGs (FFmpeg) planned into S shards,
# converted (xargs -P 2), then, in the same run and with a warm page cache, R timings each of
#   cat   all shard files (record parts, solution parts, manifests) > one file
#   merge SHARDS -o DATASET  (whole process: manifest checks, copy + validation in one pass)
# and the best of each; the ratio merge / cat is the figure of merit (target ≤ 1.5). The
# validator alone on the merged dataset (what the merge used to run after its copy) is timed
# too. Merge output is compared byte for byte with `convert`'s.
# Usage: scripts/bench-merge.sh [N] [SHARDS] [WORK_DIR] [REPEATS]   (AUTODL_BIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
bench_args 4000 8 "$@"
R="${4:-5}"
BIN="$(release_bin)"
if [ ! -d "$WORK/raw" ]; then
    # N noisy 256×256 JPEGs (~47 kB each, like photos) from FFmpeg's test source, 10 classes.
    mkdir -p "$WORK/gen"
    ffmpeg -loglevel error -f lavfi -i "testsrc2=size=256x256:rate=25" -vf "noise=alls=30:allf=t" \
        -frames:v "$N" -q:v 2 "$WORK/gen/img_%06d.jpg"
    i=0
    for f in "$WORK"/gen/*.jpg; do
        mkdir -p "$WORK/raw/class$((i % 10))"; mv "$f" "$WORK/raw/class$((i % 10))/"; i=$((i + 1))
    done
    rmdir "$WORK/gen"
fi
rm -rf "$WORK/single" "$WORK/plan.jsonl" "$WORK/shards" "$WORK/merged" "$WORK/cat.out"
"$BIN" convert --quiet "$WORK/raw" -o "$WORK/single"
"$BIN" plan "$WORK/raw" -o "$WORK/plan.jsonl" --shards "$S" 2>/dev/null
seq 0 $((S - 1)) | xargs -P 2 -I{} "$BIN" convert --quiet --plan "$WORK/plan.jsonl" --shard {} -o "$WORK/shards" 2>/dev/null
bytes=$(cat "$WORK"/shards/* | wc -c)
echo "binary: $BIN; $N JPEGs in $S shards: $(ls "$WORK/shards" | wc -l) files, $((bytes / 1024 / 1024)) MiB; $(nproc) cores; best of $R"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
now() { date +%s.%N; }
best() { sort -g | head -1; }
cat "$WORK"/shards/* > /dev/null   # warm the page cache
t_cat=$(for _ in $(seq "$R"); do
    rm -f "$WORK/cat.out"; t0=$(now); cat "$WORK"/shards/* > "$WORK/cat.out"; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
done | best)
t_merge=$(for _ in $(seq "$R"); do
    rm -rf "$WORK/merged"; t0=$(now); "$BIN" merge "$WORK/shards" -o "$WORK/merged" 2>"$WORK/merge.log"; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
done | best)
t_start=$(for _ in $(seq "$R"); do
    t0=$(now); "$BIN" --version > /dev/null; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
done | best)
t_validate=$(for _ in $(seq "$R"); do
    t0=$(now); "$BIN" validate "$WORK/merged" > /dev/null; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
done | best)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v c="$t_cat" -v m="$t_merge" -v v="$t_validate" -v st="$t_start" -v by="$bytes" 'BEGIN {
    gb = by / 1e9
    printf "cat       %.3f s  (%.2f s/GB)\n", c, c / gb
    printf "merge     %.3f s  (%.2f s/GB)\n", m, m / gb
    printf "start-up  %.3f s  (autodl-format --version: start-up of the binary alone, paid by every command)\n", st
    printf "validate  %.3f s  (%.2f s/GB; the separate pass merge no longer makes)\n", v, v / gb
    printf "ratio merge / cat = %.2f whole process (target <= 1.5); %.2f without the start-up\n", m / c, (m - st) / c }'
grep -o '[0-9]* copied as bytes, [0-9]* renumbered' "$WORK/merge.log" || true
cmp -s <(cd "$WORK/single" && find . -type f | sort | xargs cat) <(cd "$WORK/merged" && find . -type f | sort | xargs cat) \
    && echo "merged dataset == convert output (byte for byte)" || { echo "MISMATCH between merge and convert"; exit 1; }
rm -f "$WORK/cat.out"
