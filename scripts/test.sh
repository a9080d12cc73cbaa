#!/usr/bin/env bash
# Runs every test of the workspace (unit, integration, CLI and the Python interoperability
# tests, which cargo runs too), after scripts/setup.sh has installed what is missing (system
# packages as root or through sudo, libtorch, the Python venv).
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p trainer`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/setup.sh
. scripts/setup.sh test
if [ "$#" -eq 0 ]; then
    set -- --workspace
fi
if [ "$*" = "--workspace" ]; then
    python3 scripts/check-module-cycles.py >/dev/null || python3 scripts/check-module-cycles.py  # issue 15
fi
cargo test "$@"
# The whole suite also builds the Python wheel (python/, its own cargo workspace) and runs its
# pytest suite in a fresh venv; `--json` equality tests there use the CLI binary built above.
if [ "$*" = "--workspace" ]; then
    scripts/test-python.sh
    scripts/test-minimal.sh  # the --no-default-features build (no libtorch, no FFmpeg), issue 15
fi
