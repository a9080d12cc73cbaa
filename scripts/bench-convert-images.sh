#!/usr/bin/env bash
# Image conversion benchmark (issue 3 item 7): N generated 256×256 JPEGs converted in
# compressed mode, against `cat` of the same files in the same run (goal: within 2×), then
# dense mode (64×64). The conversion includes its validator pass. By default the writer does
# not fsync (the rename keeps the output all-or-nothing); `convert --fsync` is timed too,
# against `cat` followed by an fsync of its output. Uses the library through a release-built
# example, the same code path as `autodl-format convert`, so the CLI's libtorch build is not
# needed.
# Usage: scripts/bench-convert-images.sh [N] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"
WORK="${2:-$(mktemp -d)}"
mkdir -p "$WORK"
cargo build --release -q -p converters-image --examples
BIN="${CARGO_TARGET_DIR:-target}/release/examples"
if [ ! -d "$WORK/raw" ]; then
    "$BIN/make_sample_images" "$WORK/raw" bench "$N" 256 256
fi
bytes=$(du -sb "$WORK/raw" | cut -f1)
echo "input: $N JPEGs, $((bytes / 1024 / 1024)) MiB in $WORK/raw"
sync
# Warm the page cache once so both measurements read from memory.
find "$WORK/raw" -name '*.jpg' -print0 | xargs -0 cat > /dev/null
t0=$(date +%s.%N)
find "$WORK/raw" -name '*.jpg' -print0 | xargs -0 cat > "$WORK/cat.out"
t1=$(date +%s.%N)
cat_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rm -f "$WORK/cat.out"
# The dataset writer fsyncs its record files before the atomic rename; time cat with the same.
t0=$(date +%s.%N)
find "$WORK/raw" -name '*.jpg' -print0 | xargs -0 cat > "$WORK/cat.out"
sync "$WORK/cat.out"
t1=$(date +%s.%N)
catsync_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rm -f "$WORK/cat.out"
rm -rf "$WORK/out-compressed" "$WORK/out-fsync" "$WORK/out-dense"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
compressed=$("$BIN/bench_convert" "$WORK/raw" "$WORK/out-compressed" compressed)
synced=$("$BIN/bench_convert" "$WORK/raw" "$WORK/out-fsync" compressed --fsync)
dense=$("$BIN/bench_convert" "$WORK/raw" "$WORK/out-dense" dense 64x64)
conv_s=$(echo "$compressed" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
sync_s=$(echo "$synced" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
awk -v s="$cat_s" -v n="$N" 'BEGIN { printf "cat (to a file):      %.3f s  %.0f images/s\n", s, n / s }'
echo "compressed convert:   $compressed"
awk -v s="$catsync_s" -v n="$N" 'BEGIN { printf "cat + fsync:          %.3f s  %.0f images/s\n", s, n / s }'
echo "convert --fsync:      $synced"
awk -v c="$conv_s" -v s="$cat_s" 'BEGIN { printf "ratio convert / cat:                  %.2f (goal <= 2)\n", c / s }'
awk -v c="$sync_s" -v s="$catsync_s" 'BEGIN { printf "ratio convert --fsync / (cat+fsync):  %.2f\n", c / s }'
echo "dense 64x64 convert:  $dense"
echo "machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
