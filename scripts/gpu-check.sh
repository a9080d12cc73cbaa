#!/usr/bin/env bash
# CUDA check of the training path on whichever machine has a GPU, in two steps:
#
#   scripts/gpu-check.sh prepare [DIR]   here (Rust, FFmpeg): builds a stripped release binary
#                                        without FFmpeg and the two data generators, converts the
#                                        shared mini-kth videos, copies the shared Monkeys set.
#   scripts/gpu-check.sh run [DIR]       on the GPU machine: builds nothing. Points the loader at
#                                        that machine's PyTorch 2.11.0 (its libtorch and CUDA
#                                        libraries), generates the speech/video sets and a 50k
#                                        image set, trains each with `--device cuda` and prints
#                                        first-prediction time, ALC, final NAUC and training
#                                        images/s, then times the same ResNet-18 step in PyTorch
#                                        eager on the same card and prints our/eager as a ratio.
#
# DIR defaults to .gpu-check (git-ignored). Without a CUDA GPU `run` falls back to the CPU (and
# says so), which is how it is tested on a CPU machine.
# env (run): BUDGET=60 (s per set), SETS="Monkeys kth tones motion shapes50k",
#            IMAGES50K=50000, TORCH_PYTHON (a python with torch 2.11.0; default
#            /opt/torch/.venv/bin/python, else python3), RESULTS (file for the summary table).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
step=${1:-}
DIR=${2:-.gpu-check}

prepare() {
    set -e
    # shellcheck source=scripts/setup.sh
    . scripts/setup.sh demo
    local target=${CARGO_TARGET_DIR:-$ROOT/target}
    local shared=${AUTODL_SHARED:-$ROOT/../shared}
    mkdir -p "$DIR/bin" "$DIR/data"
    echo "== build (release, no FFmpeg: the GPU machine has no FFmpeg libraries)"
    # both executables: autodl-format starts autodl-format-train (beside it) for train/predict/rate
    cargo build --quiet --release --no-default-features --features train --bins --example make_demo_raw
    cargo build --quiet --release -p trainer --example make_bench_datasets
    for exe in "$target/release/autodl-format" "$target/release/autodl-format-train" "$target/release/examples/make_demo_raw" "$target/release/examples/make_bench_datasets"; do
        strip -o "$DIR/bin/$(basename "$exe")" "$exe"
    done
    echo "== data: shared Monkeys (image), mini-kth converted at 5 fps (video, needs FFmpeg: debug build)"
    cargo build --quiet --bins
    rm -rf "$DIR/data/Monkeys" "$DIR/data/kth"
    cp -r "$shared/data/autodl/Monkeys" "$DIR/data/Monkeys"
    "$target/debug/autodl-format" convert "$shared/data/raw/mini-kth" --out "$DIR/data/kth" \
        --fps 5 --size 60x80 --test-size 0.34 --quiet
    du -sh "$DIR"
    echo "carry '$DIR' to the GPU machine and run: scripts/gpu-check.sh run $DIR"
}

# Loader path for a binary built against PyPI torch 2.11.0: that machine's torch/lib and the
# CUDA libraries of its nvidia wheels.
torch_env() {
    local py=${TORCH_PYTHON:-}
    if [ -z "$py" ]; then
        if [ -x /opt/torch/.venv/bin/python ]; then py=/opt/torch/.venv/bin/python; else py=python3; fi
    fi
    TORCH_PYTHON=$py
    local torch_dir
    if ! torch_dir=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null); then
        # A CPU machine with only the libtorch of scripts/env.sh: the binary runs, eager is skipped.
        if [ -n "${LIBTORCH:-}" ] && [ -e "$LIBTORCH/lib/libtorch_cpu.so" ]; then
            echo "gpu-check: $py cannot import torch: using LIBTORCH=$LIBTORCH, no PyTorch eager comparison"
            TORCH_PYTHON=""
            return 0
        fi
        echo "gpu-check: $py cannot import torch; set TORCH_PYTHON to a python with torch 2.11.0" >&2
        return 1
    fi
    local libs="$torch_dir/lib" d
    for d in "$torch_dir"/../nvidia/*/lib "$torch_dir"/../nvidia/cu13/lib; do
        [ -d "$d" ] && libs="$libs:$(cd "$d" && pwd)"
    done
    export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LIBTORCH=$torch_dir
    echo "torch: $("$py" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())')"
}

# Median "images/s" of one architecture's training epochs after its first (the first one pays
# for CUDA/cuDNN warm-up), or the first when it is the only one.
images_per_s() { # log arch
    sed -n "s/.*training $2: .*(\([0-9.]*\) images\/s).*/\1/p" "$1" |
        awk 'NR == 1 && first == "" { first = $1; next } { print } END { if (NR == 1) print first }' |
        sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}

run() {
    local bin="$DIR/bin/autodl-format"
    [ -x "$bin" ] || { echo "gpu-check: $bin missing: run 'scripts/gpu-check.sh prepare' on a machine with Rust first" >&2; exit 2; }
    torch_env || exit 2
    local budget=${BUDGET:-60} n50k=${IMAGES50K:-50000}
    local sets=${SETS:-"Monkeys kth tones motion shapes50k"}
    local device=cuda
    if [ -z "$TORCH_PYTHON" ] || ! "$TORCH_PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
        device=cpu
        echo "gpu-check: no CUDA GPU here: CPU fallback (same steps, --device cpu)"
    else
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
    fi
    local work="$DIR/work"
    rm -rf "$work"
    mkdir -p "$work"
    local t0=$SECONDS
    echo "== generate tones (speech), motion (video) and $n50k drawn-shape images"
    "$DIR/bin/make_bench_datasets" "$work/gen" --force >/dev/null || echo "gpu-check: make_bench_datasets failed" >&2
    if [[ " $sets " == *" shapes50k "* ]]; then
        "$DIR/bin/make_demo_raw" "$work/raw50k" $((n50k / 4)) >/dev/null &&
            "$bin" convert "$work/raw50k" --out "$work/gen/shapes50k" --name shapes50k --quiet ||
            echo "gpu-check: the 50k image set could not be made" >&2
        rm -rf "$work/raw50k"
    fi
    echo "   data ready after $((SECONDS - t0)) s"

    local table="$work/results.txt"
    printf '%-10s %-6s %9s %8s %8s %12s %12s %9s\n' set device first_s ALC NAUC r18_img_s r9_img_s ended_s >"$table"
    local name data log
    for name in $sets; do
        case $name in
            Monkeys | kth) data="$DIR/data/$name" ;;
            *) data="$work/gen/$name" ;;
        esac
        [ -d "$data" ] || { echo "gpu-check: $name: no data at $data" >&2; continue; }
        log="$work/$name.log"
        echo "== train $name ($device, $budget s)"
        "$bin" train "$data" --time-budget "$budget" --device "$device" --seed 1 --out "$work/run-$name" -v >"$log" 2>&1
        echo "   exit $?; $(grep -m1 '^device:' "$log")"
        local first alc nauc ended
        first=$(sed -n 's/^  prediction 0 recorded at \([0-9.]*\) s/\1/p' "$log" | head -1)
        alc=$(sed -n 's/^ALC \([0-9.-]*\).*/\1/p' "$log" | tail -1)
        nauc=$(sed -n 's/^score: last NAUC \([0-9.-]*\) at.*/\1/p' "$log" | tail -1)
        ended=$(sed -n 's/^ingestion: finished after \([0-9.]*\) s.*/\1/p' "$log" | tail -1)
        printf '%-10s %-6s %9s %8s %8s %12s %12s %9s\n' "$name" "$device" "${first:--}" "${alc:--}" "${nauc:--}" \
            "$(images_per_s "$log" Resnet18)" "$(images_per_s "$log" Resnet9)" "${ended:--}" >>"$table"
    done

    # The ResNet-18 training step of the image learner (same architecture as
    # trainer/src/deepwisdom/resnet.rs, SGD Nesterov 0.9, one host sync per step as ours has),
    # timed in PyTorch eager at the batch shape our 50k run logged.
    local shape
    shape=$(sed -n 's/.*training Resnet18: [0-9]* steps of batch \([0-9x]*\) .*/\1/p' "$work/shapes50k.log" 2>/dev/null | head -1)
    shape=${shape:-32x3x32x32}
    echo "== PyTorch eager ResNet-18 step at $shape ($device)"
    local eager=""
    [ -n "$TORCH_PYTHON" ] && eager=$("$TORCH_PYTHON" - "$shape" "$device" <<'PY'
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
shape = [int(v) for v in sys.argv[1].split("x")]
dev = torch.device(sys.argv[2])
class Block(nn.Module):
    def __init__(s, i, o, stride):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, stride, 1, bias=False); s.b1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o)
        s.down = None if stride == 1 and i == o else nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))
    def forward(s, x):
        h = F.relu(s.b1(s.c1(x))); h = s.b2(s.c2(h))
        return F.relu(h + (x if s.down is None else s.down(x)))
class ResNet18(nn.Module):
    def __init__(s, classes):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False); s.bn1 = nn.BatchNorm2d(64)
        layers, i = [], 64
        for li, w in enumerate([64, 128, 256, 512]):
            for b in range(2):
                layers.append(Block(i, w, 2 if li > 0 and b == 0 else 1)); i = w
        s.layers = nn.Sequential(*layers); s.fc = nn.Linear(512, classes, bias=False)
    def forward(s, x):
        h = F.max_pool2d(F.relu(s.bn1(s.conv1(x))), 3, 2, 1)
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.layers(h), 1), 1))
torch.manual_seed(0)
net = ResNet18(4).to(dev).train()
opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=2.5e-4, nesterov=True)
x = torch.rand(shape, device=dev); y = torch.randint(0, 4, (shape[0],), device=dev)
def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y); loss.backward(); opt.step()
    return loss.item()
for _ in range(20): step()
if dev.type == "cuda": torch.cuda.synchronize()
n = 200 if dev.type == "cuda" else 20
t = time.perf_counter()
for _ in range(n): step()
if dev.type == "cuda": torch.cuda.synchronize()
print(f"{n * shape[0] / (time.perf_counter() - t):.0f}")
PY
    ) || eager=""
    local ours
    ours=$(awk '$1 == "shapes50k" { print $6 }' "$table")
    {
        echo
        echo "PyTorch eager ResNet-18 step, batch $shape on $device: ${eager:-?} images/s"
        echo "ours / eager (ResNet-18 training images/s on shapes50k): $(awk -v a="${ours:--}" -v b="${eager:-0}" 'BEGIN { if (a == "-" || b == 0) print "?"; else printf "%.2f", a / b }')"
        echo "whole check: $((SECONDS - t0)) s"
    } >>"$table"
    echo
    cat "$table"
    [ -n "${RESULTS:-}" ] && cp "$table" "$RESULTS"
    [ -n "${LOGS:-}" ] && mkdir -p "$LOGS" && cp "$work"/*.log "$LOGS"/ 2>/dev/null
    return 0
}

case $step in
    prepare) prepare ;;
    run) run ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac
