"""Parquet tables for BI tools and data lakes: `score --format parquet` and `scan --format parquet`.

`score` writes flat tables (no nested columns, which Tableau and Power BI cannot use) joined by
``conv_id`` and ``turn`` (the turn's 0-based index in its conversation):
``conversations``, ``dimensions``, ``turns``, ``violations``, ``findings`` and ``deductions``,
each value as `conversations.jsonl` has it (`COLUMNS` says where each column comes from).  Rows
are written in row groups as conversations stream in, so memory stays flat.  `scan` writes one
table with the columns of its CSV output, typed.  Writing needs pyarrow
(``pip install 'phrasecheck[parquet]'``); without it the error says so in one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..errors import PhrasecheckError
from .terminal import CSV_COLUMNS, Checked, scan_rows

FLUSH = 2000  # conversations per row group
INSTALL = "pip install 'phrasecheck[parquet]'"

# Column types by name, shared by every table; a column not listed is text.
_TYPES = {
    "score": "int64", "passed": "bool_", "vetoed": "bool_", "pass_mark": "int64", "turns": "int64", "agent_turns": "int64",
    "duration_ms": "int64", "cap": "int64", "deducted": "int64", "turn": "int64", "seq": "int64", "begin_ms": "int64",
    "end_ms": "int64", "scored": "bool_", "start": "int64", "end": "int64", "confidence": "float64", "time_ms": "int64",
    "points": "int64", "veto": "bool_", "line": "int64",
}

# Each score table: its columns, and (the conversation result → its rows).
COLUMNS: dict[str, tuple[str, ...]] = {
    "conversations": ("conv_id", "source", "channel", "agent_id", "agent_name", "score", "grade", "passed", "vetoed",
                      "template", "template_title", "pass_mark", "pack", "lexicon_version", "turns", "agent_turns",
                      "duration_ms"),
    "dimensions": ("conv_id", "dimension", "title", "cap", "deducted", "score"),
    "turns": ("conv_id", "turn", "seq", "role", "speaker", "text", "begin_ms", "end_ms", "scored", "score", "decision",
              "rewrite"),
    "violations": ("conv_id", "turn", "seq", "rule", "category", "severity", "start", "end", "matched", "entry",
                   "match_type", "confidence", "message", "suggestion"),
    "findings": ("conv_id", "rule", "kind", "severity", "status", "turn", "seq", "start", "end", "matched", "time_ms",
                 "message", "suggestion"),
    "deductions": ("conv_id", "item", "title", "dimension", "points", "veto", "rule", "category", "severity", "turn", "seq",
                   "start", "end", "matched", "time_ms", "message", "suggestion"),
}


def pyarrow():
    """The `pyarrow` module, or a one-line error saying how to install it."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise PhrasecheckError(f"writing Parquet needs pyarrow: {INSTALL}") from None
    return pyarrow


def schema(columns: Iterable[str]):
    pa = pyarrow()
    return pa.schema([(name, getattr(pa, _TYPES.get(name, "string"))()) for name in columns])


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def table_rows(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One scored conversation (its `conversations.jsonl` dict) as rows of each table."""
    conv = result["id"]
    template, lexicon, stats = result.get("template") or {}, result.get("lexicon") or {}, result.get("stats") or {}
    turns = result.get("turns") or []
    return {
        "conversations": [{
            "conv_id": conv, "source": result.get("source"), "channel": result.get("channel"),
            "agent_id": result.get("agent_id"), "agent_name": result.get("agent_name"), "score": result["score"],
            "grade": result["grade"], "passed": result["passed"], "vetoed": result["vetoed"],
            "template": template.get("id"), "template_title": template.get("title"), "pass_mark": template.get("pass_mark"),
            "pack": lexicon.get("pack"), "lexicon_version": lexicon.get("version"), "turns": stats.get("turns"),
            "agent_turns": stats.get("agent_turns"), "duration_ms": stats.get("duration_ms"),
        }],
        "dimensions": [{"conv_id": conv, "dimension": d["id"], **{k: d.get(k) for k in ("title", "cap", "deducted", "score")}}
                       for d in result.get("dimensions") or []],
        "turns": [{"conv_id": conv, "turn": t["index"], **{k: t.get(k) for k in COLUMNS["turns"][2:]}} for t in turns],
        "violations": [{"conv_id": conv, "turn": t["index"], "seq": t.get("seq"), **v,
                        "suggestion": _first(v.get("suggestions"))} for t in turns for v in t.get("violations") or []],
        "findings": [{"conv_id": conv, **f, "suggestion": _first(f.get("suggestions"))} for f in result.get("findings") or []],
        "deductions": [{"conv_id": conv, **d} for d in result.get("deductions") or []],
    }


class ScoreTables:
    """`score --format parquet`: the tables in `COLUMNS`, one `NAME.parquet` each in `out_dir`."""

    def __init__(self, out_dir: Path):
        self.pa = pyarrow()
        self.paths = {name: Path(out_dir) / f"{name}.parquet" for name in COLUMNS}
        self.schemas = {name: schema(columns) for name, columns in COLUMNS.items()}
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
        self.writers: dict[str, Any] = {}
        self.pending = 0

    def write(self, result: dict[str, Any]) -> None:
        for name, rows in table_rows(result).items():
            self.rows[name].extend(rows)
        self.pending += 1
        if self.pending >= FLUSH:
            self._flush()

    def _flush(self) -> None:
        for name, rows in self.rows.items():
            writer = self.writers.get(name)
            if writer is None:
                writer = self.writers[name] = self._open(name)
            if rows:
                writer.write_table(self.pa.Table.from_pylist(rows, self.schemas[name]))
            rows.clear()
        self.pending = 0

    def _open(self, name: str):
        try:
            return self.pa.parquet.ParquetWriter(self.paths[name], self.schemas[name])
        except OSError as error:
            raise PhrasecheckError(f"{self.paths[name]}: cannot write ({error})") from None

    def close(self) -> list[Path]:
        """Write what is buffered and close every table (an empty table still has its columns)."""
        self._flush()
        for writer in self.writers.values():
            writer.close()
        return list(self.paths.values())


def write_scan(path: Path, items: Iterable[Checked]) -> None:
    """`scan --format parquet`: the CSV output's rows and columns, typed, in one table."""
    pa = pyarrow()
    table = pa.Table.from_pylist(list(scan_rows(items)), schema(CSV_COLUMNS))
    try:
        pa.parquet.write_table(table, path)
    except OSError as error:
        raise PhrasecheckError(f"{path}: cannot write ({error})") from None

