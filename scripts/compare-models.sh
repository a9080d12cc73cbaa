#!/usr/bin/env bash
# Acceptance comparison of `train --model baseline1` and `--model auto` (issues 6 and 7).
#
# CPU, 60 s budget by default, both models in the same run of this script on the same
# machine. Datasets:
# - issue 6: miniciao, Monkeys, mini1 (shared data), iris converted from
#   shared/data/raw/iris-AutoML, `shapes` (2,400 drawn-shape PNGs) and `nonlinear` (6,000 rows
#   with a non-linear 3-class target), both from trainer/examples/make_bench_datasets.rs;
# - issue 7: kth (shared/data/raw/mini-kth converted at 5 fps, one clip per class), randomtext
#   (shared/data/raw/randomtext, multilabel text), and the generated `topics` (text), `tones`
#   (speech) and `motion` (video) sets. (shared/data/raw/speech-sph holds two unlabelled
#   utterances: nothing to train on.)
#
# Usage: scripts/compare-models.sh [WORK_DIR]
#   env: BUDGET=60, SHARED=../shared, SEED=0, SETS="name ..." (default: all of the above)
# Prints: dataset, time to first prediction of auto, ALC baseline1, ALC auto, final NAUC of
# auto, budget overrun of auto in % (negative = finished early).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${1:-${TMPDIR:-/tmp}/autodl-compare}
BUDGET=${BUDGET:-60}
SEED=${SEED:-0}
SHARED=${SHARED:-${AUTODL_SHARED:-$ROOT/../shared}}
export LIBTORCH=${LIBTORCH:-/work/cache/venv-torch/lib/python3.11/site-packages/torch}
export LD_LIBRARY_PATH=$LIBTORCH/lib:$(dirname "$LIBTORCH")/nvidia/cu13/lib:${LD_LIBRARY_PATH:-}
# libgomp threads spin while waiting; on a shared CPU that starves everyone (README).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

cargo build --release --quiet --bins -p autodl-format
cargo build --release --quiet -p trainer --example make_bench_datasets
BIN=$ROOT/target/release/autodl-format
mkdir -p "$WORK"
"$ROOT/target/release/examples/make_bench_datasets" "$WORK/data" --force >/dev/null

ALL_SETS="miniciao Monkeys mini1 iris shapes nonlinear kth randomtext topics tones motion"
SETS=${SETS:-$ALL_SETS}
declare -a NAMES PATHS
add() { NAMES+=("$1"); PATHS+=("$2"); }
# convert NAME INPUT [convert options...]: a converted shared input, or a note when it fails.
convert() {
  local name=$1 input=$2; shift 2
  if "$BIN" convert "$input" --out "$WORK/data/$name" --force "$@" >"$WORK/$name-convert.log" 2>&1; then
    add "$name" "$WORK/data/$name"
  else
    echo "note: $name conversion failed (see $WORK/$name-convert.log); row skipped" >&2
  fi
}
for set in $SETS; do
  case $set in
    miniciao|Monkeys|mini1) add "$set" "$SHARED/data/autodl/$set" ;;
    iris) convert iris "$SHARED/data/raw/iris-AutoML" --resplit ;;
    kth) convert kth "$SHARED/data/raw/mini-kth" --fps 5 --size 60x80 --test-size 0.34 ;;
    randomtext) convert randomtext "$SHARED/data/raw/randomtext" ;;
    shapes|nonlinear|topics|tones|motion)
      if [ -d "$WORK/data/$set" ]; then add "$set" "$WORK/data/$set"; else echo "note: $set was not generated; row skipped" >&2; fi ;;
    *) echo "compare-models.sh: unknown set $set (known: $ALL_SETS)" >&2; exit 2 ;;
  esac
done

run() { # model dataset-path out-dir → log file
  rm -rf "$3"
  "$BIN" train "$2" --model "$1" --time-budget "$BUDGET" --device cpu --seed "$SEED" --out "$3" >"$3.log" 2>&1 || true
}
field() { sed -n "$2" "$1" | tail -1; }

printf '%-10s %12s %10s %10s %10s %10s\n' dataset first_pred_s ALC_base1 ALC_auto NAUC_auto overrun_%
for i in "${!NAMES[@]}"; do
  name=${NAMES[$i]}; data=${PATHS[$i]}
  run baseline1 "$data" "$WORK/$name-baseline1"
  run auto "$data" "$WORK/$name-auto"
  alc_b=$(field "$WORK/$name-baseline1.log" 's/^ALC \([0-9.-]*\).*/\1/p')
  alc_a=$(field "$WORK/$name-auto.log" 's/^ALC \([0-9.-]*\).*/\1/p')
  first=$(sed -n 's/^  prediction 0 recorded at \([0-9.]*\) s/\1/p' "$WORK/$name-auto.log" | head -1)
  nauc=$(field "$WORK/$name-auto.log" 's/^score: last NAUC \([0-9.-]*\) at.*/\1/p')
  took=$(field "$WORK/$name-auto.log" 's/^ingestion: finished after \([0-9.]*\) s.*/\1/p')
  over=$(awk -v t="${took:-nan}" -v b="$BUDGET" 'BEGIN { if (t == "nan") print "?"; else printf "%.1f", (t - b) / b * 100 }')
  printf '%-10s %12s %10s %10s %10s %10s\n' "$name" "${first:-?}" "${alc_b:-?}" "${alc_a:-?}" "${nauc:-?}" "$over"
done
