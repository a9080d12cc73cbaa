#!/usr/bin/env bash
# The README's main job on a generated sample: raw image folder → convert → validate →
# train (DeepWisdom-style learner, short budget) → score. Output under demo-output/ (gitignored).
#   scripts/demo.sh [BUDGET_SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
AUTODL_SKIP_PYTHON=1 . scripts/env.sh
budget="${1:-30}"
out=demo-output
rm -rf "$out"
mkdir -p "$out"

echo "== 1/5 build"
cargo build --quiet --release --bin autodl-format --example make_demo_raw
bin="${CARGO_TARGET_DIR:-target}/release/autodl-format"

echo "== 2/5 generate a raw image folder (4 classes of drawn shapes)"
"${CARGO_TARGET_DIR:-target}/release/examples/make_demo_raw" "$out/raw" 60

echo "== 3/5 convert"
"$bin" convert "$out/raw" -o "$out/shapes" --name shapes --seed 42 --test-size 0.2

echo "== 4/5 validate and inspect"
"$bin" validate --deep "$out/shapes"
"$bin" inspect "$out/shapes"

echo "== 5/5 train ($budget s) and score"
"$bin" train "$out/shapes" --time-budget "$budget" --out "$out/run" --seed 1

echo
echo "Learning curve, scores and the HTML report are in $out/run (open the .html file)."
