"""One registry of input formats: a name, a parser, and how the format is recognised.

Each format module registers one `Reader` when it is imported (`readers/__init__.py` imports them
all).  `detect` decides a file's format by its content, the extension only breaking ties:

0. a binary format by its first bytes (Parquet's ``PAR1``);
1. text sniffers, in their order: a ``WEBVTT`` header (vtt), a ``-->`` timing line among the first
   two lines (srt), a first line with a 坐席:/客户: prefix (txt);
2. JSON: a first line that is a JSON object of its own is JSON lines (``jsonl``), unless a format
   claims it by its keys: a JSON-lines format (WeCom messages) takes the file, a document format
   (an ASR result or a chat export written on one line) sends it to 3, and so does a canonical
   ``{conversations: [...]}`` or a first line longer than the head that is the whole file (a
   minified document).  Any other JSON is a document;
3. a document is loaded and given to the first format that claims it by its keys (a list by its
   first item), else read as canonical ``json`` conversations;
4. a CSV header with a text column (csv); then the extension; then, for `scan`, TXT replies;
   otherwise an error that names the formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..errors import InputError
from .grouping import TURNS_KEYS
from .jsondoc import add_routes, load_json
from .source import Input
from .transcript import Transcript

Parser = Callable[[Input], Iterator[Transcript]]


@dataclass(frozen=True)
class Sample:
    """What a sniffer sees: the first non-blank lines (stripped) and the file's extension."""

    lines: tuple[str, ...]
    suffix: str

    @property
    def first(self) -> str:
        return self.lines[0]


@dataclass(frozen=True)
class Reader:
    """A registered format.

    `sniff` recognises it by the first lines of text; `claims` by the keys of a JSON value (a whole
    document, a list's first item, or the first JSON line).  `json_lines`: it reads one JSON value
    a line, so a file whose first line it claims is read as a stream.  `streams`: where its long
    lists stand in a document (dotted keys, "" for a top-level list), read one item at a time
    (`jsondoc`).  `order` ranks the sniffers and claimers among themselves; `title` is how error
    messages name the format.  `magic`: a binary format's first bytes (Parquet's ``PAR1``); such a
    file is not decoded as text.
    """

    name: str
    title: str
    parse: Parser
    sniff: Callable[[Sample], bool] | None = None
    claims: Callable[[Any], bool] | None = None
    json_lines: bool = False
    suffixes: tuple[str, ...] = ()
    order: int = 100
    streams: tuple[str, ...] = ()
    magic: bytes | None = None


_READERS: dict[str, Reader] = {}
_DOCUMENT = "json"  # what a JSON document no format claims is read as
_LINES = "jsonl"  # what a file of JSON objects no JSON-lines format claims is read as
JSON_ORDER = 50  # sniffers ranked below this look at a file before JSON is tried, the others after


def register(reader: Reader) -> Reader:
    if reader.name in _READERS or reader.name == "auto":
        raise ValueError(f"input format {reader.name!r} is registered twice")
    _READERS[reader.name] = reader
    add_routes(reader.streams)
    return reader


def formats() -> tuple[str, ...]:
    """`auto` and every registered format name, in registration order."""
    return ("auto", *_READERS)


def magics() -> tuple[bytes, ...]:
    """The first bytes of every binary format: a file that starts with one is not decoded as text."""
    return tuple(r.magic for r in _READERS.values() if r.magic)


def expected() -> str:
    """The formats, as an error message lists them."""
    return ", ".join(reader.title for reader in _READERS.values())


def reader(name: str) -> Reader:
    try:
        return _READERS[name]
    except KeyError:
        raise InputError(f"unknown transcript format {name!r} (expected one of: {', '.join(formats())})") from None


def _ordered(attribute: str) -> list[Reader]:
    return sorted((r for r in _READERS.values() if getattr(r, attribute) is not None), key=lambda r: r.order)


def claimant(value: Any) -> Reader | None:
    """The first format that claims a JSON value by its keys."""
    return next((r for r in _ordered("claims") if r.claims(value)), None)  # type: ignore[misc]


def classify(document: Any) -> Reader:
    """The format of a loaded JSON document: its claimant, else canonical JSON conversations."""
    return claimant(document) or _READERS[_DOCUMENT]


def detect(data: Input) -> Reader | None:
    """The format of an open file by its content (rule in the module docstring); None means "a
    JSON document": load it and `classify` it."""
    if data.binary:
        return next(r for r in _READERS.values() if r.magic and data.binary.startswith(r.magic))
    lines = tuple(line.strip() for line in data.head.splitlines() if line.strip())[:3]
    sample = Sample(lines, data.suffix)
    sniffers = _ordered("sniff")
    for found in sniffers:
        if found.order < JSON_ORDER and found.sniff(sample):  # type: ignore[misc]
            return found
    if sample.first[0] in "{[":
        return _json_lines(data, sample)
    for found in sniffers:
        if found.order > JSON_ORDER and found.sniff(sample):  # type: ignore[misc]
            return found
    by_suffix = next((r for r in _READERS.values() if data.suffix in r.suffixes), None)
    if by_suffix is not None:
        return by_suffix
    if data.options.replies:
        return _READERS["txt"]
    raise InputError(f"{data.name}:1: cannot tell the format from {sample.first[:40]!r}: expected {expected()} "
                     "(or name the format explicitly)")


def _json_lines(data: Input, sample: Sample) -> Reader | None:
    """Rule 2 of the module docstring: the JSON-lines format of the file, None for a document."""
    if sample.first[0] != "{":
        return None
    if data.head_is_file or "\n" in data.head.lstrip():  # the head holds the whole first line
        try:
            value = load_json(sample.first, data.name, limits=data.options.limits)
        except InputError:
            return None
    else:
        value, more = data.first_value()  # a first line longer than the head: walked, not loaded
        if not more:
            return None
    if not isinstance(value, dict) or (isinstance(value.get("conversations"), list)
                                       and not any(key in value for key in TURNS_KEYS)):
        return None
    found = claimant(value)
    return _READERS[_LINES] if found is None else found if found.json_lines else None


def first_item(document: Any) -> Any:
    """A document's sample for `claims`: a list's first item, else the document."""
    return document[0] if isinstance(document, list) and document else document


def keys_of(document: Any) -> set[str]:
    sample = first_item(document)
    return set(sample) if isinstance(sample, dict) else set()


def header_cells(line: str) -> list[str]:
    """The cells of a CSV (or tab-separated) header line."""
    return re.split(r"[,\t]", line)
