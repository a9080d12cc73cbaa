import os
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from .errors import (
    AutoDLError as AutoDLError,
    ConversionError as ConversionError,
    DatasetIOError as DatasetIOError,
    DatasetNotFoundError as DatasetNotFoundError,
    DecodeError as DecodeError,
    ExampleError as ExampleError,
    FramingError as FramingError,
    LayoutError as LayoutError,
    MetadataError as MetadataError,
    SolutionError as SolutionError,
    WriteError as WriteError,
)

PathLike = Union[str, os.PathLike[str]]
__version__: str
HAS_FFMPEG: bool

class Finding:
    """One validator finding."""
    code: str
    severity: str
    file: str
    record: Optional[int]
    offset: Optional[int]
    field: Optional[str]
    line: Optional[int]
    column: Optional[int]
    message: str

class ValidationReport:
    """validate()'s answer; to_dict() equals the CLI's `validate --json`."""
    dataset: str
    name: Optional[str]
    deep: bool
    ok: bool
    findings: List[Finding]
    errors: List[Finding]
    warnings: List[Finding]
    error_count: int
    warning_count: int
    stats: Dict[str, Any]
    def __bool__(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...

class Inspection:
    """inspect()'s answer; to_dict() equals the CLI's `inspect --json`."""
    dataset: str
    name: str
    domain: str
    shape: Tuple[int, int, int, int]
    format: str
    output_dim: int
    subsets: Dict[str, Dict[str, Any]]
    vocabulary_size: int
    label_names: List[str]
    bytes_on_disk: int
    def records(self, subset: str) -> int: ...
    def to_dict(self) -> Dict[str, Any]: ...

def validate(path: PathLike, deep: bool = False, max_per_code: int = 20) -> ValidationReport:
    """Every format check on a dataset folder; problems are findings, not exceptions."""

def inspect(path: PathLike) -> Inspection:
    """What a dataset holds: domain, shape, counts, histograms, bytes."""

def convert(
    input: PathLike,
    out: PathLike,
    *,
    domain: str,
    name: Optional[str] = ...,
    force: bool = ...,
    test_size: float = ...,
    seed: int = ...,
    resplit: bool = ...,
    on_error: str = ...,
    max_errors: Optional[int] = ...,
    quiet: bool = ...,
    fsync: bool = ...,
    format: str = ...,
    size: Union[str, Tuple[int, int], None] = ...,
    filter: str = ...,
    channels: Union[str, int] = ...,
    verify: bool = ...,
    max_pixels: int = ...,
    target: Union[str, List[str], None] = ...,
    bins: Optional[int] = ...,
    delimiter: Optional[str] = ...,
    categorical: str = ...,
    onehot_max: int = ...,
    categorical_column: Union[str, List[str], None] = ...,
    drop_column: Union[str, List[str], None] = ...,
    missing: str = ...,
    sparse: str = ...,
    tokenizer: str = ...,
    vocab_size: Optional[int] = ...,
    max_length: Optional[int] = ...,
    text_column: str = ...,
    label_column: str = ...,
    fps: Optional[float] = ...,
    frames: Optional[int] = ...,
    max_frames: Optional[int] = ...,
    jpeg_quality: int = ...,
    sample_rate: int = ...,
    max_seconds: Optional[float] = ...,
    crop: str = ...,
    silence_db: float = ...,
) -> Inspection:
    """Raw input → dataset folder `out` (the CLI's `convert` options); returns its inspection."""

class Subset:
    """One subset: iterable of (example (T, H, W, C), labels (output_dim,) float32)."""
    name: str
    batch_size: int
    @property
    def metadata(self) -> Dict[str, Any]: ...
    def __iter__(self) -> Iterator[Tuple[np.ndarray, np.ndarray]]: ...
    def __len__(self) -> int: ...
    def to_numpy(self) -> Tuple[Union[np.ndarray, List[np.ndarray]], np.ndarray]: ...

class Dataset:
    """An AutoDL dataset folder read into NumPy arrays."""
    path: str
    def __init__(self, path: PathLike, batch_size: int = 256) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def subsets(self) -> List[str]: ...
    @property
    def metadata(self) -> Dict[str, Dict[str, Any]]: ...
    @property
    def label_names(self) -> Optional[List[str]]: ...
    def subset(self, name: str) -> Subset: ...
    @property
    def train(self) -> Subset: ...
    @property
    def test(self) -> Subset: ...
    def to_numpy(self, subset: str = "train") -> Tuple[Union[np.ndarray, List[np.ndarray]], np.ndarray]: ...
    def __len__(self) -> int: ...
    def as_torch(self, subset: str = "train") -> Any:
        """A torch.utils.data.IterableDataset of (example, labels) tensors (needs torch)."""
