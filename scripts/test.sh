#!/usr/bin/env bash
# Runs every test of the workspace (unit, integration, CLI and the Python interoperability
# tests, which cargo runs too), after setting up libtorch and Python via scripts/env.sh.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p trainer`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
if [ "$#" -eq 0 ]; then
    set -- --workspace
fi
exec cargo test "$@"
