#!/usr/bin/env bash
# Boosting-library decision (issue 16): our deepwisdom::gbdt against LightGBM (Python package,
# bench-only venv) on the same generated binary table (50 features, non-linear target, 25 %
# extra rows as test, at most 100,000). Both: 100 rounds, 31 leaves, learning rate 0.1,
# min 20 rows per leaf, 255 bins; each with 1 thread and with every core. Prints wall and CPU
# seconds per run (the shared machine's load moves wall times; CPU seconds less so) and, on
# LightGBM's lines, ours/LightGBM at the same thread count.
#
# Usage: scripts/bench-gbdt.sh [WORK_DIR]   env: ROWS="10000 1000000", VENV (as compare-tabular.sh),
#        EXAMPLE (a built bench_gbdt example; default: build it)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-${TMPDIR:-/tmp}/autodl-bench-gbdt}
ROWS=${ROWS:-10000 1000000}
VENV=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-tabular}
# LightGBM's OpenMP threads spin while waiting; on a shared CPU that starves everything.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
if [ -z "${LIBTORCH:-}" ]; then AUTODL_SKIP_PYTHON=1 . scripts/env.sh; fi
if ! "$VENV/bin/python" -c 'import lightgbm, sklearn' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check scikit-learn lightgbm
fi
if [ -z "${EXAMPLE:-}" ]; then
  cargo build --release --quiet -p trainer --example bench_gbdt
  EXAMPLE=${CARGO_TARGET_DIR:-target}/release/examples/bench_gbdt
fi
CORES=$(nproc)
for rows in $ROWS; do
  mkdir -p "$WORK/$rows"
  ours1=$(RAYON_NUM_THREADS=1 "$EXAMPLE" "$WORK/$rows" "$rows")
  echo "$ours1  (load $(cut -d' ' -f1 /proc/loadavg))"
  oursn=$(RAYON_NUM_THREADS=$CORES "$EXAMPLE" "$WORK/$rows" "$rows")
  echo "$oursn  (load $(cut -d' ' -f1 /proc/loadavg))"
  "$VENV/bin/python" - "$WORK/$rows" "$rows" "$ours1" "$oursn" <<'PY'
import sys, time, os
import numpy as np
from lightgbm import LGBMClassifier
from sklearn.metrics import roc_auc_score
d, rows = sys.argv[1], int(sys.argv[2])
ours = [dict(kv.split("=") for kv in line.split()[1:]) for line in sys.argv[3:5]]
x = np.fromfile(f"{d}/x_train.f32", dtype="<f4").reshape(rows, 50)
y = np.fromfile(f"{d}/y_train.f32", dtype="<f4")
tx = np.fromfile(f"{d}/x_test.f32", dtype="<f4").reshape(-1, 50)
ty = np.fromfile(f"{d}/y_test.f32", dtype="<f4")
for o, threads in zip(ours, (1, os.cpu_count())):
    t0, c0 = time.time(), time.process_time()
    m = LGBMClassifier(n_estimators=100, num_leaves=31, learning_rate=0.1, min_child_samples=20, max_bin=255, n_jobs=threads, verbose=-1).fit(x, y)
    p = m.predict_proba(tx)[:, 1]
    s, c = time.time() - t0, time.process_time() - c0
    nauc = 2 * roc_auc_score(ty, p) - 1
    load = open("/proc/loadavg").read().split()[0]
    print(f"lightgbm rows={rows} threads={threads} seconds={s:.2f} cpu={c:.2f} nauc={nauc:.4f}  (load {load})  "
          f"ours/lightgbm: time x{float(o['seconds']) / s:.2f}, CPU x{float(o['cpu']) / c:.2f}, NAUC {float(o['nauc']) - nauc:+.4f}")
PY
  rm -f "$WORK/$rows"/*.f32
done
