"""The canonical formats: JSONL and CSV (one utterance a line) and JSON (whole conversations).

- ``jsonl``: one utterance a line (see `grouping` for the columns); a line may also hold a whole
  conversation.  Lines without conv_id are one conversation named after the file, or, for
  `scan`, replies ``{"id", "role", "text"}`` whose other fields are kept under meta.
- ``csv``: the same columns in a header (Chinese export names too), comma- or tab-separated; a
  header needs text and role (or a numeric channel); for `scan`, text is enough.
- ``json``: whole conversations ``{conv_id|id, turns|utterances|messages: [...]}``, a list of
  them, ``{conversations: [...]}``, or a list of utterances.
"""

from __future__ import annotations

import csv
import itertools
from typing import Iterator

from ..errors import InputError
from .grouping import TURNS_KEYS, Item, column, grouped
from .registry import Reader, Sample, header_cells, register
from .jsondoc import load_json
from .source import Input, LineError, seen_conv_id
from .transcript import Transcript


def json_items(data: Input) -> Iterator[Item]:
    """The JSON values of a file: one a line (streamed) when it starts with an object, else the
    items of the document (a list's items, or the document itself)."""
    if data.head.lstrip().startswith("{"):
        for line in data.lines():
            if line.text.strip():
                try:
                    value = load_json(line.text, data.name, line.number, data.options.limits)
                except InputError as error:
                    raise LineError(str(error), seen_conv_id(line.text)) from None
                yield Item(f"{data.name}:{line.number}", line.number, value)
        return
    document = data.document()
    if isinstance(document, list):
        yield from (Item(f"{data.name}: [{index}]", None, value) for index, value in enumerate(document))
    else:
        yield Item(data.name, None, document)


def parse_jsonl(data: Input) -> Iterator[Transcript]:
    """JSON lines; a file that is one JSON document is read as `json`."""
    yield from grouped(json_items(data), data) if data.head.lstrip().startswith("{") else parse_json(data)


def parse_json(data: Input) -> Iterator[Transcript]:
    document = data.document()
    if isinstance(document, dict) and not any(key in document for key in TURNS_KEYS) \
            and isinstance(document.get("conversations"), list):
        document = document["conversations"]
    if isinstance(document, list):
        yield from grouped((Item(f"{data.name}: [{index}]", None, value) for index, value in enumerate(document)), data)
    else:
        yield from grouped([Item(data.name, None, document)], data)


def parse_csv(data: Input) -> Iterator[Transcript]:
    """CSV (or tab-separated) with a header naming at least text and role (or a numeric channel)."""
    texts = (line.text + "\n" for line in data.lines())
    first = next(texts, "")
    reader = csv.reader(itertools.chain([first], texts), delimiter="\t" if "\t" in first and "," not in first else ",")

    def next_row() -> list[str] | None:
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise InputError(f"{data.name}:{reader.line_num}: malformed CSV ({error})") from None

    header = [column(cell) for cell in next_row() or []]
    found = ", ".join(header) or "nothing"
    missing = missing_columns(header, data.options.replies)
    if missing and data.options.replies:
        raise InputError(f'{data.name}:1: expected a CSV header with a "text" column (found: {found})')
    if missing:
        raise InputError(f"{data.name}:1: expected a CSV header with role and text columns (missing: "
                         f"{', '.join(missing)}; found: {found})")

    def items() -> Iterator[Item]:
        end = reader.line_num
        while (row := next_row()) is not None:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in row):
                cells = dict(zip(header, row))
                if len(row) != len(header):
                    raise LineError(f"{data.name}:{start}: expected {len(header)} fields like the header, found "
                                    f"{len(row)}", cells.get("conv_id") or None)
                yield Item(f"{data.name}:{start}", start, cells)

    yield from grouped(items(), data)


def missing_columns(columns: list[str], replies: bool) -> list[str]:
    """What a table's canonical columns lack: text, and for `score` role (or a numeric channel)."""
    needs = (("text", {"text"}),) if replies else (("role", {"role", "channel"}), ("text", {"text"}))
    return [need for need, names in needs if not names & set(columns)]


def _csv_header(sample: Sample) -> bool:
    return "text" in {column(cell) for cell in header_cells(sample.first)}


register(Reader("jsonl", "JSONL", parse_jsonl, json_lines=True, suffixes=(".jsonl", ".ndjson")))
register(Reader("csv", "CSV", parse_csv, sniff=_csv_header, suffixes=(".csv", ".tsv"), order=60))
register(Reader("json", "JSON", parse_json, suffixes=(".json",), streams=("", "conversations", *TURNS_KEYS)))
