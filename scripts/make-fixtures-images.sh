#!/usr/bin/env bash
# Generates the raw image fixtures into fixtures/generated/images/ (gitignored): class folders
# of mixed formats, a labels.csv layout with a subset column, a multilabel one, and bad inputs.
# The tests build the same inputs in temporary folders themselves; this is for trying the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures/generated/images
rm -rf "$out"
for kind in classes csv multilabel bad; do
    cargo run -q -p converters-image --example make_sample_images -- "$out/$kind" "$kind"
done
echo "wrote $out/{classes,csv,multilabel,bad}"
