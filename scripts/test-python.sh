#!/usr/bin/env bash
# Builds the Python wheel (python/, PyO3 + maturin, abi3), installs it into a fresh venv and runs
# its pytest suite. Self-sufficient: maturin, numpy and pytest come from PyPI through pip.
#
#   scripts/test-python.sh [pytest args...]
#
# Environment:
#   AUTODL_PY_PROFILE   cargo profile of the wheel: dev (default; reuses the debug dependencies
#                       `cargo test` compiled) or release
#   AUTODL_PY_FEATURES  cargo features, e.g. ffmpeg (default: none, so the wheel needs no libav*)
#   CARGO_TARGET_DIR    shared target folder (default: <repo>/target)
#   AUTODL_SHARED       folder holding data/autodl (tests skip without it; fail under CI=true)
#   AUTODL_FORMAT_BIN   the CLI binary, for the --json equality tests (default: looked up in
#                       $CARGO_TARGET_DIR/{debug,release})
# Tools venv (maturin): ${XDG_CACHE_HOME:-~/.cache}/autodl-format/venv-pyext; the test venv is
# a temporary folder removed at exit.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
. "$repo/scripts/lib.sh"
python="${AUTODL_PYTHON_BIN:-python3}"
profile="${AUTODL_PY_PROFILE:-dev}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

work="$(mktemp -d "${TMPDIR:-/tmp}/autodl-python-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT

features=()
if [ -n "${AUTODL_PY_FEATURES:-}" ]; then
    features=(--features "$AUTODL_PY_FEATURES")
fi
echo "test-python.sh: building the wheel (profile $profile)" >&2
wheel="$(build_wheel "$work/wheels" --profile "$profile" "${features[@]}")"
echo "test-python.sh: $(basename "$wheel") $(du -k "$wheel" | cut -f1) KB" >&2

"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" pytest
echo "test-python.sh: installed into a fresh venv; running pytest" >&2

# Run from outside python/ so the installed package, not the source folder, is imported.
cd "$work"
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$repo/python/tests" "$@"
