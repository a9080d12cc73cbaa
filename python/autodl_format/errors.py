"""Exceptions raised by autodl_format. Every one carries ``file`` (the path it concerns) and,
where it applies, ``record`` (0-based index in that file), ``offset`` (byte where the record
starts), ``frame``, ``line`` and ``column``; attributes that do not apply are None."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional


class AutoDLError(Exception):
    """Base class of every error this package raises about a dataset or a conversion."""

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        record: Optional[int] = None,
        offset: Optional[int] = None,
        frame: Optional[int] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        code: Optional[str] = None,
        errno: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.record = record
        self.offset = offset
        self.frame = frame
        self.line = line
        self.column = column
        self.code = code
        if errno is not None:
            self.errno = errno

    def __str__(self) -> str:
        return self.message


class DatasetIOError(AutoDLError, OSError):
    """A file of the dataset cannot be read (permissions, disk, ...)."""


class DatasetNotFoundError(DatasetIOError, FileNotFoundError):
    """The dataset folder or one of its files does not exist."""


class LayoutError(AutoDLError):
    """The folder is not laid out as an AutoDL dataset (no ``<name>.data/``, no records, ...)."""


class MetadataError(AutoDLError):
    """``metadata.textproto`` does not parse or breaks the schema (``line``, ``column``)."""


class SolutionError(AutoDLError):
    """The ``.solution`` file is malformed (``line``)."""


class FramingError(AutoDLError):
    """A TFRecord record is truncated or fails its CRC (``record``, ``offset``, ``code``)."""


class ExampleError(AutoDLError):
    """A record is not a valid AutoDL SequenceExample (``record``, ``offset``)."""


class DecodeError(AutoDLError):
    """A compressed frame does not decode as an image (``record``, ``frame``)."""


class WriteError(AutoDLError):
    """The dataset could not be written (e.g. the output exists and force is off)."""


class ConversionError(AutoDLError):
    """A conversion failed as a whole (bad input layout, too many bad inputs, ...)."""


__all__ = [
    "AutoDLError",
    "DatasetIOError",
    "DatasetNotFoundError",
    "LayoutError",
    "MetadataError",
    "SolutionError",
    "FramingError",
    "ExampleError",
    "DecodeError",
    "WriteError",
    "ConversionError",
]
