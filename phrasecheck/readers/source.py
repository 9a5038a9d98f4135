"""The bytes of one input file, decoded: what every format parser reads from.

`Input` opens a file (or standard input), decodes its head to detect the format and the encoding
(UTF-8, UTF-8 with BOM, GBK/GB 18030; NUL bytes mean binary data or UTF-16 and are refused), and
then hands the parser what it asks for: numbered `Line`s streamed one at a time (so a JSONL or
CSV file of any size stays out of memory), or the JSON document, walked with its long lists
streamed (`jsondoc`).  A line longer than `Limits.line_bytes` is refused without being read
whole; a character cut by the end of the file (a truncated file) costs only its line.  Every
error is one line naming the file and the line.
"""

from __future__ import annotations

import codecs
import io
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator

from ..conversation import Channel, TurnRole
from ..errors import InputError
from ..textfile import decode_text
from .jsondoc import read_document
from .limits import Limits

if TYPE_CHECKING:
    from .transcript import Transcript

HEAD_BYTES = 64 * 1024  # enough lines to detect the format and the encoding
CHUNK_BYTES = 2**20  # what a JSON document is decoded by
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
    limits: Limits = field(default_factory=Limits.from_environment)

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


def _decode_head(data: bytes, name: str) -> tuple[str, str]:
    """The head decoded, and the encoding the file is read with (rule of `decode_bytes`).  A
    character cut at the head's end (a file cut inside one, or a long first line) is left to the
    line it belongs to, so a truncated file loses only that line."""
    if b"\0" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return codecs.getincrementaldecoder(encoding)().decode(data, final=False), encoding
            except UnicodeDecodeError:
                pass
    decode_bytes(data, name)  # raises the error naming the line
    raise AssertionError("decode_bytes accepted bytes that neither encoding reads")


@dataclass
class Input:
    """One open input file and the reading options; parsers take what they need from it once."""

    path: Path
    name: str  # as errors show it: the path as given, or <stdin>
    stem: str  # a conversation without an id of its own is named after the file
    options: Options
    stream: IO[bytes]
    head: str = ""  # the first ~64 KiB (to a line end within as much again), decoded
    head_is_file: bool = False  # the head is the whole file
    encoding: str = "utf-8-sig"  # the head's, which the streamed lines are decoded with
    remember: bool = False  # keep the lines read, so utterances can be located in them (scan)
    binary: bytes = b""  # the first bytes of a binary file (Parquet), which is not decoded; empty for text
    _text: str | None = None
    _document: Any = None
    _lines: dict[int, Line] = field(default_factory=dict)  # streamed lines remembered
    _starts: list[int] = field(default_factory=list)  # offsets of the lines of the whole text
    _cursor: int = 0
    line: int = 0  # the last line read by `lines`, for errors no check foresaw
    unfinished: dict[int, "Transcript"] = field(default_factory=dict)  # transcripts being read, by id()

    @classmethod
    def open(cls, path: str | Path, options: Options, formats: str, what: str, remember: bool = False,
             binary: tuple[bytes, ...] = ()) -> "Input":
        """`formats` lists what can be read, `what` says what a file is for (errors name both);
        a file that starts with one of the `binary` magic numbers is handed on undecoded."""
        path = Path(path)
        stdin = str(path) == "-"
        name = "<stdin>" if stdin else str(path)
        stream = open_input(path, name, f"{what} ({formats})")
        data = stream.read(HEAD_BYTES) + stream.readline(HEAD_BYTES)
        if binary and data.startswith(binary):
            stream.seek(0)
            return cls(path, name, "stdin" if stdin else path.stem, options, stream, remember=remember, binary=data[:8])
        try:
            head, encoding = _decode_head(data, name)
        except InputError:
            stream.close()
            raise
        if not head.strip():
            stream.close()
            raise InputError(f"{name}: empty file, expected {formats}")
        whole = not stream.read(1)
        stream.seek(0)
        return cls(path, name, "stdin" if stdin else path.stem, options, stream, head, whole, encoding, remember)

    def close(self) -> None:
        self.stream.close()

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def lines(self) -> Iterator[Line]:
        """Each line, decoded one at a time with the head's encoding, so a file of any size streams."""
        offset, number, limit = 0, 0, self.options.limits.line_bytes
        while raw := self.stream.readline(limit + 2):
            number = self.line = number + 1
            if len(raw.rstrip(b"\r\n")) > limit:
                raise LineError(f"{self.name}:{number}: line longer than the limit of {limit:,} bytes "
                                "(PHRASECHECK_MAX_LINE_BYTES)", seen_conv_id(raw[:HEAD_BYTES].decode(self.encoding, "replace")))
            if b"\0" in raw:
                decode_bytes(raw, self.name, number)  # names the line
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError as error:
                raise LineError(self._undecodable(number, cut=error.end == len(raw) and not raw.endswith(b"\n")),
                                seen_conv_id(raw.decode(self.encoding, "replace"))) from None
            line = Line(number, text.rstrip("\r\n"), offset)
            offset += len(text)
            if self.remember:
                self._lines[number] = line
            yield line

    def text_lines(self) -> Iterator[tuple[int, str]]:
        """The lines as `str.splitlines` cuts the whole text (at \\r and \\u2028 too), numbered from 1, streamed."""
        number = 0
        for line in self.lines():
            for part in line.text.splitlines() or [""]:
                number += 1
                yield number, part

    def chunks(self) -> Iterator[str]:
        """The file decoded from its start, a chunk at a time, on a handle of its own (a JSON
        document's streamed lists are read again while it is open)."""
        decoder = codecs.getincrementaldecoder(self.encoding)()
        line = 1
        with self._reopen() as stream:
            while True:
                raw = stream.read(CHUNK_BYTES)
                if b"\0" in raw:
                    decode_bytes(raw, self.name, line)  # names the line
                try:
                    text = decoder.decode(raw, final=not raw)
                except UnicodeDecodeError as error:
                    at = line + raw[:max(error.start, 0)].count(b"\n")
                    raise InputError(self._undecodable(at, cut=not raw)) from None
                if not raw:
                    return
                line += text.count("\n")
                yield text

    def _reopen(self) -> IO[bytes]:
        if isinstance(self.stream, io.BytesIO):  # standard input, read whole
            return io.BytesIO(self.stream.getvalue())
        return self.path.open("rb")

    def _undecodable(self, line: int, cut: bool) -> str:
        label = "GBK" if self.encoding == "gb18030" else "UTF-8"
        if cut:
            return f"{self.name}:{line}: the file ends inside a {label} character: truncated?"
        return (f"{self.name}:{line}: cannot decode the line as {label} like the start of the file: "
                "expected UTF-8, UTF-8 with BOM or GBK throughout")

    def text(self) -> str:
        """The whole file, decoded."""
        if self._text is None:
            self._text = "".join(self.chunks())
            if self.remember:
                self._starts = [0, *(match.end() for match in re.finditer("\n", self._text))]
        return self._text

    def document(self) -> Any:
        """The whole file as one JSON value, its long lists streamed (`jsondoc`); `scan` reads it
        from the text it keeps to locate utterances."""
        if self._document is None:
            self._document = self._walk(whole=True)
        return self._document

    def first_value(self) -> tuple[Any, bool]:
        """The first JSON value of the file, and whether another follows (JSON lines)."""
        value, more = self._walk(whole=False)
        if not more:
            self._document = value
        return value, more

    def _walk(self, whole: bool) -> Any:
        chunks = (lambda: iter((self.text(),))) if self.remember else self.chunks
        return read_document(chunks, self.name, self.options.limits, keep=self.remember, whole=whole)

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
