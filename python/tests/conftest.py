"""Shared fixtures: where the shared datasets are (skip without them, fail under CI=true), the
CLI binary for the --json comparisons, and generated raw text/speech inputs."""

from __future__ import annotations

import math
import os
import shutil
import struct
import wave
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def shared_root() -> Path:
    env = os.environ.get("AUTODL_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(HERE.parents[1] / ".." / "shared")
    for c in candidates:
        if (c / "data" / "autodl").is_dir():
            return c.resolve()
    return Path("/nonexistent")


def need_shared(kind: str, name: str) -> Path:
    """``data/<kind>/<name>`` of the shared data; the test is skipped without it (failed under
    CI=true)."""
    path = shared_root() / "data" / kind / name
    if not path.is_dir():
        msg = f"shared {kind} input {name} not found (set AUTODL_SHARED to the folder holding data/{kind})"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def need_dataset(name: str) -> Path:
    return need_shared("autodl", name)


@pytest.fixture(params=["Monkeys", "miniciao", "mini1"])
def shared_dataset(request) -> Path:
    return need_dataset(request.param)


@pytest.fixture
def miniciao_copy(tmp_path: Path) -> Path:
    """A private copy of miniciao to break."""
    dst = tmp_path / "miniciao"
    shutil.copytree(need_dataset("miniciao"), dst)
    for p in dst.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return dst


def cli_binary():
    """The `autodl-format` binary, for comparing with `--json` output (None when not built)."""
    env = os.environ.get("AUTODL_FORMAT_BIN")
    if env and Path(env).is_file():
        return env
    for base in (os.environ.get("CARGO_TARGET_DIR"), str(HERE.parents[1] / "target")):
        if base:
            for profile in ("debug", "release"):
                p = Path(base) / profile / "autodl-format"
                if p.is_file():
                    return str(p)
    return None


def write_text_corpus(root: Path) -> Path:
    """Class folders of short documents, the same words every time."""
    words = {"pos": ["good", "great", "fine", "nice", "superb", "lovely"], "neg": ["bad", "awful", "poor", "dull", "grim", "sad"]}
    for label, vocab in words.items():
        d = root / label
        d.mkdir(parents=True)
        for i in range(12):
            doc = " ".join(vocab[(i * 7 + k * 3) % len(vocab)] for k in range(3 + i % 5))
            (d / f"{label}{i:02d}.txt").write_text(f"this film was {doc} .\n")
    return root


def write_speech(root: Path) -> Path:
    """Class folders of short 16 kHz 16-bit mono WAV tones (one pitch family per class)."""
    for label, base in (("low", 220.0), ("high", 880.0)):
        d = root / label
        d.mkdir(parents=True)
        for i in range(6):
            n = 1600 + 400 * i
            freq = base * (1 + 0.1 * i)
            samples = [int(12000 * math.sin(2 * math.pi * freq * t / 16000)) for t in range(n)]
            with wave.open(str(d / f"{label}{i}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(struct.pack(f"<{n}h", *samples))
    return root
