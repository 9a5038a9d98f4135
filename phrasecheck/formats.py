"""Reading what team leads have: canonical JSONL, CSV and plain text (one reply a line).

Records stream one at a time, so a bad line raises `InputError` only after every good line
before it has been handed on: nothing already read is lost.  Encodings UTF-8, UTF-8 with BOM
and GBK (GB 18030) are recognised; anything else is a one-line error naming the file and line.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Literal

from .errors import InputError

InputFormat = Literal["auto", "jsonl", "csv", "txt"]

ROLE_ALIASES = {
    "agent": "agent", "客服": "agent", "坐席": "agent", "座席": "agent", "1": "agent", "staff": "agent",
    "helpdesk": "agent", "员工": "agent",
    "customer": "customer", "客户": "customer", "顾客": "customer", "0": "customer", "user": "customer",
    "用户": "customer", "客人": "customer",
}


@dataclass(frozen=True, slots=True)
class Record:
    """One utterance to check, with where it came from."""

    source: str
    line: int
    id: str
    role: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


def canonical_role(value: Any, where: str) -> str:
    if value is None or value == "":
        return "agent"
    role = ROLE_ALIASES.get(str(value).strip().lower())
    if role is None:
        raise InputError(
            f"{where}: unknown role {value!r} (expected agent/客服/坐席/1 or customer/客户/顾客/0)"
        )
    return role


def decode_bytes(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[: utf8_error.start].count(b"\n") + 1
            raise InputError(
                f"{name}:{line}: cannot decode the file: expected UTF-8, UTF-8 with BOM or GBK"
            ) from None


def _sniff(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            if stripped.startswith("{"):
                return "jsonl"
            header = [c.strip().lower() for c in next(csv.reader([stripped]))]
            return "csv" if "text" in header else "txt"
    return "txt"


def open_input(path: Path, name: str, expected: str) -> IO[bytes]:
    """A binary stream of a file, or of standard input when `name` is `<stdin>`; one-line errors."""
    if name == "<stdin>":
        return io.BytesIO(sys.stdin.buffer.read())
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, expected {expected}") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror})") from None


def read_records(path: str, input_format: InputFormat = "auto") -> Iterator[Record]:
    """Records of one file (`-` is standard input)."""
    name = "<stdin>" if path == "-" else path
    with open_input(Path(path), name, "a .jsonl, .csv or .txt file") as stream:
        data = stream.read()
    text = decode_bytes(data, name)
    if input_format == "auto":
        suffix = Path(path).suffix.lower()
        input_format = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".txt": "txt"}.get(suffix) or _sniff(text)
    reader = {"jsonl": _jsonl, "csv": _csv, "txt": _txt}[input_format]
    yield from reader(text, name)


def _jsonl(text: str, name: str) -> Iterator[Record]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{where}: invalid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected a JSON object with a \"text\" field")
        yield _record(item, name, number, where)


def _record(item: dict[str, Any], name: str, number: int, where: str) -> Record:
    text = item.get("text")
    if not isinstance(text, str):
        found = "missing" if text is None else f"a {type(text).__name__}"
        raise InputError(f"{where}: expected a \"text\" string, found {found}")
    role = canonical_role(item.get("role"), where)
    ident = item.get("id")
    meta = {k: v for k, v in item.items() if k not in ("id", "role", "text")}
    return Record(name, number, str(ident) if ident not in (None, "") else f"{Path(name).name}:{number}", role, text, meta)


def _csv(text: str, name: str) -> Iterator[Record]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "text" not in header:
        raise InputError(f"{name}:1: expected a CSV header with a \"text\" column (found: {', '.join(header) or 'nothing'})")
    reader.fieldnames = header
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InputError(f"{name}:{reader.line_num}: malformed CSV ({error})") from None
        number = reader.line_num
        if None in row:
            raise InputError(f"{name}:{number}: more fields than the header has columns")
        if row.get("text") is None:
            raise InputError(f"{name}:{number}: expected {len(header)} fields, found fewer")
        if not any((v or "").strip() for v in row.values()):
            continue
        yield _record(row, name, number, f"{name}:{number}")


def _txt(text: str, name: str) -> Iterator[Record]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield Record(name, number, f"{Path(name).name}:{number}", "agent", line.strip())
