#!/usr/bin/env bash
# `autodl-format audit` benchmarks (issue 17).
#
# 1. Injected problems, seeded (trainer/audit/examples/inject.rs), on the shared datasets
#    (Monkeys, miniciao, iris, randomtext, mini-kth) and on generated ones (images, text, table,
#    audio, video), each generated set 2000 examples with half of them test, so that 3 % gives
#    30 exact and 30 near copies: 5 % of train labels flipped, 3 % of test copied into train
#    unchanged, 3 % more as near copies. Each dataset is audited clean first (every pair it
#    reports is printed), then injected; precision and recall per finding kind are printed, and
#    cleanlab's find_label_issues runs on the SAME out-of-sample probabilities (`audit
#    --probabilities`, exact f32 values), with whether the two flagged sets are identical. Pairs
#    the clean run already reported are not counted against precision. Every report is checked
#    against schemas/audit-report.schema.json.
# 2. Scale: a generated table of ROWS rows × 20 columns and a folder of IMAGES 32×32 PNG
#    pictures, audited with /usr/bin/time -v (peak RSS, time per example), beside `validate`.
#
# Usage: scripts/bench-audit.sh [ROWS=1000000] [IMAGES=100000] [BIN] [INJECT]
#   BIN default ${CARGO_TARGET_DIR:-target}/release/autodl-format, INJECT the release build of
#   `cargo build --release -p audit --examples` (gen_video is taken from beside it). ROWS=0
#   IMAGES=0 skips the scale part. The injected part measures no time: a debug build gives the
#   same precision and recall.
#   CONVERT (default BIN) converts the raw inputs: video needs a build that has FFmpeg
#   (autodl-format-train beside it), e.g. the debug build of `cargo test`.
#   SETS (default: all ten) names the injected part's datasets to run.
#   Python with cleanlab, numpy and pillow: $AUDIT_VENV (default
#   ~/.cache/autodl-format/venv-audit17), created and filled from PyPI when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
IMAGES="${2:-100000}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$(realpath "${3:-$TARGET/release/autodl-format}")"
INJECT="$(realpath "${4:-$TARGET/release/examples/inject}")"
GEN_VIDEO="$(dirname "$INJECT")/gen_video"
CONVERT="${CONVERT:-$BIN}"
# the injected part's datasets (a subset, e.g. SETS="gen-audio", runs only those)
SETS="${SETS:-Monkeys miniciao iris randomtext mini-kth gen-images gen-text gen-table gen-audio gen-video}"
SHARED="${AUTODL_SHARED:-../shared}"
VENV="${AUDIT_VENV:-$HOME/.cache/autodl-format/venv-audit17}"
if ! "$VENV/bin/python" -c "import cleanlab, numpy, PIL, jsonschema" 2> /dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check cleanlab numpy pillow jsonschema
fi
PY="$VENV/bin/python"
TMP="$(mktemp -d /tmp/bench-audit.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) CPU(s), $BIN; cleanlab $("$PY" -c 'import cleanlab; print(cleanlab.__version__)'); uptime: $(uptime)"

# ---- generated raw inputs (seeded) -------------------------------------------------------
"$PY" - "$TMP/gen" <<'PY'
import math, os, random, struct, sys, wave
import numpy as np
from PIL import Image
root = sys.argv[1]
rng = random.Random(17)
nrng = np.random.default_rng(17)
# every set: 2000 examples, 4 classes (converted with half of them test: 1000 test examples)
# images: 4 classes of smooth colour pictures (class = hue and stripe direction), 64×64 PNG
for c in range(4):
    d = os.path.join(root, "images", f"class{c}"); os.makedirs(d)
    for i in range(500):
        y, x = np.mgrid[0:64, 0:64] / 64.0
        phase, f = rng.random() * 6.28, 2 + rng.random() * 3
        wave_ = np.sin(2 * math.pi * f * (x if c % 2 else y) + phase)
        base = np.array([[0.8, 0.3, 0.2], [0.2, 0.7, 0.3], [0.2, 0.3, 0.8], [0.7, 0.7, 0.2]][c])
        img = np.clip(base[None, None, :] * (0.6 + 0.3 * wave_[..., None]) + 0.08 * nrng.standard_normal((64, 64, 3)), 0, 1)
        Image.fromarray((img * 255).astype(np.uint8)).save(os.path.join(d, f"{i:04d}.png"))
# text: 4 classes, documents of 60–120 words drawn from a class vocabulary and a shared one
shared = [f"w{k}" for k in range(400)]
for c in range(4):
    d = os.path.join(root, "text", f"topic{c}"); os.makedirs(d)
    own = [f"t{c}_{k}" for k in range(150)]
    for i in range(500):
        n = rng.randint(60, 120)
        words = [rng.choice(own) if rng.random() < 0.35 else rng.choice(shared) for _ in range(n)]
        open(os.path.join(d, f"{i:04d}.txt"), "w").write(" ".join(words) + "\n")
# table: 4 Gaussian classes in 10 columns, 2000 rows
with open(os.path.join(root, "table.csv"), "w") as f:
    f.write(",".join(f"x{k}" for k in range(10)) + ",label\n")
    centres = nrng.normal(0, 1.2, (4, 10))
    for i in range(2000):
        c = i % 4
        f.write(",".join(f"{v:.6f}" for v in centres[c] + nrng.standard_normal(10)) + f",c{c}\n")
# audio: 4 classes of 1.5 s clips at 16 kHz (class = pitch band), noisy tone sequences
for c in range(4):
    d = os.path.join(root, "audio", f"sound{c}"); os.makedirs(d)
    for i in range(500):
        sr, n = 16000, 24000
        t = np.arange(n) / sr
        sig = np.zeros(n)
        for seg in range(6):
            f0 = 200 * (c + 1) * (1 + 0.15 * rng.random())
            a, b = seg * n // 6, (seg + 1) * n // 6
            sig[a:b] = np.sin(2 * math.pi * f0 * t[a:b]) * (0.2 + 0.3 * rng.random())
        sig += 0.03 * nrng.standard_normal(n)
        pcm = (np.clip(sig, -1, 1) * 32000).astype(np.int16)
        with wave.open(os.path.join(d, f"{i:04d}.wav"), "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr); w.writeframes(pcm.tobytes())
PY
want() { [[ " $SETS " == *" $1 "* ]]; }
mkdir -p "$TMP/ds"
convert() { "$CONVERT" convert "$@" --force -q > "$TMP/convert.log" 2>&1 || { cat "$TMP/convert.log"; exit 1; }; }
! want iris || convert "$SHARED/data/raw/iris-AutoML" --out "$TMP/ds/iris"
! want randomtext || convert "$SHARED/data/raw/randomtext" --out "$TMP/ds/randomtext"
! want mini-kth || convert "$SHARED/data/raw/mini-kth" --test-size 0.34 --fps 5 --out "$TMP/ds/mini-kth"
! want gen-images || convert "$TMP/gen/images" --test-size 0.5 --out "$TMP/ds/gen-images"
! want gen-text || convert "$TMP/gen/text" --domain text --test-size 0.5 --out "$TMP/ds/gen-text"
! want gen-table || convert "$TMP/gen/table.csv" --test-size 0.5 --out "$TMP/ds/gen-table"
! want gen-audio || convert "$TMP/gen/audio" --test-size 0.5 --out "$TMP/ds/gen-audio"
rm -rf "$TMP/gen"
! want gen-video || "$GEN_VIDEO" "$TMP/ds/gen-video" 2000 17
! want Monkeys || ln -s "$(realpath "$SHARED/data/autodl/Monkeys")" "$TMP/ds/Monkeys"
! want miniciao || ln -s "$(realpath "$SHARED/data/autodl/miniciao")" "$TMP/ds/miniciao"

# ---- 1. injected problems ---------------------------------------------------------------
echo
echo "## injected problems (seed 7): precision / recall per finding"
for ds in $SETS; do
    "$BIN" audit "$TMP/ds/$ds" --json --fail-on none -q > "$TMP/$ds.clean.json"
    "$INJECT" "$TMP/ds/$ds" "$TMP/inj/$ds" 7 > "$TMP/$ds.truth.json"
    rm -f "$TMP/$ds.probs.tsv"
    "$BIN" audit "$TMP/inj/$ds" --json --fail-on none -q --probabilities "$TMP/$ds.probs.tsv" > "$TMP/$ds.inj.json" 2> "$TMP/$ds.err" || true
    "$PY" - "$ds" "$TMP/$ds.clean.json" "$TMP/$ds.truth.json" "$TMP/$ds.inj.json" "$TMP/$ds.probs.tsv" <<'PY'
import json, os, sys
import jsonschema
name, clean_p, truth_p, inj_p, probs_p = sys.argv[1:]
clean, truth, inj = (json.load(open(p)) for p in (clean_p, truth_p, inj_p))
schema = json.load(open("schemas/audit-report.schema.json"))
for report in (clean, inj):
    jsonschema.validate(report, schema)
NEAR = ("near_duplicate_train", "near_duplicate_test", "near_duplicate_unlabelled", "near_leakage")
def ref(e): return (e["subset"], e["index"])
def pairs(report, kinds, exact):
    out = set()
    for f in report["findings"]:
        if f["kind"] not in kinds: continue
        ex = [ref(e) for e in f["examples"]]
        for i in range(len(ex)):
            for j in range(i + 1, len(ex)):
                a, b = sorted((ex[i], ex[j]), key=lambda r: (r[0] != "train", r[1]))
                out.add((a, b))
    return out
def pr(found, expected):
    hit = len(found & expected)
    p = hit / len(found) if found else float("nan")
    r = hit / len(expected) if expected else float("nan")
    return f"P {p:.2f} R {r:.2f} ({hit}/{len(expected)} found, {len(found)} reported)"
clean_exact = pairs(clean, ("leakage",), True)
clean_near = pairs(clean, NEAR, False)
shown = sorted(clean_exact | clean_near)
r = clean["near"] or {}
print(f"{name} [{truth['domain']}, {truth['train']} train / {truth['test']} test]: clean run reports "
      f"{len(clean_exact)} leak pair(s), {len(clean_near)} near pair(s) ({r.get('method')}, ≥ {r.get('min_similarity', 0):.3f})"
      + (": " + ", ".join(f"{a[0]} #{a[1]} ~ {b[0]} #{b[1]}" for a, b in shown[:8]) if shown else ""))
exact_truth = {(("train", a), ("test", b)) for a, b in truth["exact"]}
near_truth = {(("train", a), ("test", b)) for a, b in truth["near"]}
leaks = pairs(inj, ("leakage",), True) - clean_exact
near = pairs(inj, NEAR, False) - clean_near
# a near copy of a test example that is itself near another example pairs with it too: counted as found
print(f"  exact copies: {pr(leaks, exact_truth)}; near copies: {pr(near, near_truth)}")
flipped = set(truth["flipped"])
labels = inj["labels"]
if not flipped:
    print("  flipped labels: none injected (multi-label set)")
elif labels["status"] != "done" and not os.path.exists(probs_p):
    print(f"  flipped labels: audit refused: {labels.get('reason')}")
else:
    ours = {f["examples"][0]["index"] for f in inj["findings"] if f["kind"] == "suspect_label"}
    import numpy as np
    from cleanlab.filter import find_label_issues
    rows = [l.rstrip("\n").split("\t") for l in open(probs_p)]
    idx = np.array([int(r[0]) for r in rows]); given = np.array([int(r[1]) for r in rows])
    # the exact f32 values the audit used (no renormalising: the rows sum to 1 within 1e-6)
    probs = np.array([[float(v) for v in r[2:]] for r in rows])
    try:
        theirs = set(idx[find_label_issues(given, probs)].tolist())
        cl = pr(theirs, flipped)
    except Exception as e:
        theirs, cl = None, f"cleanlab failed: {e}"
    # the audit's own flagged set, also when it withheld it from the report (weak model)
    flagged = ours if labels["status"] == "done" else None
    same = "n/a (audit withheld its suspects)" if flagged is None or theirs is None else ("yes" if flagged == theirs else f"NO (audit only {sorted(flagged - theirs)[:5]}, cleanlab only {sorted(theirs - flagged)[:5]})")
    if flagged is not None and theirs is not None and flagged != theirs:
        # numpy's default argsort is not stable (SIMD sort): cleanlab breaks exact ties of its
        # rounding in an order of the machine's; with a stable argsort it is the audit's rule
        argsort = np.argsort
        np.argsort = lambda a, axis=-1, kind=None, order=None: argsort(a, axis=axis, kind="stable", order=order)
        stable = set(idx[find_label_issues(given, probs)].tolist())
        np.argsort = argsort
        same += "; with a stable argsort in numpy: " + ("identical" if stable == flagged else f"still differs ({sorted(stable ^ flagged)[:5]})")
    note = "" if labels["status"] == "done" else f" [audit withheld its suspects: {labels.get('reason')}]"
    acc = labels.get("out_of_sample_accuracy")
    print(f"  flipped labels ({len(flipped)}): audit {pr(ours, flipped)}; cleanlab find_label_issues, same probabilities: {cl}; "
          f"identical flagged sets: {same}; out-of-sample accuracy {acc:.2f}{note}" if acc is not None else "")
PY
    # the disk is shared: each set goes once it is measured
    rm -rf "$TMP/ds/$ds" "$TMP/inj/$ds" "$TMP/$ds.probs.tsv"
done

# ---- 2. scale ---------------------------------------------------------------------------
measure() { # label, examples, command…
    /usr/bin/time -v "${@:3}" > "$TMP/out.txt" 2> "$TMP/time.txt" || true
    local wall rss secs
    wall=$(grep "Elapsed (wall clock)" "$TMP/time.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$TMP/time.txt" | awk '{print $NF}')
    secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    echo "$1: wall $wall, peak RSS $((rss / 1024)) MiB, $(awk -v s="$secs" -v n="$2" 'BEGIN { printf "%.1f", 1e6 * s / n }') µs per example; uptime: $(uptime | sed 's/.*load/load/')"
}
facts() { # what the last audit found, from its JSON
    "$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("  examples", sum(s["examples"] for s in r["subsets"]), "| near:", r["near"], "| outliers:", r["outliers"]["outliers"],
      "| labels:", r["labels"]["status"], r["labels"].get("out_of_sample_accuracy"), r["labels"]["suspects"], r["labels"].get("reason", ""),
      "| findings:", {s["kind"]: s["findings"] for s in r["summary"]})' "$TMP/out.txt"
}
scale() { # label, examples, raw input, dataset: converts the input (then drops it), times audit and validate on the dataset
    "$BIN" convert "$3" --out "$4" -q > /dev/null 2>&1
    rm -rf "$3"
    measure "audit    $1" "$2" "$BIN" audit "$4" --fail-on none -q --json
    facts
    measure "validate $1" "$2" "$BIN" validate --quiet "$4"
    rm -rf "$4"
}
if [ "$ROWS" -gt 0 ]; then
    echo
    echo "## scale: table of $ROWS rows × 20 columns"
    "$PY" - "$TMP/big.csv" "$ROWS" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(2)
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"x{i}" for i in range(20)) + ",label\n")
    for start in range(0, n, 100000):
        m = min(100000, n - start)
        x = rng.random((m, 20))
        lab = (np.arange(start, start + m) % 3)
        f.write("".join(",".join(f"{v:.5f}" for v in row) + f",c{l}\n" for row, l in zip(x, lab)))
PY
    scale "table $ROWS" "$ROWS" "$TMP/big.csv" "$TMP/big"
fi
if [ "$IMAGES" -gt 0 ]; then
    echo
    echo "## scale: folder of $IMAGES 32×32 PNG pictures, 10 classes"
    "$PY" - "$TMP/pics" "$IMAGES" <<'PY'
import os, sys
import numpy as np
from PIL import Image
root, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(5)
for c in range(10):
    os.makedirs(os.path.join(root, f"c{c}"))
for i in range(n):
    img = (rng.random((8, 8, 3)) * 255).astype(np.uint8)
    Image.fromarray(img).resize((32, 32), Image.BILINEAR).save(os.path.join(root, f"c{i % 10}", f"{i:06d}.png"))
PY
    scale "images $IMAGES" "$IMAGES" "$TMP/pics" "$TMP/pics-ds"
fi
