"""Dataset: metadata, iteration, to_numpy, len, as_torch."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autodl_format as adf
from conftest import need_dataset


def test_iterates_every_record_with_declared_shape(shared_dataset):
    ds = adf.Dataset(shared_dataset)
    insp = adf.inspect(shared_dataset)
    for subset in ("train", "test"):
        meta = ds.metadata[subset]
        m = meta["matrix_spec"][0]
        n = 0
        for x, y in ds.subset(subset):
            n += 1
            assert x.ndim == 4
            assert x.shape[3] == m["effective_channels"]
            if m["row_count"] > 0 and m["col_count"] > 0:
                assert x.shape[1:3] == (m["row_count"], m["col_count"])
            assert x.dtype == (np.uint8 if m["format"] == "COMPRESSED" else np.float32)
            assert y.dtype == np.float32 and y.shape == (meta["output_dim"],)
        assert n == insp.records(subset) == len(ds.subset(subset))
    assert len(ds) == insp.records("train") + insp.records("test")


def test_train_labels_are_one_hot_and_match_histogram():
    path = need_dataset("miniciao")
    ds = adf.Dataset(path)
    x, y = ds.to_numpy("train")
    assert isinstance(x, np.ndarray) and x.shape[1:] == (1, 32, 32, 3)
    assert np.all(y.sum(axis=1) == 1)
    hist = adf.inspect(path).subsets["train"]["class_histogram"]
    assert y.sum(axis=0).astype(int).tolist() == hist


def test_test_labels_come_from_the_solution():
    path = need_dataset("mini1")
    _, y = adf.Dataset(path).to_numpy("test")
    solution = np.loadtxt(path / "mini1.solution", dtype=np.float32)
    assert np.array_equal(y, solution)


def test_variable_size_images_come_as_a_list():
    x, y = adf.Dataset(need_dataset("Monkeys")).to_numpy("train")
    assert isinstance(x, list) and len(x) == len(y)
    assert len({a.shape for a in x}) > 1


def test_small_batches_give_the_same_records():
    path = need_dataset("mini1")
    a, _ = adf.Dataset(path).to_numpy("train")
    b, _ = adf.Dataset(path, batch_size=3).to_numpy("train")
    assert np.array_equal(a, b)


def test_metadata_and_names():
    ds = adf.Dataset(need_dataset("miniciao"))
    assert ds.name == "miniciao" and ds.subsets == ["train", "test"]
    assert ds.metadata["train"]["label_to_index_map"]["cat"] == 3
    with pytest.raises(KeyError):
        ds.subset("valid")


def test_reading_releases_the_gil():
    """Two threads reading at once finish with the same arrays as one."""
    path = need_dataset("Monkeys")
    results = {}

    def read(k):
        results[k] = [x for x, _ in adf.Dataset(path).train]

    threads = [threading.Thread(target=read, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(a, b) for a, b in zip(results[0], results[1]))


def test_as_torch():
    torch = pytest.importorskip("torch")
    ds = adf.Dataset(need_dataset("mini1")).as_torch("train")
    assert isinstance(ds, torch.utils.data.IterableDataset)
    xs = [x for x, _ in ds]
    assert len(xs) == len(ds) and xs[0].dtype == torch.float32


def test_as_torch_without_torch_says_so(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match="needs PyTorch"):
        adf.Dataset(need_dataset("mini1")).as_torch()
