#!/usr/bin/env bash
# Issue 22, items 4-8: peak RSS and wall time of one hostile input each, against the input's
# real size. Budget per case: peak RSS <= 64 MB + 8 x input bytes, wall <= 2 s for inputs
# under 1 MB (larger inputs: wall is printed, judged against the 1 MB/s floor of the budget).
# Usage: scripts/bench-hostile.sh [path to autodl-format, default target/debug or $BIN]
# Inputs go to /tmp/hostile/bench (removed at the end). Copy the table into docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${1:-${BIN:-$TARGET/debug/autodl-format}}"
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --bin autodl-format)"; exit 1; }
W=/tmp/hostile/bench
rm -rf "$W"; mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
fail=0

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) CPU(s), binary $BIN"
printf '%-34s %12s %10s %12s %8s %6s %s\n' case input_bytes rss_MB budget_MB wall_s exit verdict

# measure NAME INPUT_PATH -- command...: runs the command under /usr/bin/time -v.
measure() {
    local name=$1 input=$2; shift 3
    local bytes; bytes=$(du -sb --apparent-size "$input" | cut -f1)
    local log="$W/$name.time"
    set +e
    timeout 120 /usr/bin/time -v "$@" >"$W/$name.out" 2>"$log"
    local code=$?
    set -e
    local rss_kb; rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    local wall; wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    wall=${wall:-0}
    local rss_mb=$(( ${rss_kb:-0} / 1024 ))
    local budget_mb=$(( FLOOR_MB + 64 + 8 * bytes / 1048576 + ${EXTRA_MB:-0} ))
    local verdict=ok
    if [ "$rss_mb" -gt "$budget_mb" ]; then verdict="OVER-RSS"; fi
    if [ "$bytes" -lt 1048576 ] && awk "BEGIN{exit !($wall > 2)}"; then verdict="OVER-TIME"; fi
    if [ "$bytes" -ge 1048576 ] && awk "BEGIN{exit !($wall > 2 + $bytes / 1048576)}"; then verdict="OVER-TIME"; fi
    [ "$code" -eq 124 ] && verdict="TIMEOUT"
    [ "$verdict" = ok ] || fail=1
    printf '%-34s %12s %10s %12s %8s %6s %s\n' "$name" "$bytes" "$rss_mb" "$budget_mb" "$wall" "$code" "$verdict"
}

png() { # a valid 4x4 gray PNG at $1 (pixel value from the name, so files differ)
    python3 - "$1" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
v = sum(sys.argv[1].encode()) % 256
raw = b''.join(b'\x00' + bytes([(v + r * 4 + c) % 256 for c in range(4)]) for r in range(4))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 4, 4, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY
}

# The binary's own floor: peak RSS of a run that reads nothing (libtorch and the decoders are
# linked in); the budget is counted above it.
/usr/bin/time -f '%M' "$BIN" --version >/dev/null 2>"$W/floor" || true
FLOOR_MB=$(( $(tail -1 "$W/floor") / 1024 ))
echo "# floor (autodl-format --version): ${FLOOR_MB} MB peak RSS; budget = floor + 64 MB + 8 x input"

# Item 4: one labels.csv row with class index 10^8 and no label.name.
d=$W/i4/in; mkdir -p "$d"
echo "FileName,Labels" >"$d/labels.csv"
for i in $(seq 0 9); do png "$d/d000$i.png"; echo "d000$i.png,$((i % 2))" >>"$d/labels.csv"; done
echo "d0000.png,100000000" >>"$d/labels.csv"
sed -i '2d' "$d/labels.csv"
measure item4_index_1e8 "$d" -- "$BIN" convert "$d" -o "$W/i4/out" --quiet

# Item 5: a valid small dataset whose metadata declares output_dim 2147483647.
d=$W/i5/raw; mkdir -p "$d"
{ echo "a,b,y"; for i in $(seq 0 39); do echo "$i.5,$((i*3)),$((i % 2))"; done; } >"$d/t.csv"
"$BIN" convert "$d/t.csv" -o "$W/i5/ds" --name t --quiet 2>/dev/null
for s in train test; do sed -i 's/^output_dim: .*/output_dim: 2147483647/' "$W/i5/ds/t.data/$s/metadata.textproto"; done
measure item5_validate_dim_2p31 "$W/i5/ds" -- "$BIN" validate "$W/i5/ds" --quiet
measure item5_inspect_dim_2p31 "$W/i5/ds" -- "$BIN" inspect "$W/i5/ds"

# Item 6: a FIFO and a link to /dev/zero among the images.
d=$W/i6/in; mkdir -p "$d/a" "$d/b"
for i in 0 1 2 3 4; do png "$d/a/$i.png"; png "$d/b/$i.png"; done
mkfifo "$d/a/p.png"; ln -s /dev/zero "$d/b/z.png"
measure item6_fifo_and_dev_zero "$d" -- "$BIN" convert "$d" -o "$W/i6/out" --quiet

# Item 7: text corpora of 1 and 10 MB (class folders, one document per file), a 1 Hz WAV.
for mb in 0.25 1; do
    d=$W/i7_$mb/in; mkdir -p "$d/pos" "$d/neg"
    for c in pos neg; do for i in 0 1 2; do echo "tiny $c document $i" >"$d/$c/$i.txt"; done; done
    python3 -c "
import random; random.seed(1)
words=[''.join(random.choice('abcdefghij') for _ in range(random.randint(2,9))) for _ in range(50000)]
out=open('$d/pos/big.txt','w'); n=0
while n < $mb*1048576:
    line=' '.join(random.choice(words) for _ in range(12))+'\n'; out.write(line); n+=len(line)
"
    measure "item7_text_${mb}MB_document" "$d" -- "$BIN" convert "$d" -o "$W/i7_$mb/out" --domain text --quiet
done
d=$W/i7w/in; mkdir -p "$d/yes" "$d/no"
python3 - "$d" <<'PY'
import struct, sys, math
root = sys.argv[1]
def wav(path, rate, n):
    data = b''.join(struct.pack('<h', int(8000 * math.sin(i / 7.0))) for i in range(n))
    hdr = b'RIFF' + struct.pack('<I', 36 + len(data)) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 1, 1, rate, rate * 2, 2, 16)
    open(path, 'wb').write(hdr + b'data' + struct.pack('<I', len(data)) + data)
for c in ('yes', 'no'):
    for i in range(6):
        wav(f'{root}/{c}/{i}.wav', 16000, 1600 + 160 * i)
wav(f'{root}/yes/slow.wav', 1, 20)
PY
measure item7_wav_declaring_1Hz "$d" -- "$BIN" convert "$d" -o "$W/i7w/out" --quiet

# Item 8: empty folder chains 1000 and 2100 deep next to the images.
for depth in 1000 2100; do
    d=$W/i8_$depth/in; mkdir -p "$d/a" "$d/b"
    for i in 0 1 2 3 4; do png "$d/a/$i.png"; png "$d/b/$i.png"; done
    (cd "$d/a" && python3 -c "
import os
for _ in range($depth):
    os.mkdir('c'); os.chdir('c')
")
    measure "item8_chain_${depth}_deep" "$d" -- "$BIN" convert "$d" -o "$W/i8_$depth/out" --quiet
done

# Item 10: a 16-bit grey 8192x8192 PNG (128 MiB decoded) and a 16-bit RGBA one (512 MiB),
# flat black, beside small good PNGs: decoded within the deep-validation bound (192 MiB) under
# --verify or refused with the reason; the default check holds one row at a time.
d=$W/i10/in; mkdir -p "$d/a" "$d/b"
python3 - "$d" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
def png(path, w, h, depth, ctype, bpp):
    row, c = b'\x00' * (1 + w * bpp), zlib.compressobj(9)
    data = b''.join(c.compress(row) for _ in range(h)) + c.flush()
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0)) + chunk(b'IDAT', data) + chunk(b'IEND', b''))
root = sys.argv[1]
png(f'{root}/a/gray16.png', 8192, 8192, 16, 0, 2)
png(f'{root}/b/rgba16.png', 8192, 8192, 16, 6, 8)
for c in 'ab':
    for i in range(4):
        png(f'{root}/{c}/small{i}.png', 8, 8, 8, 2, 3)
PY
measure item10_png16_8192_default "$d" -- "$BIN" convert "$d" -o "$W/i10/out1" --quiet
# --verify decodes: its stated bound is the deep-validation one, 192 MiB of pixels above the budget.
EXTRA_MB=192 measure item10_png16_8192_verify "$d" -- "$BIN" convert "$d" -o "$W/i10/out2" --verify --quiet

exit $fail
