#!/usr/bin/env bash
# Start-up without libtorch (issue 15): `autodl-format` (no libtorch) against
# `autodl-format-train` (the same CLI with libtorch mapped, as every command was before), whole
# processes, median of R `/usr/bin/time` runs each (wall seconds, peak RSS):
#   validate --help; --version; validate DATASET (default: shared Monkeys);
#   convert of N generated 256×256 JPEGs against `cat` of the same files (goal ≤ 2×).
# Prints ratios against the references of the same run, and whether libtorch is mapped.
# Usage: scripts/bench-startup.sh [N] [WORK_DIR] [R]   (after `cargo build --release --bins`;
# BEFORE=PATH compares with another binary instead of autodl-format-train, e.g. an older build)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"
WORK="${2:-$(mktemp -d)}"
R="${3:-5}"
REL="${CARGO_TARGET_DIR:-target}/release"
MAIN="$REL/autodl-format"
TRAIN="${BEFORE:-$REL/autodl-format-train}"
DATASET="${DATASET:-${AUTODL_SHARED:-../shared}/data/autodl/Monkeys}"
for b in "$MAIN" "$TRAIN"; do [ -x "$b" ] || { echo "build first: cargo build --release --bins ($b)" >&2; exit 2; }; done
mkdir -p "$WORK"

# median of R runs of a command: "seconds max_rss_kib"
measure() {
    for _ in $(seq "$R"); do
        /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > /dev/null 2>&1 || true
        cat "$WORK/time.txt"
    done > "$WORK/runs.txt"
    # medians of each column separately (POSIX sort; mawk has no asort)
    local mid=$(( (R + 1) / 2 ))
    echo "$(cut -d' ' -f1 "$WORK/runs.txt" | sort -g | sed -n "${mid}p") $(cut -d' ' -f2 "$WORK/runs.txt" | sort -g | sed -n "${mid}p")"
}
row() { # label, "s kib" of main, "s kib" of train
    read -r ts tm <<< "$2"; read -r us um <<< "$3"
    awk -v l="$1" -v a="$ts" -v b="$tm" -v c="$us" -v d="$um" 'BEGIN {
        printf "%-28s %7.3f s %6.1f MiB | %7.3f s %6.1f MiB\n", l, a, b / 1024, c, d / 1024 }'
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); median of $R"
printf "%-28s %-20s | %s\n" "" "$MAIN" "$TRAIN"
row "validate --help" "$(measure "$MAIN" validate --help)" "$(measure "$TRAIN" validate --help)"
row "--version" "$(measure "$MAIN" --version)" "$(measure "$TRAIN" --version)"
if [ -d "$DATASET" ]; then
    row "validate $(basename "$DATASET")" "$(measure "$MAIN" validate "$DATASET")" "$(measure "$TRAIN" validate "$DATASET")"
else
    echo "validate: $DATASET missing (set AUTODL_SHARED or DATASET)"
fi
# libraries the dynamic loader opens for each (LD_DEBUG=files lists every one it maps)
for b in "$MAIN" "$TRAIN"; do
    echo "$(basename "$b"): $(LD_DEBUG=files "$b" --version 2>&1 | grep -c 'file=.*torch.*\[0\];  needed' || true) libtorch libraries mapped at start-up"
done

# convert N JPEGs vs cat of the same files, whole processes
cargo build --release -q -p converters-image --example make_sample_images
if [ ! -d "$WORK/raw" ]; then
    "$REL/examples/make_sample_images" "$WORK/raw" bench "$N" 256 256
fi
find "$WORK/raw" -name '*.jpg' -print0 | xargs -0 cat > /dev/null   # warm the page cache
cat_run() { find "$WORK/raw" -name '*.jpg' -print0 | xargs -0 cat > "$WORK/cat.out"; }
export -f cat_run; export WORK
t_cat=$(measure bash -c cat_run)
conv() { rm -rf "$WORK/out"; "$@" convert --quiet "$WORK/raw" -o "$WORK/out"; }
export -f conv
t_main=$(measure bash -c 'conv "$0"' "$MAIN")
t_train=$(measure bash -c 'conv "$0"' "$TRAIN")
row "cat of $N JPEGs" "$t_cat" "$t_cat"
row "convert $N JPEGs" "$t_main" "$t_train"
awk -v c="${t_cat%% *}" -v a="${t_main%% *}" -v b="${t_train%% *}" 'BEGIN {
    printf "ratio convert / cat: %.2f without libtorch, %.2f with (goal <= 2)\n", a / c, b / c }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$WORK/out" "$WORK/cat.out"
