"""The arrays equal TensorFlow's (parse_single_sequence_example + decode_image): always against
the hashes in fixtures/expected_hashes.json (made by tf_reference.py), and against TensorFlow
itself when it is importable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import autodl_format as adf
from arrays_hash import example_digest, labels_list
from conftest import need_dataset, write_speech, write_text_corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "expected_hashes.json"


def converted_text(tmp: Path) -> Path:
    adf.convert(write_text_corpus(tmp / "raw-text"), tmp / "films", domain="text", name="films", tokenizer="words", quiet=True)
    return tmp / "films"


def converted_speech(tmp: Path) -> Path:
    adf.convert(write_speech(tmp / "raw-speech"), tmp / "tones", domain="audio", name="tones", max_seconds=0.1, quiet=True)
    return tmp / "tones"


def dataset_path(name: str, tmp: Path) -> Path:
    if name == "films":
        return converted_text(tmp)
    if name == "tones":
        return converted_speech(tmp)
    return need_dataset(name)


def ours(path: Path) -> dict:
    ds = adf.Dataset(path)
    out = {}
    for subset in ("train", "test"):
        out[subset] = [
            {"example": example_digest(x), "labels": labels_list(y) if subset == "train" else None}
            for x, y in ds.subset(subset)
        ]
    return out


NAMES = ["Monkeys", "miniciao", "mini1", "films", "tones"]


@pytest.mark.parametrize("name", NAMES)
def test_arrays_equal_the_tensorflow_fixture(name, tmp_path):
    expected = json.loads(FIXTURES.read_text())[name]
    assert ours(dataset_path(name, tmp_path)) == expected


@pytest.mark.parametrize("name", NAMES)
def test_arrays_equal_tensorflow_live(name, tmp_path):
    pytest.importorskip("tensorflow")
    from tf_reference import reference

    path = dataset_path(name, tmp_path)
    assert ours(path) == reference(str(path))
