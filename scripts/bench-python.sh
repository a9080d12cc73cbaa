#!/usr/bin/env bash
# Python package benchmark (issue 19): examples/s reading Monkeys and a generated 5,000-image
# set into NumPy with autodl_format vs tf.data.TFRecordDataset + parse + decode_image, in the
# same run; the wheel's size; `import autodl_format` time.
#
#   scripts/bench-python.sh [N_IMAGES]        (default 5000)
#
# Needs TensorFlow from PyPI (tensorflow-cpu, ~250 MB) in a venv kept at
# ${XDG_CACHE_HOME:-~/.cache}/autodl-format/venv-pytf; builds a release wheel (CARGO_TARGET_DIR,
# default <repo>/target) and reinstalls it there. Generated data goes to ${BENCH_DIR:-/tmp/autodl-python-bench}.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
. "$repo/scripts/lib.sh"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-pytf"
n="${1:-5000}"
bench="${BENCH_DIR:-/tmp/autodl-python-bench}"
shared="${AUTODL_SHARED:-$repo/../shared}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

ensure_venv "$venv" "import tensorflow" tensorflow-cpu

mkdir -p "$bench"
wheel="$(build_wheel "$bench/wheels" --release)"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheel"
echo "wheel: $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KB (limit 25 MB)"

if [ ! -d "$bench/images-$n.ds" ]; then
    rm -rf "$bench/images-$n"
    "$venv/bin/python" "$repo/python/bench/make_images.py" "$bench/images-$n" "$n" 2>/dev/null
    "$venv/bin/python" -c "import autodl_format as a, sys; a.convert(sys.argv[1], sys.argv[2], domain='image', name='images', quiet=True)" \
        "$bench/images-$n" "$bench/images-$n.ds"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$bench"
"$venv/bin/python" "$repo/python/bench/bench_read.py" "$shared/data/autodl/Monkeys" "$bench/images-$n.ds"
