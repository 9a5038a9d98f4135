"""The bytes of one input file, decoded: what every format parser reads from.

`Input` opens a file (or standard input), decodes its head to detect the format and the encoding
(UTF-8, UTF-8 with BOM, GBK/GB 18030; NUL bytes mean binary data or UTF-16 and are refused), and
then hands the parser what it asks for: numbered `Line`s streamed one at a time (so a JSONL or
CSV file of any size stays out of memory), the whole text, or the whole JSON document.  Every
error is one line naming the file and the line.
"""

from __future__ import annotations

import io
import json
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator

from ..conversation import Channel, TurnRole
from ..errors import InputError
from ..textfile import decode_text

if TYPE_CHECKING:
    from .transcript import Transcript

HEAD_BYTES = 64 * 1024  # enough lines to detect the format and the encoding
_CONV_ID_TEXT = re.compile(r'"(?:conv_id|conversation_id|session_id)"\s*:\s*"?([^",}\s]+)')


@dataclass(frozen=True)
class Options:
    """How to read: what `score` and `scan` ask of the same parsers.

    `replies` is scan's reading: a line that names no conversation is a reply (of a canned-reply
    library or an export) whose role may be left out (the agent's) and is agent or customer;
    lines without a 坐席:/客户: prefix are replies one a line; a file no format claims is such
    a TXT; and what was read of a conversation before a bad line is kept.
    """

    agent_channel: int | None = None  # the agent's track as the file numbers it; None: the format's first
    channel: Channel | None = None  # call or chat for every conversation, whatever the file says
    replies: bool = False

    @property
    def default_role(self) -> TurnRole | None:
        return "agent" if self.replies else None


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file: its number (from 1), its text without the line end, and the offset of
    its first character in the decoded file."""

    number: int
    text: str
    offset: int


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of an utterance's text in its file: 1-based columns (the end one past the last
    character, as SARIF counts) and the character offset and length from the start of the file."""

    start_column: int
    end_column: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Position:
    """Where an utterance's text stands in its file: the line, and when the text stands there as
    it is (not escaped, not joined from several lines) the 1-based column and the character
    offset from the start of the file of its first character."""

    line: int
    column: int | None = None
    offset: int | None = None

    def span(self, start: int, end: int) -> Span | None:
        """Where text[start:end] stands; None when the column is unknown."""
        if self.column is None or self.offset is None:
            return None
        return Span(self.column + start, self.column + end, self.offset + start, end - start)


class LineError(InputError):
    """An unreadable line, with the conversation it names when that can still be seen: a different
    one means the conversation before the line is complete and can be yielded before the error."""

    def __init__(self, message: str, conv_id: str | None) -> None:
        super().__init__(message)
        self.conv_id = conv_id


def seen_conv_id(text: str) -> str | None:
    """The conv_id an unreadable JSON line still shows."""
    seen = _CONV_ID_TEXT.search(text)
    return seen[1] if seen else None


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


def decode_bytes(data: bytes, name: str, first_line: int = 1) -> str:
    """UTF-8 (a BOM is dropped), else GB 18030 (which reads GBK); NUL bytes are refused first."""
    return decode_text(data, name, first_line, InputError)


def load_json(text: str, name: str, first_line: int = 1) -> Any:
    """A JSON value; a syntax error names the line, and an end that comes too soon is called truncation."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # JSON strings hold no raw line ends, so a string left open ran into the end of the text
        truncated = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        reason = ("it ends inside a JSON value: truncated?" if truncated
                  else f"{error.msg.removesuffix(' at')} at column {error.colno}")
        raise InputError(f"{name}:{first_line + error.lineno - 1}: invalid JSON ({reason})") from None


def embedded_json(value: Any, where: str) -> Any:
    """A field holding JSON as a string (iFlytek orderResult, json_1best; sometimes Alibaba Result)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: invalid embedded JSON ({error.msg} at character {error.pos})") from None


@dataclass
class Input:
    """One open input file and the reading options; parsers take what they need from it once."""

    path: Path
    name: str  # as errors show it: the path as given, or <stdin>
    stem: str  # a conversation without an id of its own is named after the file
    options: Options
    stream: IO[bytes]
    head: str = ""  # the first ~64 KiB (whole lines), decoded
    encoding: str = "utf-8-sig"  # the head's, which the streamed lines are decoded with
    remember: bool = False  # keep the lines read, so utterances can be located in them (scan)
    _text: str | None = None
    _document: Any = None
    _lines: dict[int, Line] = field(default_factory=dict)  # streamed lines remembered
    _starts: list[int] = field(default_factory=list)  # offsets of the lines of the whole text
    _cursor: int = 0
    unfinished: dict[int, "Transcript"] = field(default_factory=dict)  # transcripts being read, by id()

    @classmethod
    def open(cls, path: str | Path, options: Options, formats: str, what: str, remember: bool = False) -> "Input":
        """`formats` lists what can be read, `what` says what a file is for (errors name both)."""
        path = Path(path)
        stdin = str(path) == "-"
        name = "<stdin>" if stdin else str(path)
        stream = open_input(path, name, f"{what} ({formats})")
        data = stream.read(HEAD_BYTES) + stream.readline()
        try:
            head = decode_bytes(data, name)
        except InputError:
            stream.close()
            raise
        if not head.strip():
            stream.close()
            raise InputError(f"{name}: empty file, expected {formats}")
        try:
            data.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError:
            encoding = "gb18030"
        stream.seek(0)
        return cls(path, name, "stdin" if stdin else path.stem, options, stream, head, encoding, remember)

    def close(self) -> None:
        self.stream.close()

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def lines(self) -> Iterator[Line]:
        """Each line, decoded one at a time with the head's encoding, so a file of any size streams."""
        offset = 0
        for number, raw in enumerate(self.stream, 1):
            if b"\0" in raw:
                decode_bytes(raw, self.name, number)  # names the line
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError:
                label = "GBK" if self.encoding == "gb18030" else "UTF-8"
                raise LineError(f"{self.name}:{number}: cannot decode the line as {label} like the start of the file: "
                                "expected UTF-8, UTF-8 with BOM or GBK throughout",
                                seen_conv_id(raw.decode(self.encoding, "replace"))) from None
            line = Line(number, text.rstrip("\r\n"), offset)
            offset += len(text)
            if self.remember:
                self._lines[number] = line
            yield line

    def text(self) -> str:
        """The whole file, decoded."""
        if self._text is None:
            self.stream.seek(0)
            self._text = decode_bytes(self.stream.read(), self.name)
            if self.remember:
                self._starts = [0, *(match.end() for match in re.finditer("\n", self._text))]
        return self._text

    def document(self) -> Any:
        """The whole file as one JSON value."""
        if self._document is None:
            self._document = load_json(self.text(), self.name)
        return self._document

    def locate(self, text: str, line: int | None, near: int = 4) -> Position | None:
        """Where `text` stands (remembered files only): searched in `line` and the few lines after
        it (a cue's text is a line or two below its number); without a line, in the whole text
        from where the last utterance was found on (a JSON document's items)."""
        if not text or not self.remember:
            return None
        if line is not None:
            for number in range(line, line + near):
                found = self._line(number)
                if found is not None and (column := found.text.find(text)) >= 0:
                    return Position(number, column + 1, found.offset + column)
            return Position(line)
        if self._text is None:
            return None
        at = self._text.find(text, self._cursor)
        at = self._text.find(text) if at < 0 else at
        if at < 0:
            return None
        self._cursor = at + len(text)
        number = bisect_right(self._starts, at)
        return Position(number, at - self._starts[number - 1] + 1, at)

    def _line(self, number: int) -> Line | None:
        if number in self._lines:
            return self._lines[number]
        if self._text is None or number > len(self._starts):
            return None
        start = self._starts[number - 1]
        end = self._starts[number] if number < len(self._starts) else len(self._text)
        return Line(number, self._text[start:end].rstrip("\r\n"), start)

    def forget(self, lines: set[int]) -> None:
        """Drop remembered streamed lines once the utterances on them are handed on."""
        for number in lines:
            self._lines.pop(number, None)
