"""What every writer shares: JSON that strict parsers accept and text that is always valid UTF-8.

Input can carry what JSON and UTF-8 cannot: `NaN` or `1e999` in a JSON line's extra fields (Python's
reader takes them; they come back under `meta`), and lone surrogates (a `"\\ud800"` escape, or an
undecodable file name or argument).  A non-finite number is written as `null`, as browsers'
`JSON.stringify` and the service's orjson do; a lone surrogate becomes U+FFFD, as the engine does
with the text it checks.  Nothing is refused, so one odd field never costs a run its output.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
from pathlib import Path
from typing import IO, Any

from .errors import OutputError

SURROGATES = "phrasecheck-surrogates"  # the codec error handler for text streams: lone surrogate → U+FFFD
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(error: UnicodeError) -> tuple[bytes, int]:
    """For UTF-8 encoders only (every stream it is given): CPython's UTF-8 encoder takes a non-ASCII
    replacement only as bytes."""
    if isinstance(error, UnicodeEncodeError):
        bad = error.object[error.start:error.end]
        if _LONE_SURROGATE.sub("", bad) == "":
            return "\ufffd".encode("utf-8") * len(bad), error.end
    raise error


codecs.register_error(SURROGATES, _replace_surrogates)


def json_text(data: Any, indent: int | None = None) -> str:
    """`data` as strict JSON (RFC 8259): non-finite numbers as null, lone surrogates as U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", _strict_json(data, indent))


def json_line(data: Any) -> bytes:
    """One JSONL line, UTF-8, with its newline (the surrogate handler runs only when one is there)."""
    return (_strict_json(data) + "\n").encode("utf-8", SURROGATES)


def _strict_json(data: Any, indent: int | None = None) -> str:
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=indent)
    except ValueError:  # NaN or ±Infinity somewhere: rare, so only then walk the data
        return json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, indent=indent)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


def open_text(path: Path, *, bom: bool = False) -> IO[str]:
    """A UTF-8 text file for writing (with a BOM for Excel's sake when asked) that never fails on a
    lone surrogate."""
    return open(path, "w", encoding="utf-8-sig" if bom else "utf-8", errors=SURROGATES, newline="")


def open_partial(path: Path) -> IO[str]:
    """Open `path.partial` for writing; `keep_partial` later renames it over `path`, so an
    interrupted write leaves the earlier file whole and its own lines beside it."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file to write")
    try:
        return open_text(_partial(path))
    except OSError as error:
        raise OutputError(f"{_partial(path)}: cannot write ({error.strerror or error})") from None


def keep_partial(path: Path) -> None:
    try:
        os.replace(_partial(path), path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror or error})") from None


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def tolerate_surrogates(stream: IO[str]) -> None:
    """Let a UTF-8 standard stream write lone surrogates as U+FFFD instead of failing mid-output."""
    if (getattr(stream, "encoding", "") or "").lower().replace("_", "-") in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors=SURROGATES)
