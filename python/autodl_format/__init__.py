"""Read, validate, inspect and convert AutoDL datasets (TFRecord files of
``tf.train.SequenceExample``, ``metadata.textproto``, ``.solution``) without TensorFlow.

>>> import autodl_format as adf
>>> report = adf.validate("Monkeys")            # ValidationReport; report.ok, report.errors
>>> ds = adf.Dataset("Monkeys")
>>> for example, labels in ds.train:             # (T, H, W, C) uint8/float32, float32 labels
...     pass
>>> x, y = ds.to_numpy("test")

The engine is the Rust crate behind the ``autodl-format`` command line; records are decoded in
parallel with the GIL released. NumPy is imported on first use, not at import time.
"""

from __future__ import annotations

import os

from . import _native
from ._reports import Finding, Inspection, ValidationReport
from .dataset import Dataset, Subset
from .errors import (
    AutoDLError,
    ConversionError,
    DatasetIOError,
    DatasetNotFoundError,
    DecodeError,
    ExampleError,
    FramingError,
    LayoutError,
    MetadataError,
    SolutionError,
    WriteError,
)

__version__ = "0.1.0"

# typing and json stay unimported at import time (json pulls in re): `import autodl_format` is
# kept under 50 ms; annotations are strings and the stubs in __init__.pyi carry the types.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Union

    PathLike = Union[str, os.PathLike[str]]

#: Whether this build can convert video and FFmpeg-only audio (built with the ffmpeg feature).
HAS_FFMPEG: bool = bool(_native.FFMPEG)


def validate(path: PathLike, deep: bool = False, max_per_code: int = 20) -> ValidationReport:
    """Every check of the format's strict-reader checklist on the dataset folder ``path``.

    Problems inside the dataset are findings in the report (``report.ok`` is False when any is
    an error); only a path that is not a folder raises (``DatasetNotFoundError`` /
    ``LayoutError``). ``deep=True`` also decodes every compressed frame."""
    import json

    return ValidationReport(json.loads(_native.validate_json(os.fspath(path), deep, max_per_code)))


def inspect(path: PathLike) -> Inspection:
    """Name, inferred domain, shape, counts, class histograms, frame sizes and bytes of a
    dataset. Raises an ``AutoDLError`` subclass when the dataset cannot be read."""
    import json

    return Inspection(json.loads(_native.inspect_json(os.fspath(path))))


def convert(input: PathLike, out: PathLike, *, domain: str, **options: Any) -> Inspection:
    """Convert raw ``input`` (a folder, or a table/corpus file) into the dataset folder ``out``
    and return its inspection.

    ``domain`` is one of ``"image"``, ``"tabular"``, ``"text"``, ``"audio"``, ``"video"`` (video
    and FFmpeg-only audio need a build with FFmpeg, see ``HAS_FFMPEG``). ``options`` are the
    CLI's ``convert`` flags with underscores: ``name``, ``force``, ``test_size``, ``seed``,
    ``resplit``, ``on_error`` ("skip"/"fail"), ``max_errors``, ``quiet``, ``fsync``; images:
    ``format`` ("compressed"/"dense"), ``size`` ("32x32" or (h, w)), ``filter``, ``channels``,
    ``verify``, ``max_pixels``; tables: ``target`` (str or list), ``bins``, ``delimiter``,
    ``categorical``, ``onehot_max``, ``categorical_column``, ``drop_column``, ``missing``,
    ``sparse``; text: ``tokenizer``, ``vocab_size``, ``max_length``, ``text_column``,
    ``label_column``; video: ``fps``, ``frames``, ``max_frames``, ``jpeg_quality``; audio:
    ``sample_rate``, ``max_seconds``, ``crop``, ``silence_db``. Progress goes to stderr unless
    ``quiet=True``. The output appears only when the conversion and its validation succeeded;
    it is what ``autodl-format convert`` writes, the recipe (``<name>_recipe.json``) included.

    Raises ``ConversionError`` (bad input), ``WriteError`` (``out`` exists without
    ``force=True``), ``ValueError``/``TypeError`` (bad options)."""
    root = _native.convert(os.fspath(input), os.fspath(out), domain, options)
    return inspect(root)


__all__ = [
    "validate",
    "inspect",
    "convert",
    "Dataset",
    "Subset",
    "ValidationReport",
    "Inspection",
    "Finding",
    "HAS_FFMPEG",
    "AutoDLError",
    "ConversionError",
    "DatasetIOError",
    "DatasetNotFoundError",
    "DecodeError",
    "ExampleError",
    "FramingError",
    "LayoutError",
    "MetadataError",
    "SolutionError",
    "WriteError",
]
