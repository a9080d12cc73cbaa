#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/*.rs) for N seconds each and prints one
# line per target: seconds run, executions, corpus size, and crash/timeout/OOM artifacts.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      default: 60 s, every target
#   scripts/fuzz.sh --regressions              replay fuzz/regressions/<target>/* once each
#
# Limits enforced on every input (issue 9): -timeout=1 (a hang is > 1 s per input),
# -rss_limit_mb=512 and -malloc_limit_mb=512 (no allocation over 512 MB).
#
# Toolchain: libFuzzer needs nightly `-Z` flags, only inside fuzz/ (the main build stays on
# stable). With a nightly toolchain installed, `cargo +nightly fuzz` is used; otherwise stable
# is told to accept the flags with RUSTC_BOOTSTRAP=1. Install the runner once with
# `cargo install cargo-fuzz`. The fuzz build has its own target folder (fuzz/target, ignored).
#
# Environment: FUZZ_JOBS=k runs k targets at a time (default 1); FUZZ_NO_BUILD=1 runs the
# binaries already in fuzz/target (no rebuild while others edit the crates); FUZZ_SANITIZER=none|address
# (default address: needed for -malloc_limit_mb); AUTODL_SHARED as for the tests (seeds are
# cut from ../shared/data when present). Crash inputs land in fuzz/artifacts/<target>/; copy
# each to fuzz/regressions/<target>/ with a test in tests/regression.rs, then fix it.
#
# A 1 s timeout on a loaded machine is not always a hang: when a run stops on one, the input is
# replayed alone (3 times); if it finishes under 1 s it is filed under fuzz/artifacts/<t>/load/
# and the target goes on fuzzing (from its corpus) until it has SECONDS of fuzzing in total.
set -uo pipefail
cd "$(dirname "$0")/.."

TARGETS_ALL=(tfrecord_reader sequence_example_decode metadata_textproto solution_parse labels_csv automl_reader autonlp_reader dataset_open)

if cargo +nightly --version >/dev/null 2>&1; then
    FUZZ=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    FUZZ=(cargo fuzz)
fi
if ! "${FUZZ[@]}" --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz missing: cargo install cargo-fuzz" >&2
    exit 2
fi
SANITIZER="${FUZZ_SANITIZER:-address}"
LIMITS=(-timeout=1 -rss_limit_mb=512 -malloc_limit_mb=512)
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export AUTODL_FUZZ_SCRATCH="${AUTODL_FUZZ_SCRATCH:-/dev/shm}"
fi

if [ "${1:-}" = "--regressions" ]; then
    "${FUZZ[@]}" build -s "$SANITIZER" || exit 2
    status=0
    for t in "${TARGETS_ALL[@]}"; do
        files=(fuzz/regressions/"$t"/*)
        [ -e "${files[0]}" ] || continue
        if "${FUZZ[@]}" run -s "$SANITIZER" "$t" "${files[@]}" -- "${LIMITS[@]}" >/dev/null 2>&1; then
            echo "$t: ${#files[@]} regression input(s) pass"
        else
            echo "$t: a regression input fails (rerun: ${FUZZ[*]} run $t ${files[*]})"
            status=1
        fi
    done
    exit $status
fi

SECONDS_EACH="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${TARGETS_ALL[@]}"); fi

# ---- seed corpora (fuzz/corpus is ignored by git; shared data is read, never committed)
seed() {
    python3 - "$@" <<'PY'
import os, re, struct, sys, glob
SEP = b"\n@@@\n"
shared = os.path.join(os.environ.get("AUTODL_SHARED", os.path.join("..", "shared")), "data")

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

def frame(payload):
    n = struct.pack("<Q", len(payload))
    return n + struct.pack("<I", masked(n)) + payload + struct.pack("<I", masked(payload))

def records(path, limit):
    out, data, pos = [], open(path, "rb").read(), 0
    while pos + 12 <= len(data) and len(out) < limit:
        (n,) = struct.unpack("<Q", data[pos:pos + 8])
        out.append(data[pos + 12:pos + 12 + n])
        pos += 16 + n
    return out

def put(target, name, data):
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def read(p):
    with open(p, "rb") as f:
        return f.read()

datasets = sorted(glob.glob(os.path.join(shared, "autodl", "*")))
for ds in datasets:
    name = os.path.basename(ds)
    files = sorted(p for p in glob.glob(os.path.join(ds, "*.data", "*", "*")) if "metadata" not in p)
    for i, rf in enumerate(files):
        recs = [r for r in records(rf, 3) if len(r) < 4000]
        for k, r in enumerate(recs):
            put("sequence_example_decode", f"{name}-{i}-{k}", r)
        body = b"".join(frame(r) for r in recs[:2])
        put("tfrecord_reader", f"{name}-{i}", b"\x00" + body)
        put("tfrecord_reader", f"{name}-{i}-stream", b"\x07" + body)
    for i, md in enumerate(sorted(glob.glob(os.path.join(ds, "*.data", "*", "metadata.textproto")))):
        put("metadata_textproto", f"{name}-{i}", read(md))
    for sol in glob.glob(os.path.join(ds, "*.solution")):
        put("solution_parse", name, b"\n".join(read(sol).split(b"\n")[:6]) + b"\n")
    # a small dataset tree: 2 records per subset, metadata counts and solution rows to match
    parts = []
    for subset in ("train", "test"):
        md = glob.glob(os.path.join(ds, "*.data", subset, "metadata.textproto"))
        rf = [p for p in glob.glob(os.path.join(ds, "*.data", subset, "*")) if "metadata" not in p]
        if not md or not rf:
            break
        recs = [r for r in records(sorted(rf)[0], 2)]
        if sum(len(r) for r in recs) > 6000:
            recs = recs[:1]
        parts.append(re.sub(rb"sample_count: *\d+", b"sample_count: %d" % len(recs), read(md[0])))
        parts.append(b"".join(frame(r) for r in recs))
        n_test = len(recs)
    sols = glob.glob(os.path.join(ds, "*.solution"))
    if len(parts) == 4 and sols:
        parts.append(b"\n".join(read(sols[0]).split(b"\n")[:n_test]) + b"\n")
        put("dataset_open", name, SEP.join(parts))
for raw in sorted(glob.glob(os.path.join(shared, "raw", "*", "*labels*.csv"))):
    put("labels_csv", os.path.basename(os.path.dirname(raw)), b"\n".join(read(raw).split(b"\n")[:12]) + b"\n")
put("labels_csv", "subset", b"FileName,Labels,subset\na.png,0,train\nb.png,1 2,test\nc.png,,\n")
put("labels_csv", "conf", b"FileName,LabelConfidencePairs\na.png,68 0.3196 13 0.3564\nb.png,1 1\n")
put("tfrecord_reader", "handmade", b"\x00" + frame(b"hello") + frame(b"") + frame(b"x" * 40))
put("tfrecord_reader", "huge-length", b"\x00" + struct.pack("<Q", 1 << 63) + struct.pack("<I", masked(struct.pack("<Q", 1 << 63))))

automl_order = ["train.data", "train.solution", "test.data", "test.solution", "valid.data", "valid.solution", "feat.name", "label.name"]
automl_dirs = glob.glob(os.path.join(shared, "raw", "*AutoML*")) + glob.glob(os.path.join("fixtures", "tabular", "automl_*"))
for d in automl_dirs:
    trains = glob.glob(os.path.join(d, "*_train.data"))
    if not trains:
        continue
    base = trains[0][: -len("_train.data")]
    parts = []
    for suffix in automl_order:
        p = f"{base}_{suffix}"
        parts.append(b"\n".join(read(p).split(b"\n")[:15]) if os.path.exists(p) else b"")
    put("automl_reader", os.path.basename(d), SEP.join(parts))
for meta in glob.glob(os.path.join("fixtures", "text", "autonlp", "**", "meta.json"), recursive=True):
    data_dir = os.path.dirname(meta)
    name = os.path.basename(data_dir)[: -len(".data")]
    sol = os.path.join(os.path.dirname(data_dir), name + ".solution")
    if not os.path.exists(sol):
        sol = os.path.join(data_dir, "test.solution")
    files = [meta] + [os.path.join(data_dir, f) for f in ("train.data", "train.solution", "test.data")] + [sol]
    if all(os.path.exists(f) for f in files):
        put("autonlp_reader", name, SEP.join(b"\n".join(read(f).split(b"\n")[:20]) for f in files))
PY
}
seed || echo "fuzz.sh: seeding failed; targets start from an empty corpus" >&2
for t in "${TARGETS[@]}"; do mkdir -p "fuzz/corpus/$t"; done

if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    "${FUZZ[@]}" build -s "$SANITIZER" || { echo "fuzz.sh: fuzz build failed" >&2; exit 2; }
fi
BIN_DIR="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"

LOGS="fuzz/logs"
mkdir -p "$LOGS"
LIMIT_MS=1000

# Replays one input alone, 3 times; prints the fastest time libFuzzer reports for the input
# itself (process start-up of the instrumented binary, ~0.5 s, excluded). A hang is slow every
# time; an input that timed out only because other processes had the cores replays quickly.
replay_ms() {
    local t="$1" input="$2" best=999999 k ms
    for k in 1 2 3; do
        ms=$("$BIN_DIR/$t" "$input" "${LIMITS[@]}" 2>&1 | sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' | tail -1)
        [ -n "$ms" ] && [ "$ms" -lt "$best" ] && best=$ms
    done
    echo "$best"
}

# Fuzzes one target until it has SECONDS_EACH seconds of fuzzing. A run that stops on a timeout
# whose input replays alone under the 1 s limit (machine load, not a hang) is recorded under
# fuzz/artifacts/<t>/load/ and fuzzing goes on from the corpus; a crash, an allocation over
# the limits, or a timeout that replays slowly stops the target (a finding).
run_one() {
    local t="$1" total=0 execs=0 segment=0 findings="" loads=0
    mkdir -p "fuzz/artifacts/$t/load"
    : >"$LOGS/$t.log"
    while [ "$total" -lt "$SECONDS_EACH" ]; do
        segment=$((segment + 1))
        local before after start end rc left=$((SECONDS_EACH - total))
        before=$(find "fuzz/artifacts/$t" -maxdepth 1 -type f | sort)
        start=$(date +%s)
        # The same command `cargo fuzz run` issues, on the binary built above.
        "$BIN_DIR/$t" -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" \
            -max_total_time="$left" "${LIMITS[@]}" -max_len=65536 -print_final_stats=1 \
            >"$LOGS/$t.segment.log" 2>&1
        rc=$?
        end=$(date +%s)
        total=$((total + end - start))
        { echo "=== segment $segment: rc=$rc $((end - start))s"; cat "$LOGS/$t.segment.log"; } >>"$LOGS/$t.log"
        local n
        n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.segment.log" | grep -o '[0-9]*$' | tail -1)
        [ -z "$n" ] && n=$(grep -o '^#[0-9]*' "$LOGS/$t.segment.log" | tr -d '#' | tail -1)
        execs=$((execs + ${n:-0}))
        rm -f "$LOGS/$t.segment.log"
        [ "$rc" -eq 0 ] && break
        after=$(find "fuzz/artifacts/$t" -maxdepth 1 -type f | sort)
        local new_files
        new_files=$(comm -13 <(echo "$before") <(echo "$after"))
        local stop=1 f
        for f in $new_files; do
            case "$(basename "$f")" in
            timeout-*)
                local ms
                ms=$(replay_ms "$t" "$f")
                if [ "$ms" -lt "$LIMIT_MS" ]; then
                    echo "=== $(basename "$f") replays alone in ${ms} ms: load, not a hang; fuzzing goes on" >>"$LOGS/$t.log"
                    mv "$f" "fuzz/artifacts/$t/load/"
                    loads=$((loads + 1))
                    stop=0
                else
                    findings="$findings hang:$(basename "$f")(${ms}ms)"
                fi
                ;;
            *) findings="$findings $(basename "$f")" ;;
            esac
        done
        [ -z "$new_files" ] && findings="$findings rc=$rc(no-artifact)"
        [ "$stop" -eq 1 ] && break
    done
    local corpus
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    printf '%-26s %5ss  segments=%-3s execs=%-10s corpus=%-6s load-timeouts=%-3s findings=%s\n' \
        "$t" "$total" "$segment" "$execs" "$corpus" "$loads" "${findings:-none}"
}

JOBS="${FUZZ_JOBS:-1}"
echo "fuzz.sh: ${#TARGETS[@]} target(s), ${SECONDS_EACH}s each, $JOBS at a time, sanitizer $SANITIZER ($(date -u +%H:%M:%SZ))"
running=0
for t in "${TARGETS[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
if [ -n "${AUTODL_FUZZ_SCRATCH:-}" ]; then
    rm -rf "${AUTODL_FUZZ_SCRATCH}"/autodl-fuzz-* 2>/dev/null
fi
echo "fuzz.sh: done ($(date -u +%H:%M:%SZ)); logs in $LOGS/, crash inputs in fuzz/artifacts/"
