"""convert(): the CLI's options as keyword arguments, returning the inspection."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

import autodl_format as adf
from conftest import cli_binary, need_shared, write_speech, write_text_corpus


def files(root):
    """Every file below ``root``: relative path -> bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_image_folder_compressed_and_dense(tmp_path):
    src = need_shared("raw", "mini-cifar")
    insp = adf.convert(src, tmp_path / "c", domain="image", quiet=True)
    assert isinstance(insp, adf.Inspection)
    assert insp.format == "COMPRESSED" and insp.output_dim == 10
    assert adf.validate(tmp_path / "c", deep=True).ok
    dense = adf.convert(src, tmp_path / "d", domain="image", format="dense", size="16x16", channels="1", quiet=True)
    assert dense.format == "DENSE" and dense.shape == (1, 16, 16, 1)
    x, _ = adf.Dataset(tmp_path / "d").to_numpy("train")
    assert x.dtype == np.float32 and x.shape[1:] == (1, 16, 16, 1) and 0 <= x.min() and x.max() <= 1


def test_split_options_change_the_split(tmp_path):
    src = need_shared("raw", "mini-cifar")
    a = adf.convert(src, tmp_path / "a", domain="image", test_size=0.5, seed=1, quiet=True, resplit=True, name="half")
    assert a.name == "half"
    b = adf.convert(src, tmp_path / "b", domain="image", quiet=True, resplit=True)
    assert a.records("test") > b.records("test")


def test_text_corpus(tmp_path):
    src = write_text_corpus(tmp_path / "raw")
    insp = adf.convert(src, tmp_path / "out", domain="text", name="films", tokenizer="words", quiet=True)
    assert insp.domain == "text" and insp.vocabulary_size > 2 and insp.output_dim == 2
    x, y = adf.Dataset(tmp_path / "out").to_numpy("train")
    for doc in (x if isinstance(x, list) else list(x)):
        assert doc.shape[1:] == (1, 1, 1) and doc.dtype == np.float32


def test_speech(tmp_path):
    src = write_speech(tmp_path / "raw")
    insp = adf.convert(src, tmp_path / "out", domain="audio", name="tones", max_seconds=0.1, quiet=True)
    assert insp.output_dim == 2
    for x, _ in adf.Dataset(tmp_path / "out").train:
        assert x.shape == (1600, 1, 1, 1) and np.abs(x).max() <= 1.0


def test_table(tmp_path):
    csv = tmp_path / "t.csv"
    rows = ["a,b,kind"] + [f"{i},{i * 2 % 7},{'x' if i % 2 else 'y'}" for i in range(30)]
    csv.write_text("\n".join(rows) + "\n")
    insp = adf.convert(csv, tmp_path / "out", domain="tabular", target="kind", quiet=True)
    assert insp.output_dim == 2 and insp.records("train") + insp.records("test") == 30
    # The CLI's conversion: the recipe that predicts on new rows is kept with the dataset.
    assert len(list((tmp_path / "out").glob("*_recipe.json"))) == 1


def test_existing_output_without_force(tmp_path):
    src = write_text_corpus(tmp_path / "raw")
    adf.convert(src, tmp_path / "out", domain="text", quiet=True)
    with pytest.raises(adf.WriteError) as e:
        adf.convert(src, tmp_path / "out", domain="text", quiet=True)
    assert "out" in e.value.file
    adf.convert(src, tmp_path / "out", domain="text", quiet=True, force=True)


def test_bad_options(tmp_path):
    src = write_text_corpus(tmp_path / "raw")
    with pytest.raises(TypeError, match="banana"):
        adf.convert(src, tmp_path / "o", domain="text", banana=1)
    with pytest.raises(ValueError, match="tokenizer"):
        adf.convert(src, tmp_path / "o", domain="text", tokenizer="nope")
    with pytest.raises(ValueError, match="domain"):
        adf.convert(src, tmp_path / "o", domain="auto")
    with pytest.raises(ValueError):
        adf.convert(src, tmp_path / "o", domain="text", test_size=3.0)
    assert not (tmp_path / "o").exists()


def test_bad_input_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(adf.ConversionError) as e:
        adf.convert(tmp_path / "empty", tmp_path / "o", domain="image", quiet=True)
    assert e.value.file is not None
    assert not (tmp_path / "o").exists()


def test_bad_image_is_skipped_or_fatal(tmp_path):
    src = need_shared("raw", "mini-cifar")
    import shutil

    shutil.copytree(src, tmp_path / "in")
    victim = sorted(p for p in (tmp_path / "in").rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))[0]
    victim.write_bytes(b"not an image at all")
    insp = adf.convert(tmp_path / "in", tmp_path / "o", domain="image", quiet=True)
    assert sum(s["records"] for s in insp.subsets.values()) > 0
    assert list((tmp_path / "o").glob("*_skipped.tsv"))
    with pytest.raises(adf.ConversionError) as e:
        adf.convert(tmp_path / "in", tmp_path / "o2", domain="image", quiet=True, on_error="fail")
    assert e.value.file == str(victim) or victim.name in str(e.value)
    assert not (tmp_path / "o2").exists()


def test_same_dataset_as_the_cli(tmp_path):
    binary = cli_binary()
    if binary is None:
        pytest.skip("autodl-format binary not built (set AUTODL_FORMAT_BIN)")
    corpus = write_text_corpus(tmp_path / "films")
    csv = tmp_path / "t.csv"
    csv.write_text("a,b,kind\n" + "".join(f"{i},{i * 3 % 5},{'x' if i % 3 else 'y'}\n" for i in range(40)))
    for name, src, domain, flags in (("text", corpus, "text", {}), ("table", csv, "tabular", {"target": "kind"})):
        adf.convert(src, tmp_path / f"py-{name}", domain=domain, quiet=True, **flags)
        args = [binary, "convert", str(src), "-o", str(tmp_path / f"cli-{name}"), "--domain", domain, "--quiet"]
        args += [a for k, v in flags.items() for a in (f"--{k}", v)]
        subprocess.run(args, check=True, capture_output=True)
        py, cli = files(tmp_path / f"py-{name}"), files(tmp_path / f"cli-{name}")
        assert any(f.endswith("_recipe.json") for f in py), sorted(py)
        assert py == cli, f"{name}: {sorted(set(py) ^ set(cli))}"
