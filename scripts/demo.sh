#!/usr/bin/env bash
# The README's main job on a generated sample: `autodl-format rate` on a raw image folder
# (convert → validate → train the automatic model under a short budget → score → report.html).
# Output under demo-output/ (gitignored); the report is demo-output/rated/report.html.
#   scripts/demo.sh [BUDGET_SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
# System packages (as root or through sudo), libtorch: installs what is missing, or stops with
# the command to run.
# shellcheck source=scripts/setup.sh
. scripts/setup.sh demo
budget="${1:-30}"
out=demo-output
rm -rf "$out"
mkdir -p "$out"

echo "== 1/3 build"
cargo build --quiet --release --bins --example make_demo_raw
bin="${CARGO_TARGET_DIR:-target}/release/autodl-format"

echo "== 2/3 generate a raw image folder (4 classes of drawn shapes)"
"${CARGO_TARGET_DIR:-target}/release/examples/make_demo_raw" "$out/raw" 60

echo "== 3/3 rate it ($budget s training budget)"
"$bin" rate "$out/raw" --out "$out/rated" --name shapes --seed 42 --time-budget "$budget"

echo
echo "Open $out/rated/report.html in a browser (one self-contained file)."
