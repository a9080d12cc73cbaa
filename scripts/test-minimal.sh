#!/usr/bin/env bash
# The minimal build (issue 15): `cargo build --no-default-features` gives an autodl-format that
# links neither libtorch nor FFmpeg (images, tables, text, audio through symphonia; no train,
# predict, rate, video). Builds it, checks its dynamic libraries, runs the root library's unit
# tests, then a smoke run of the binary: --version, convert a generated
# image folder and a fixture table, validate both, score a fixture run, and train refused with
# a message naming the missing trainer.
# Usage: scripts/test-minimal.sh   (called by scripts/test.sh; uses CARGO_TARGET_DIR if set)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --no-default-features --bin autodl-format
cargo build -q -p converters-image --example make_sample_images
BIN="$TARGET/debug/autodl-format"
fail() { echo "test-minimal: FAIL: $*" >&2; exit 1; }

if ldd "$BIN" | grep -E 'torch|libc10|libav(codec|format|util|filter|device)|libsw(scale|resample)'; then
    fail "$BIN links libtorch or FFmpeg"
fi
[ ! -e "$TARGET/debug/autodl-format-train" ] || [ "$TARGET/debug/autodl-format-train" -ot "$BIN" ] \
    || echo "note: an older autodl-format-train from a default build sits next to it (not used here)"

cargo test --no-default-features -p autodl-format --lib

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$BIN" --version | grep -q '^autodl-format ' || fail "--version"

"$TARGET/debug/examples/make_sample_images" "$WORK/images" classes
"$BIN" convert "$WORK/images" -o "$WORK/images-ds" -q || fail "convert images"
"$BIN" validate "$WORK/images-ds" || fail "validate images"
"$BIN" inspect "$WORK/images-ds" | grep -qi image || fail "inspect images"

"$BIN" convert fixtures/tabular/mixed.csv -o "$WORK/table-ds" --target species -q || fail "convert table"
"$BIN" validate "$WORK/table-ds" || fail "validate table"

for task in multiclass multilabel; do
    "$BIN" score --dataset "fixtures/scoring/$task/$task" --predictions "fixtures/scoring/$task/res" \
        --out "$WORK/scores-$task" > /dev/null || fail "score $task"
    cmp "$WORK/scores-$task/scores.txt" "fixtures/scoring/$task/expected_scores.txt" || fail "score $task: scores.txt differs"
done

# Training commands: exit 2 with a message, no crash.
set +e
msg=$("$BIN" train "$WORK/table-ds" --out "$WORK/run" --time-budget 5 2>&1)
code=$?
set -e
[ "$code" = 2 ] || fail "train without trainer exited $code"
echo "$msg" | grep -q "no trainer" || fail "train without trainer said: $msg"
[ ! -e "$WORK/run" ] || fail "train without trainer wrote $WORK/run"
echo "test-minimal: ok (no libtorch, no FFmpeg; convert, validate, inspect, score; train refused)"
