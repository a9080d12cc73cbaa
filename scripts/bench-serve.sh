#!/usr/bin/env bash
# Load and fault check of `autodl-format serve` (issue 18).
#  1. N (20) concurrent uploads of a ~MB (20) MB image folder (3 classes of noisy BMPs) to a
#     server with --jobs 2: every upload must be accepted (201), queued and end `finished`;
#     prints the upload wall time, the time until all runs ended and the server's peak RSS
#     (VmHWM; the rate children are separate processes, their peak is printed too).
#  2. kill -9 of the server while a run trains, with one finished and one queued run; restart
#     on the same --data: finished intact, the cut run `interrupted`, the queued run finishes.
# Usage: scripts/bench-serve.sh   (env: BIN=path/to/autodl-format, N, MB, BUDGET seconds per run)
# Needs: curl, python3 (standard library only). Record `uptime` with the numbers (shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${BIN:-$TARGET/debug/autodl-format}"
N="${N:-20}"
MB="${MB:-20}"
BUDGET="${BUDGET:-5}"
WORK="$(mktemp -d /tmp/bench-serve.XXXXXX)"
SPID=""
cleanup() {
    if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
[ -x "$BIN" ] || { echo "bench-serve: $BIN missing (cargo build --bin autodl-format --bin autodl-format-train)" >&2; exit 2; }

# The upload: 3 class folders of 400x400 BMPs (uncompressed noise around a class colour).
python3 - "$WORK/upload/shapes" "$MB" <<'PY'
import os, random, struct, sys
root, mb = sys.argv[1], int(sys.argv[2])
w = h = 400
row = w * 3
size = 54 + row * h
count = max(3, (mb * 1024 * 1024) // size)
random.seed(7)
colours = {"red": (200, 40, 40), "green": (40, 200, 40), "blue": (40, 40, 200)}
for k in range(count):
    name, (r, g, b) = list(colours.items())[k % 3]
    os.makedirs(os.path.join(root, name), exist_ok=True)
    noise = random.randbytes(row * h)
    px = bytearray(row * h)
    for i in range(0, row * h, 3):
        px[i] = (b + noise[i] % 56) & 255
        px[i + 1] = (g + noise[i + 1] % 56) & 255
        px[i + 2] = (r + noise[i + 2] % 56) & 255
    head = b"BM" + struct.pack("<IHHI", size, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, row * h, 2835, 2835, 0, 0)
    with open(os.path.join(root, name, f"{k:03d}.bmp"), "wb") as f:
        f.write(head + bytes(px))
PY
UPLOAD_BYTES=$(du -sb "$WORK/upload/shapes" | cut -f1)
FILES=()
while IFS= read -r f; do FILES+=(-F "files=@$f;filename=${f#"$WORK/upload/"}"); done < <(find "$WORK/upload/shapes" -type f | sort)

start_server() {
    "$BIN" serve --addr 127.0.0.1:0 --data "$WORK/data" --jobs 2 --device cpu > "$WORK/server.out" 2>> "$WORK/server.err" &
    SPID=$!
    for _ in $(seq 100); do grep -q '^autodl-format serve: ' "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
    URL=$(sed -n 's/^autodl-format serve: //p' "$WORK/server.out" | head -1)
    [ -n "$URL" ] || { cat "$WORK/server.err" >&2; echo "bench-serve: server did not start" >&2; exit 1; }
    CSRF=$(curl -s "${URL}new" | sed -n 's/.*name="csrf-token" content="\([0-9a-f]*\)".*/\1/p')
}
# states NAME... : prints "id state" for every run
states() { curl -s "${URL}api/runs" | python3 -c 'import json,sys; [print(r["id"], r["state"]) for r in json.load(sys.stdin)["runs"]]'; }
post_run() { # name budget [extra curl args]: prints the HTTP status
    local name=$1 budget=$2; shift 2
    curl -s -o /dev/null -w '%{http_code}\n' -H "X-CSRF-Token: $CSRF" -H 'Accept: application/json' \
        -F "name=$name" -F "time_budget=$budget" "$@" "${URL}runs"
}
wait_all_ended() { # timeout seconds
    local end=$((SECONDS + $1))
    while states > "$WORK/states" && grep -qE ' (queued|running)$' "$WORK/states"; do
        [ $SECONDS -lt $end ] || { echo "bench-serve: runs still pending after $1 s" >&2; states >&2; exit 1; }
        sleep 1
    done
}
peak_child_kb=0
watch_children() { # samples the rate children's RSS until the server has no child left
    while kill -0 "$SPID" 2>/dev/null; do
        for p in $(pgrep -P "$SPID" || true); do
            kb=$(awk '/^VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
            [ "${kb:-0}" -gt "$peak_child_kb" ] && peak_child_kb=$kb && echo "$kb" > "$WORK/child-peak"
        done
        sleep 0.5
    done
}

echo "== load: $N concurrent uploads of $UPLOAD_BYTES bytes, --jobs 2, budget $BUDGET s ($(uptime))"
start_server
( watch_children ) &
WATCHER=$!
t0=$(date +%s.%N)
UPLOADS=()
for i in $(seq "$N"); do
    ( post_run "load$i" "$BUDGET" "${FILES[@]}" > "$WORK/code$i" ) &
    UPLOADS+=($!)
done
wait "${UPLOADS[@]}"
t_up=$(date +%s.%N)
accepted=$(cat "$WORK"/code* | grep -c 201 || true)
echo "uploads accepted: $accepted / $N in $(python3 -c "print(f'{$t_up - $t0:.1f}')") s; server peak RSS so far: $(awk '/^VmHWM/{print $2, $3}' "/proc/$SPID/status")"
[ "$accepted" = "$N" ] || { echo "bench-serve: FAIL: $(cat "$WORK"/code* | tr '\n' ' ')" >&2; exit 1; }
wait_all_ended 7200
t_end=$(date +%s.%N)
finished=$(states | grep -c ' finished$' || true)
total=$(states | wc -l)
echo "runs: $total listed, $finished finished (none lost: $([ "$total" = "$N" ] && [ "$finished" = "$N" ] && echo yes || echo NO))"
echo "all runs ended after $(python3 -c "print(f'{$t_end - $t0:.1f}')") s"
echo "server peak RSS: $(awk '/^VmHWM/{print $2, $3}' "/proc/$SPID/status")  (rate child peak RSS: $(cat "$WORK/child-peak" 2>/dev/null || echo '?') kB)"
[ "$finished" = "$N" ] || { states >&2; exit 1; }

echo "== fault: kill -9 mid-run, restart ($(uptime))"
# both job slots busy with long runs, one run queued behind them
code=$(post_run cut-a 600 "${FILES[@]}"); [ "$code" = 201 ] || { echo "upload: $code" >&2; exit 1; }
code=$(post_run cut-b 600 "${FILES[@]}"); [ "$code" = 201 ] || { echo "upload: $code" >&2; exit 1; }
code=$(post_run queued "$BUDGET" "${FILES[@]}"); [ "$code" = 201 ] || { echo "upload: $code" >&2; exit 1; }
for _ in $(seq 1200); do
    n=$(grep -l 'training the automatic model' "$WORK/data/runs/$((N + 1))/rate.log" "$WORK/data/runs/$((N + 2))/rate.log" 2>/dev/null | wc -l || true)
    [ "$n" = 2 ] && break
    sleep 0.5
done
echo "before kill: $(states | awk '$1 > '"$N"' {printf "%s=%s ", $1, $2}')"
kill -9 "$SPID"; wait "$SPID" 2>/dev/null || true
kill "$WATCHER" 2>/dev/null || true
start_server
echo "after restart: $(states | awk '$1 > '"$N"' {printf "%s=%s ", $1, $2}')"
wait_all_ended 1800
after=$(states)
echo "ended: $(echo "$after" | awk '$1 > '"$N"' {printf "%s=%s ", $1, $2}')"
[ "$(echo "$after" | awk '$1 <= '"$N"' && $2 == "finished"' | wc -l)" = "$N" ] || { echo "FAIL: finished runs changed" >&2; exit 1; }
for id in $((N + 1)) $((N + 2)); do
    echo "$after" | grep -q "^$id interrupted$" || { echo "FAIL: run $id not interrupted" >&2; exit 1; }
done
echo "$after" | grep -q "^$((N + 3)) finished$" || { echo "FAIL: the queued run did not finish" >&2; exit 1; }
echo "bench-serve: ok"
