"""``Dataset``: an AutoDL dataset folder as NumPy arrays (and, optionally, a torch
``IterableDataset``)."""

from __future__ import annotations

import os
from . import _native

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

    import numpy as np

_BATCH = 256


class Subset:
    """One subset (``train``, ``test`` or ``unlabelled``): iterable of ``(example, labels)``.

    ``example`` has shape (T, H, W, C): uint8 for compressed (JPEG/PNG) frames, decoded with
    C = ``num_channels`` (-1 means 3); float32 for dense and sparse (densified) data.
    ``labels`` is a float32 vector of ``output_dim``: the record's labels for train, the
    ``.solution`` row for test (zeros when there is no solution). Every pass re-reads the files;
    records are decoded in parallel, in batches, with the GIL released."""

    def __init__(self, reader: "_native.Reader", name: str, batch_size: int = _BATCH) -> None:
        self._reader = reader
        self.name = name
        self.batch_size = batch_size
        self._len: Optional[int] = None

    @property
    def metadata(self) -> Dict[str, Any]:
        """This subset's ``metadata.textproto`` as a dict."""
        return self._reader.metadata(self.name)

    def __iter__(self) -> Iterator[Tuple["np.ndarray", "np.ndarray"]]:
        stream = self._reader.stream(self.name, self.batch_size)
        while True:
            batch = stream.next_batch()
            if not batch:
                return
            yield from batch

    def __len__(self) -> int:
        if self._len is None:
            self._len = self._reader.count(self.name)
        return self._len

    def to_numpy(self) -> Tuple[Union["np.ndarray", List["np.ndarray"]], "np.ndarray"]:
        """``(x, y)``: x stacked to (N, T, H, W, C) when every example has the same shape,
        else a list of arrays; y is (N, output_dim) float32."""
        import numpy as np

        xs: List[np.ndarray] = []
        ys: List[np.ndarray] = []
        for x, y in self:
            xs.append(x)
            ys.append(y)
        dim = int(self.metadata["output_dim"])
        y_all = np.stack(ys) if ys else np.zeros((0, dim), dtype=np.float32)
        if xs and all(x.shape == xs[0].shape for x in xs):
            return np.stack(xs), y_all
        if not xs:
            return np.zeros((0, 0, 0, 0, 0), dtype=np.float32), y_all
        return xs, y_all

    def __repr__(self) -> str:
        return f"<Subset {self.name} of {self._reader.name}>"


class Dataset:
    """An AutoDL dataset folder (holding ``<name>.data/`` and ``<name>.solution``), or the
    ``unlabelled/`` layout.

    >>> ds = Dataset("Monkeys")
    >>> ds.metadata["train"]["output_dim"]
    10
    >>> x, y = next(iter(ds.train))
    >>> len(ds), len(ds.train), len(ds.test)

    Raises ``DatasetNotFoundError``, ``LayoutError`` or ``MetadataError`` when the folder cannot
    be opened; reading raises ``FramingError``, ``ExampleError`` or ``DecodeError`` with the
    file and record of the first bad record."""

    def __init__(self, path: Union[str, "os.PathLike[str]"], batch_size: int = _BATCH) -> None:
        self.path = os.fspath(path)
        self._reader = _native.Reader(self.path)
        self._subsets = {s: Subset(self._reader, s, batch_size) for s in self._reader.subsets()}

    @property
    def name(self) -> str:
        return self._reader.name

    @property
    def subsets(self) -> List[str]:
        return list(self._subsets)

    @property
    def metadata(self) -> Dict[str, Dict[str, Any]]:
        """Per subset, its ``metadata.textproto`` as a dict."""
        return {s: self._reader.metadata(s) for s in self._subsets}

    @property
    def label_names(self) -> Optional[List[str]]:
        """Class names from ``<name>_label.name``, or None."""
        return self._reader.label_names()

    def subset(self, name: str) -> Subset:
        try:
            return self._subsets[name]
        except KeyError:
            raise KeyError(f"{self.name} has no {name!r} subset (it has {', '.join(self._subsets)})") from None

    @property
    def train(self) -> Subset:
        return self.subset("train")

    @property
    def test(self) -> Subset:
        return self.subset("test")

    def to_numpy(self, subset: str = "train") -> Tuple[Union["np.ndarray", List["np.ndarray"]], "np.ndarray"]:
        """``(x, y)`` of a subset held in memory; see ``Subset.to_numpy``."""
        return self.subset(subset).to_numpy()

    def __len__(self) -> int:
        """Records in all subsets together."""
        return sum(len(s) for s in self._subsets.values())

    def as_torch(self, subset: str = "train") -> Any:
        """A ``torch.utils.data.IterableDataset`` of ``(example, labels)`` tensors. Needs torch
        (not a dependency of this package). With several DataLoader workers each worker reads
        every record but keeps only its share (record i goes to worker i mod workers)."""
        try:
            import torch
            from torch.utils.data import IterableDataset, get_worker_info
        except ImportError as e:
            raise ImportError("as_torch() needs PyTorch: pip install torch") from e
        part = self.subset(subset)

        class _AutoDLIterable(IterableDataset):  # type: ignore[misc]
            def __iter__(self):  # type: ignore[no-untyped-def]
                info = get_worker_info()
                for i, (x, y) in enumerate(part):
                    if info is None or i % info.num_workers == info.id:
                        yield torch.from_numpy(x), torch.from_numpy(y)

            def __len__(self) -> int:
                return len(part)

        return _AutoDLIterable()

    def __repr__(self) -> str:
        if "_reader" not in self.__dict__:
            return f"<Dataset at {self.path} (not opened)>"
        return f"<Dataset {self.name} at {self.path}: {', '.join(self._subsets)}>"
