#!/usr/bin/env python3
"""Damaged JPEG scan data against `convert` then `validate --deep` (issue 22, item 10).

Every dataset `convert` writes without --verify must pass `validate --deep`. This script damages
the entropy-coded data of real JPEGs in many ways, converts folders of them (default policy: a
file that fails is skipped and reported) and deep-validates each dataset. A "gap" is a dataset
that converts but fails its own deep validation; the script exits 1 if it finds any and keeps
the offending JPEGs in WORK/gaps/.

Sources: every JPEG of ../shared/data/raw/monkeys (baseline and progressive). When `ffmpeg` is
on PATH, baseline copies with restart intervals (ffmpeg writes a DRI and RST markers when it
encodes in slices) and 4:4:4 / 4:2:2 sampling are added; without it those are left out (said).

Damage, after the first SOS: bit flips, random bursts, zeroed runs (which erase restart and
SOS markers), a marker written over the data (FF C4/DB/C0/DA/FE/E0/D0–D7/01/D9 …), a byte
inserted or removed (which moves every marker after it), a copied run, a zeroed or swapped
restart marker, a damaged later scan header, truncation followed by an EOI.

Usage: scripts/fuzz-jpeg-scan.py [--bin PATH] [--trials N] [--seed S] [--batch K] [--work DIR]
(default binary: $CARGO_TARGET_DIR/release/autodl-format, else target/release/autodl-format)
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

MARKERS = [0xC4, 0xDB, 0xC0, 0xC2, 0xDA, 0xDD, 0xFE, 0xE0, 0xE1, 0x01, 0xD8, 0xD9] + list(range(0xD0, 0xD8))


def scan_start(b):
    """Offset just after the first SOS segment (walks the header segments by length)."""
    i = 2
    while i + 4 <= len(b):
        while b[i] == 0xFF and b[i + 1] == 0xFF:
            i += 1
        m = b[i + 1]
        length = b[i + 2] << 8 | b[i + 3]
        i += 2 + length
        if m == 0xDA:
            return i
    raise ValueError("no SOS")


def positions(b, start, wanted):
    """Offsets of the markers FF xx (xx in wanted) after start."""
    return [i for i in range(start, len(b) - 1) if b[i] == 0xFF and b[i + 1] in wanted]


def damage_marker(b, r, start, end, wanted, actions):
    """Damages one marker FF xx (xx in wanted) after start in place; False when there is none."""
    found = positions(b, start, wanted)
    if not found:
        return False
    i = r.choice(found)
    what = r.choice(actions)
    if what == "zero":  # the marker erased
        b[i] = b[i + 1] = 0
    elif what == "swap":  # another restart number
        b[i + 1] = 0xD0 + (b[i + 1] - 0xD0 + r.randint(1, 7)) % 8
    elif what == "drop":  # the marker removed, the data after it moved up
        del b[i:i + 2]
    elif what == "header":  # the segment after the marker garbled
        for j in range(i + 2, min(end, i + 2 + r.randint(1, 14))):
            b[j] = r.randrange(256)
    else:  # a zeroed run across the marker
        lo = max(start, i - r.randint(1, 40))
        for j in range(lo, min(end, i + r.randint(2, 40))):
            b[j] = 0
    return True


def damage(b, r):
    """(mode, damaged bytes) for one trial."""
    b = bytearray(b)
    start = scan_start(b)
    n = len(b)
    end = n - 2  # keep the final EOI unless the mode cuts
    modes = ["flip", "burst", "zero", "marker", "marker", "insert", "delete", "copy", "cut", "rst", "sos"]
    mode = r.choice(modes)
    if mode == "flip":
        for _ in range(r.randint(1, 20)):
            i = r.randrange(start, end)
            b[i] ^= 1 << r.randrange(8)
    elif mode == "burst":
        i = r.randrange(start, end - 1)
        for j in range(i, min(end, i + r.randint(1, 150))):
            b[j] = r.randrange(256)
    elif mode == "zero":
        i = r.randrange(start, end - 1)
        for j in range(i, min(end, i + r.randint(1, 300))):
            b[j] = 0
    elif mode == "marker":
        i = r.randrange(start, end - 1)
        b[i] = 0xFF
        b[i + 1] = r.choice(MARKERS)
        if r.random() < 0.5 and i + 4 < end:  # a plausible segment length after it
            b[i + 2], b[i + 3] = 0, r.choice([2, 3, 4, 5, 8, 12, 17, 67, 200])
    elif mode == "insert":
        i = r.randrange(start, end)
        b[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 4)))
    elif mode == "delete":
        i = r.randrange(start, end - 4)
        del b[i:i + r.randint(1, 4)]
    elif mode == "copy":
        i, j = r.randrange(start, end - 64), r.randrange(start, end - 64)
        k = r.randint(2, 64)
        b[j:j + k] = b[i:i + k]
    elif mode == "cut":
        i = r.randrange(start, end)
        b = b[:i] + b"\xff\xd9"
    elif mode == "rst":
        if not damage_marker(b, r, start, end, range(0xD0, 0xD8), ["zero", "swap", "drop"]):
            return damage(bytes(b), r)
    elif mode == "sos":
        if not damage_marker(b, r, start, end, [0xDA, 0xC4], ["zero", "header", "around"]):
            return damage(bytes(b), r)
    return mode, bytes(b)


def ffmpeg_sources(src_files, work):
    """Baseline variants with restart intervals and other sampling, made by ffmpeg."""
    if shutil.which("ffmpeg") is None:
        print("ffmpeg not on PATH: no restart-interval sources (monkeys only)")
        return []
    out = []
    os.makedirs(work, exist_ok=True)
    for k, f in enumerate(src_files[:12]):
        for slices, pix in [(2, "yuvj420p"), (4, "yuvj444p"), (8, "yuvj422p"), (1, "yuvj444p")]:
            dst = os.path.join(work, f"src{k}_{slices}_{pix}.jpg")
            cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", f, "-pix_fmt", pix,
                   "-threads", str(slices), "-slices", str(slices), "-q:v", str(2 + k % 6), dst]
            if subprocess.run(cmd).returncode == 0:
                out.append(dst)
    return out


def kind(b):
    start = scan_start(b)
    progressive = b.find(b"\xff\xc2", 0, start) >= 0
    dri = b.find(b"\xff\xdd", 0, start) >= 0
    return "progressive" if progressive else ("restart" if dri else "baseline")


def run_batch(binary, work, batch, clean):
    """Converts one folder of damaged files (+ clean ones) and deep-validates the result.

    Returns (converted?, skipped names, validate ok?, validate output)."""
    d = os.path.join(work, "in")
    o = os.path.join(work, "out")
    shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(o, ignore_errors=True)
    for c in ("a", "b"):
        os.makedirs(os.path.join(d, c))
    for k, (_, _, data) in enumerate(batch):
        with open(os.path.join(d, "ab"[k % 2], f"t{k}.jpg"), "wb") as f:
            f.write(data)
    for k, f in enumerate(clean):
        shutil.copy(f, os.path.join(d, "ab"[k % 2], f"clean{k}.jpg"))
    c = subprocess.run([binary, "convert", d, "-o", o, "--name", "fz", "--quiet", "--test-size", "0.5"],
                       capture_output=True, text=True)
    if c.returncode != 0:
        return False, [], True, c.stderr[-500:]
    skipped = []
    report = os.path.join(o, "fz_skipped.tsv")
    if os.path.exists(report):
        for line in open(report).read().splitlines()[1:]:
            skipped.append(line.split("\t")[0])
    v = subprocess.run([binary, "validate", "--deep", "--quiet", o], capture_output=True, text=True)
    return True, skipped, v.returncode == 0, (v.stdout + v.stderr)[-800:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    ap.add_argument("--bin", default=os.path.join(target, "release", "autodl-format"))
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=10, help="damaged files per converted folder")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    shared = os.environ.get("AUTODL_SHARED", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared"))
    src_dir = os.path.join(shared, "data", "raw", "monkeys")
    if not os.path.isdir(src_dir):
        sys.exit(f"no source JPEGs: {src_dir} missing (set AUTODL_SHARED)")
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"no binary at {a.bin} (build it, or --bin PATH)")
    work = a.work or tempfile.mkdtemp(prefix="fuzz-jpeg-scan-")
    os.makedirs(work, exist_ok=True)
    src = sorted(os.path.join(src_dir, f) for f in os.listdir(src_dir) if f.lower().endswith(".jpg"))
    src += ffmpeg_sources(src, os.path.join(work, "sources"))
    sources = [(f, open(f, "rb").read()) for f in src]
    r = random.Random(a.seed)
    by_kind = {}
    for f, b in sources:
        by_kind.setdefault(kind(b), []).append(f)
    print("sources:", ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items())), flush=True)

    # the clean sources must convert and deep-validate as they are
    ok, skipped, valid, out = run_batch(a.bin, work, [], [f for f, _ in sources])
    if not (ok and valid and not skipped):
        sys.exit(f"the clean sources do not convert and validate: skipped {skipped}\n{out}")

    stats = {}  # (kind, mode) -> [trials, skipped]
    gaps = []
    done = 0
    while done < a.trials:
        batch = []
        for _ in range(min(a.batch, a.trials - done)):
            f, b = r.choice(sources)
            mode, data = damage(b, r)
            batch.append((f, mode, data))
        clean = [f for f, _ in r.sample(sources, 2)]
        ok, skipped, valid, out = run_batch(a.bin, work, batch, clean)
        if not ok:
            sys.exit(f"convert failed on a whole folder:\n{out}")
        if not valid:
            # find the file(s) behind it, one at a time
            for one in batch:
                ok1, _, valid1, out1 = run_batch(a.bin, work, [one], clean)
                if ok1 and not valid1:
                    gaps.append(one)
                    os.makedirs(os.path.join(work, "gaps"), exist_ok=True)
                    path = os.path.join(work, "gaps", f"gap{len(gaps)}_{one[1]}.jpg")
                    open(path, "wb").write(one[2])
                    print(f"GAP {path} (from {os.path.basename(one[0])}, {one[1]}):\n{out1}", flush=True)
        for k, (f, mode, _) in enumerate(batch):
            s = stats.setdefault((kind(open(f, "rb").read()), mode), [0, 0])
            s[0] += 1
            s[1] += any(x.endswith(f"t{k}.jpg") for x in skipped)
        done += len(batch)
        if done % 200 < a.batch:
            print(f"{done} trials, {len(gaps)} gaps", flush=True)

    print(f"\n{'source':<12} {'damage':<8} {'trials':>7} {'skipped':>8}")
    for (k, m), (t, s) in sorted(stats.items()):
        print(f"{k:<12} {m:<8} {t:>7} {s:>8}")
    total = sum(t for t, _ in stats.values())
    skipped = sum(s for _, s in stats.values())
    print(f"total: {total} trials, {skipped} skipped by convert, {total - skipped} accepted, {len(gaps)} gaps")
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True) if not gaps else print(f"gaps kept in {work}/gaps")
    sys.exit(1 if gaps else 0)


if __name__ == "__main__":
    main()
