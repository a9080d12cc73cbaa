#!/usr/bin/env bash
# Issue 24: peak memory of the text learner on a generated ~1 GB corpus (goal: training stays
# within 2 GB, i.e. the n-gram tables and the documents held are bounded, whatever the corpus
# size). Generates a JSONL corpus of English-like documents (Zipf-distributed pseudo-words, two
# classes with different word preferences), converts it (--test-size 0.3), then trains it with
# a short budget under /usr/bin/time -v, and prints peak RSS against the 2 GB goal and against
# the binary's own floor (`autodl-format --version`, libtorch linked in).
#
# Usage: scripts/bench-text-memory.sh [path to autodl-format, default target/release or $BIN]
#   env: BYTES (corpus size, default 1073741824), BUDGET (train seconds, default 60),
#        WORK (default /tmp/text-memory; the corpus and dataset are removed at the end unless
#        KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${1:-${BIN:-$TARGET/release/autodl-format}}
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release --bin autodl-format)"; exit 1; }
BYTES=${BYTES:-1073741824}
BUDGET=${BUDGET:-60}
WORK=${WORK:-/tmp/text-memory}
GOAL_MB=2048
mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK/corpus.jsonl" "$WORK/data" "$WORK/run"' EXIT

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) CPU(s), binary $BIN, uptime:$(uptime | sed 's/.*load/ load/')"
if [ ! -s "$WORK/corpus.jsonl" ] || [ "$(stat -c %s "$WORK/corpus.jsonl")" -lt "$BYTES" ]; then
  python3 - "$WORK/corpus.jsonl" "$BYTES" <<'EOF'
import random, sys
path, target = sys.argv[1], int(sys.argv[2])
rng = random.Random(0)
letters = "abcdefghijklmnopqrstuvwxyz"
vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(60000)]
# Zipf weights; class 1 prefers a shifted slice of the vocabulary, so the task is learnable.
weights = [1.0 / (r + 1) for r in range(len(vocab))]
shifted = vocab[500:] + vocab[:500]
pools = [rng.choices(vocab, weights, k=400000), rng.choices(shifted, weights, k=400000)]
written = 0
with open(path, "w") as f:
    while written < target:
        label = rng.randrange(2)
        pool = pools[label]
        start = rng.randrange(len(pool) - 400)
        words = pool[start:start + rng.randint(40, 300)]
        line = '{"text": "%s", "label": "%s"}\n' % (" ".join(words), "pos" if label else "neg")
        f.write(line)
        written += len(line)
EOF
fi
corpus_mb=$(( $(stat -c %s "$WORK/corpus.jsonl") / 1048576 ))
echo "# corpus: $WORK/corpus.jsonl, $corpus_mb MB, $(wc -l <"$WORK/corpus.jsonl") documents"

/usr/bin/time -f '%M' "$BIN" --version >/dev/null 2>"$WORK/floor.txt" || true
floor_mb=$(( $(tail -1 "$WORK/floor.txt") / 1024 ))

if [ ! -d "$WORK/data" ]; then
  /usr/bin/time -v "$BIN" convert "$WORK/corpus.jsonl" --out "$WORK/data" --force --test-size 0.3 --seed 0 >"$WORK/convert.log" 2>"$WORK/convert.time"
fi
rm -rf "$WORK/run"
set +e
/usr/bin/time -v "$BIN" train "$WORK/data" --time-budget "$BUDGET" --device cpu --seed 0 --out "$WORK/run" -v >"$WORK/train.log" 2>"$WORK/train.time"
code=$?
set -e
rss() { awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$1"; }
wall() { awk '/Elapsed \(wall clock\)/ {print $NF}' "$1"; }
conv_rss=$(rss "$WORK/convert.time" 2>/dev/null || echo "?")
train_rss=$(rss "$WORK/train.time")
printf '%-8s %10s %10s %12s %8s\n' step peak_MB wall goal_MB verdict
printf '%-8s %10s %10s %12s %8s\n' floor "$floor_mb" - - -
printf '%-8s %10s %10s %12s %8s\n' convert "$conv_rss" "$(wall "$WORK/convert.time" 2>/dev/null || echo ?)" - -
verdict=ok
[ "$train_rss" -le "$GOAL_MB" ] || verdict=OVER
[ "$code" -eq 0 ] || verdict="exit $code"
printf '%-8s %10s %10s %12s %8s\n' train "$train_rss" "$(wall "$WORK/train.time")" "$GOAL_MB" "$verdict"
awk -v t="$train_rss" -v g="$GOAL_MB" -v f="$floor_mb" 'BEGIN { printf "# train peak / goal = %.2f; train peak - floor = %d MB\n", t / g, t - f }'
grep -hE "documents read|read .* more|linear search done|^score: last|^ALC" "$WORK/train.log" "$WORK/train.time" | sed 's/^/# /' | tail -8
[ "$verdict" = ok ]
