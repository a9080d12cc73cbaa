#!/usr/bin/env bash
# Validator throughput vs the `tfrecord` crate's reader on generated datasets (issue: goal ≥ 1.0x).
# Usage: scripts/bench-validate.sh [MB per dataset, default 200] [runs, default 3]
# Builds only the `formats` crate in release mode; the datasets live in a temporary folder
# that is removed at the end. Results are printed; copy them into docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_MB="${1:-${BENCH_MB:-200}}"
export BENCH_RUNS="${2:-${BENCH_RUNS:-3}}"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) CPU(s), rustc $(rustc --version | cut -d' ' -f2)"
cargo bench -p formats --bench validate_throughput
