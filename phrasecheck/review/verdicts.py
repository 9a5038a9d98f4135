"""Verdict files: what reviewers decided about each hit, and how agents' appeals were resolved.

One shape, two encodings: a CSV with a header row (UTF-8, UTF-8 with BOM or GBK, as Excel saves
it) or JSON lines with the same keys.  Every row is a review verdict or an appeal:

    kind            review (default) | appeal
    conversation    the conversation id, as conversations.jsonl has it            (required)
    turn            the turn index, as conversations.jsonl has it (from 0; report.html's #1 is 0);
                    empty for a finding about the whole conversation
    rule            the rule id of the hit (for `missed`: the rule that should have fired)   (required)
    start, end      the hit's span in the turn text: character offsets, end excluded (both or neither)
    matched         the text of the span as the reviewer saw it: a changed transcript is detected
    verdict         confirmed | false | partly | missed                         (review rows)
    corrected_rule  with `partly`: the rule the hit should be charged as
    standard_line   what the agent should have said
    reviewer        who reviewed (review rows) or who resolved the appeal (appeal rows)
    time            ISO 8601 date or date-time of the verdict or the resolution
    note            free text
    appellant       who appealed                                                (appeal rows)
    reason          why
    resolution      accepted | rejected | partly; empty while the appeal is open
    final           yes | no: a final resolution ends the appeals of that hit

A bad row is one error line naming the file and the line; the other rows are still read.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError
from ..readers.jsondoc import load_json
from ..textfile import decode_text

COLUMNS = ("kind", "conversation", "turn", "rule", "start", "end", "matched", "verdict", "corrected_rule",
           "standard_line", "reviewer", "time", "note", "appellant", "reason", "resolution", "final")
VERDICTS = ("confirmed", "false", "partly", "missed")
RESOLUTIONS = ("accepted", "rejected", "partly")
_VERDICT_WORDS = {"✓": "confirmed", "✗": "false", "◐": "partly", "确认": "confirmed", "误报": "false", "部分": "partly",
                  "漏检": "missed"}
_RESOLUTION_WORDS = {"接受": "accepted", "驳回": "rejected", "部分": "partly"}
_YES = {"yes", "true", "1", "y", "是"}
_NO = {"no", "false", "0", "n", "否", ""}


@dataclass(frozen=True)
class Verdict:
    """One row of a verdicts file, checked; `where` is file:line, `order` its place among all files."""

    where: str
    order: tuple[int, int]
    kind: str
    conversation: str
    turn: int | None
    rule: str
    start: int | None = None
    end: int | None = None
    matched: str | None = None
    verdict: str | None = None
    corrected_rule: str | None = None
    standard_line: str | None = None
    reviewer: str | None = None
    time: datetime | None = None
    note: str | None = None
    appellant: str | None = None
    reason: str | None = None
    resolution: str | None = None
    final: bool = False
    raw: dict[str, str] = field(default_factory=dict, compare=False)  # the row as written, for the review's copy

    @property
    def span(self) -> tuple[int | None, int | None]:
        return self.start, self.end

    def sort_time(self) -> datetime | None:
        """The time as an aware moment (naive ones taken as UTC), for ordering."""
        if self.time is None:
            return None
        return self.time if self.time.tzinfo is not None else self.time.replace(tzinfo=timezone.utc)

    def who(self) -> str:
        if self.kind == "appeal":
            return f"appeal by {self.appellant or 'unnamed'}" + (f", resolved by {self.reviewer}" if self.reviewer else "")
        return f"{self.reviewer or 'unnamed reviewer'}"

    def same_decision(self, other: "Verdict") -> bool:
        """Two rows that say the same thing (an exported file that repeats an earlier one)."""
        fields = ("kind", "conversation", "turn", "rule", "start", "end", "verdict", "corrected_rule", "standard_line",
                  "reviewer", "time", "note", "appellant", "reason", "resolution", "final")
        return all(getattr(self, f) == getattr(other, f) for f in fields)


def read_verdicts(path: Path, index: int) -> tuple[list[Verdict], list[str]]:
    """The good rows of a verdicts file and one error line per bad row (or for the whole file)."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [f"{name}: cannot read the verdicts file ({error.strerror})"]
    try:
        text = decode_text(data, name, error=InputError)
    except InputError as error:
        return [], [str(error)]
    if not text.strip():
        return [], [f"{name}: empty file, expected a verdicts CSV or JSONL"]
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or (
        path.suffix.lower() not in (".csv", ".tsv") and text.lstrip().startswith("{"))
    rows = _json_rows(text, name) if jsonl else _csv_rows(text, name)
    verdicts, errors = [], []
    try:
        for line, row in rows:
            if isinstance(row, str):
                errors.append(row)
                continue
            try:
                verdicts.append(_verdict(row, f"{name}:{line}", (index, line)))
            except InputError as error:
                errors.append(str(error))
    except InputError as error:  # the file as a whole (its header)
        errors.append(str(error))
    return verdicts, errors


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter="\t" if "\t" in first and "," not in first else ",")
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except csv.Error as error:
        raise InputError(f"{name}:1: malformed CSV ({error})") from None
    _check_columns(header, f"{name}:1", "column")
    end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, f"{name}:{reader.line_num}: malformed CSV ({error})"
            end = reader.line_num
            continue
        start, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield start, f"{name}:{start}: expected {len(header)} fields like the header, found {len(row)}"
            continue
        yield start, dict(zip(header, row))


def _json_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = load_json(line, name, number)
        except InputError as error:
            yield number, str(error)
            continue
        if not isinstance(value, dict):
            yield number, f"{name}:{number}: expected a JSON object with the verdict columns, found {type(value).__name__}"
            continue
        unknown = [key for key in value if key not in COLUMNS]
        if unknown:
            yield number, f"{name}:{number}: unknown key {unknown[0]!r} (expected: {', '.join(COLUMNS)})"
            continue
        yield number, {key: "" if item is None else item for key, item in value.items()}


def _check_columns(header: list[str], where: str, what: str) -> None:
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InputError(f"{where}: unknown {what} {unknown[0]!r} (expected: {', '.join(COLUMNS)})")
    missing = [c for c in ("conversation", "rule") if c not in header]
    if not missing and "verdict" not in header and "resolution" not in header:
        missing = ["verdict (or resolution, for appeals)"]
    if missing:
        raise InputError(f"{where}: missing {what} {missing[0]} (found: {', '.join(header) or 'nothing'})")


def _text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    value = str(value).strip() if not isinstance(value, str) else value.strip()
    return value or None


def _number(row: dict[str, Any], key: str, where: str) -> int | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise InputError(f"{where}: {key}: expected a whole number from 0, found {value!r}")
    if number < 0:
        raise InputError(f"{where}: {key}: expected a whole number from 0, found {value!r}")
    return number


def _choice(row: dict[str, Any], key: str, where: str, allowed: tuple[str, ...], words: dict[str, str]) -> str | None:
    value = _text(row, key)
    if value is None:
        return None
    found = words.get(value, value.lower())
    if found not in allowed:
        raise InputError(f"{where}: {key}: expected {' | '.join(allowed)}, found {value!r}")
    return found


def _verdict(row: dict[str, Any], where: str, order: tuple[int, int]) -> Verdict:
    """One row, checked field by field (rule in the module docstring)."""
    if isinstance(row.get("final"), bool):
        row = {**row, "final": "yes" if row["final"] else "no"}
    verdict = _choice(row, "verdict", where, VERDICTS, _VERDICT_WORDS)
    resolution = _choice(row, "resolution", where, RESOLUTIONS, _RESOLUTION_WORDS)
    kind = (_text(row, "kind") or "").lower() or ("review" if verdict else "appeal")
    if kind not in ("review", "appeal"):
        raise InputError(f"{where}: kind: expected review | appeal, found {row.get('kind')!r}")
    conversation, rule = _text(row, "conversation"), _text(row, "rule")
    if conversation is None:
        raise InputError(f"{where}: conversation: missing (the conversation id of conversations.jsonl)")
    if rule is None:
        raise InputError(f"{where}: rule: missing (the rule id of the hit)")
    start, end = _number(row, "start", where), _number(row, "end", where)
    if (start is None) != (end is None) or (start is not None and end is not None and start >= end):
        raise InputError(f"{where}: start, end: expected both (start < end) or neither, found {row.get('start')!r}, {row.get('end')!r}")
    matched = row.get("matched") if row.get("matched") not in (None, "") else None
    if matched is not None and start is not None and len(str(matched)) != end - start:
        raise InputError(f"{where}: matched: {len(str(matched))} characters, but the span {start}–{end} has {end - start}")
    corrected = _text(row, "corrected_rule")
    if kind == "review":
        if verdict is None:
            raise InputError(f"{where}: verdict: expected {' | '.join(VERDICTS)} on a review row")
        if corrected is not None and verdict != "partly":
            raise InputError(f"{where}: corrected_rule: only a partly verdict names another rule (a missed "
                             f"violation of another rule is its own row with verdict missed)")
    elif verdict is not None:
        raise InputError(f"{where}: verdict: an appeal row has a resolution, not a verdict")
    elif _text(row, "appellant") is None:
        raise InputError(f"{where}: appellant: missing (who appealed)")
    elif corrected is not None and resolution != "partly":
        raise InputError(f"{where}: corrected_rule: only a partly resolution names another rule")
    final = str(row.get("final") or "").strip().lower()
    if final not in _YES | _NO:
        raise InputError(f"{where}: final: expected yes or no, found {row.get('final')!r}")
    time = _text(row, "time")
    try:
        moment = datetime.fromisoformat(time.replace("/", "-")) if time else None
    except ValueError:
        raise InputError(f"{where}: time: expected an ISO 8601 date or date-time, found {time!r}") from None
    return Verdict(where, order, kind, conversation, _number(row, "turn", where), rule, start, end,
                   None if matched is None else str(matched), verdict, corrected, _text(row, "standard_line"),
                   _text(row, "reviewer"), moment, _text(row, "note"), _text(row, "appellant"), _text(row, "reason"),
                   resolution, final in _YES, {**{c: "" if row.get(c) is None else str(row.get(c)) for c in COLUMNS},
                                               "kind": kind})


def in_order(verdicts: list[Verdict]) -> list[Verdict]:
    """By time when every row gives one, else as listed (files in the order given, rows in file order)."""
    if all(v.time is not None for v in verdicts):
        return sorted(verdicts, key=lambda v: (v.sort_time(), v.order))
    return sorted(verdicts, key=lambda v: v.order)


def write_rows(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str]) -> None:
    """A CSV (UTF-8 with a BOM, for Excel) or, for a .jsonl path, JSON lines."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with open(path, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n")
        return
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
