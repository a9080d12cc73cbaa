"""Report objects over the JSON the CLI prints with ``validate --json`` / ``inspect --json``."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional


class Finding:
    """One validator finding: a stable ``code``, ``severity`` ('error' or 'warning'), where it
    applies (``file``, ``record``, ``offset``, ``field``, ``line``, ``column``) and ``message``."""

    __slots__ = ("code", "severity", "file", "record", "offset", "field", "line", "column", "message")

    def __init__(self, d: Dict[str, Any]) -> None:
        loc = d.get("location", {})
        self.code: str = d["code"]
        self.severity: str = d["severity"]
        self.message: str = d["message"]
        self.file: str = loc.get("file", "")
        self.record: Optional[int] = loc.get("record")
        self.offset: Optional[int] = loc.get("offset")
        self.field: Optional[str] = loc.get("field")
        self.line: Optional[int] = loc.get("line")
        self.column: Optional[int] = loc.get("column")

    def __repr__(self) -> str:
        at = f" record {self.record} @ byte {self.offset}" if self.record is not None else ""
        return f"<{self.severity}[{self.code}] {self.file}{at}: {self.message}>"


class ValidationReport:
    """What ``validate`` found. ``ok`` is True when there is no error (warnings allowed);
    ``errors`` and ``warnings`` list the findings of each severity; ``to_dict()`` is exactly
    the CLI's ``validate --json``."""

    def __init__(self, d: Dict[str, Any]) -> None:
        self._d = d
        self.dataset: str = d["dataset"]
        self.name: Optional[str] = d.get("name")
        self.deep: bool = d["deep"]
        self.ok: bool = d["valid"]
        self.findings: List[Finding] = [Finding(f) for f in d["findings"]]
        self.errors: List[Finding] = [f for f in self.findings if f.severity == "error"]
        self.warnings: List[Finding] = [f for f in self.findings if f.severity == "warning"]
        self.error_count: int = d["errors"]
        self.warning_count: int = d["warnings"]
        self.stats: Dict[str, Any] = d["stats"]

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> Dict[str, Any]:
        import copy

        return copy.deepcopy(self._d)

    def __repr__(self) -> str:
        verdict = "valid" if self.ok else "INVALID"
        return f"<ValidationReport {self.name or self.dataset}: {verdict}, {self.error_count} error(s), {self.warning_count} warning(s)>"


class Inspection:
    """What a dataset holds (``inspect``): ``name``, ``domain``, ``shape`` (T, H, W, C; -1 =
    varies), ``format``, ``output_dim``, ``subsets`` (dicts per subset: records, class
    histogram, frame sizes ...), ``label_names``, ``bytes_on_disk``. ``to_dict()`` is exactly
    the CLI's ``inspect --json``."""

    def __init__(self, d: Dict[str, Any]) -> None:
        self._d = d
        self.dataset: str = d["dataset"]
        self.name: str = d["name"]
        self.domain: str = d["domain"]
        s = d["shape"]
        self.shape = tuple(s[k] for k in ("sequence_size", "row_count", "col_count", "effective_channels")) if isinstance(s, dict) else tuple(s)
        self.format: str = d["format"]
        self.output_dim: int = d["output_dim"]
        self.subsets: Dict[str, Dict[str, Any]] = {x["subset"]: x for x in d["subsets"]}
        self.vocabulary_size: int = d["vocabulary_size"]
        self.label_names: List[str] = d["label_names"]
        self.bytes_on_disk: int = d["bytes_on_disk"]

    def records(self, subset: str) -> int:
        return self.subsets[subset]["records"]

    def to_dict(self) -> Dict[str, Any]:
        import copy

        return copy.deepcopy(self._d)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v['records']}" for k, v in self.subsets.items())
        return f"<Inspection {self.name}: {self.domain} {self.format} shape {self.shape}, {counts}>"
