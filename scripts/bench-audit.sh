#!/usr/bin/env bash
# `autodl-format audit` time and peak RSS (/usr/bin/time -v) on the shared Monkeys dataset and
# on a generated table (ROWS rows × 20 columns, 3 classes, converted with `convert`), next to
# `validate` on the same datasets as a reference pass over the same records.
# Usage: scripts/bench-audit.sh [ROWS, default 100000] [BIN, default target/release/autodl-format]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-100000}"
BIN="${2:-${CARGO_TARGET_DIR:-target}/release/autodl-format}"
SHARED="${AUTODL_SHARED:-../shared}"
TMP="$(mktemp -d /tmp/bench-audit.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) CPU(s), $BIN; uptime: $(uptime)"
python3 - "$TMP/table.csv" "$ROWS" <<'PY'
import random, sys
random.seed(2)
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"x{i}" for i in range(20)) + ",label\n")
    for r in range(int(sys.argv[2])):
        f.write(",".join(f"{random.random():.5f}" for _ in range(20)) + f",c{r % 3}\n")
PY
"$BIN" convert "$TMP/table.csv" --out "$TMP/table" > /dev/null 2>&1
measure() { # label, command…
    /usr/bin/time -v "${@:2}" > /dev/null 2> "$TMP/time.txt" || true
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$TMP/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$TMP/time.txt" | awk '{print $NF}')
    echo "$1: wall $wall, peak RSS $((rss / 1024)) MiB"
}
for ds in "$SHARED/data/autodl/Monkeys" "$TMP/table"; do
    measure "audit    $(basename "$ds")" "$BIN" audit "$ds"
    measure "validate $(basename "$ds")" "$BIN" validate --quiet "$ds"
done
