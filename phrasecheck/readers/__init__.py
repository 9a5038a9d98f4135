"""Every input format, read into conversations (`score`) or utterances (`scan`) by the same parsers.

    read_conversations(path, input_format="auto", agent_channel=None, channel=None) -> Iterator[Conversation]
    read_utterances(path, input_format="auto") -> Iterator[Record]

One module per format registers a `Reader` (name, parser, sniffer or claimer) in `registry`;
`FORMATS` lists the names.  The row layer shared by all of them: `source` (opening, decoding
UTF-8/BOM/GBK, numbered lines), `jsondoc` (JSON lines and documents, long lists streamed),
`limits` (how much one file may hold), `values` (times, role and channel words, shapes),
`grouping` (canonical utterances into conversations), `transcript` (what a parser produces, and
its `Conversation` and `Record`s).  Every unreadable input raises a one-line `InputError` naming
the file and the line (or the JSON path) and what was expected; what was handed on before it
stays valid.  So does any other failure while reading (a value no check foresaw, a bug): it
becomes an `InputError` naming the file, so that it costs that file only.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ..conversation import Channel, Conversation
from ..errors import InputError
# The formats register in this order, which is the order of FORMATS and of detection ties.
from . import canonical, text, subtitles, aliyun, tencent, iflytek, wecom, zendesk, intercom, freshdesk, parquet  # noqa: F401,I001
from .limits import Limits
from .registry import Reader, classify, detect, expected, formats, magics, reader, register
from .source import Input, Options, Position
from .transcript import Record, Transcript
from .values import parse_time_ms

FORMATS: tuple[str, ...] = formats()

__all__ = ["FORMATS", "Input", "Limits", "Options", "Position", "Reader", "Record", "Transcript", "conversation_files",
           "failure", "parse_time_ms", "read_conversations", "read_utterances", "register"]


def read_conversations(path: str | Path, input_format: str = "auto", agent_channel: int | None = None,
                       channel: Channel | None = None) -> Iterator[Conversation]:
    """Conversations of one transcript file (`-` is standard input), one at a time.

    Anything unreadable raises `InputError` naming the file and line; the conversations yielded
    before it are complete and stay valid (a conversation cut by the bad line is not yielded).
    """
    found = reader(input_format) if input_format != "auto" else None
    data = Input.open(path, Options(agent_channel, channel), expected(), "a transcript file", binary=magics())
    with _reading(data):
        for transcript in _transcripts(data, found):
            conversation = transcript.conversation()
            if conversation is not None:
                yield conversation


def read_utterances(path: str | Path, input_format: str = "auto") -> Iterator[Record]:
    """The utterances of one file for `scan`: those `read_conversations` reads, in the same order,
    and scan's own forms (replies without a conversation, TXT one reply a line).

    Anything unreadable raises `InputError` naming the file and line, after every utterance read
    before it, a conversation cut by the bad line included.
    """
    found = reader(input_format) if input_format != "auto" else None
    data = Input.open(path, Options(replies=True), expected(), "a file of utterances", remember=True, binary=magics())
    with _reading(data):
        try:
            for transcript in _transcripts(data, found):
                yield from transcript.records()
        except Exception:
            for transcript in list(data.unfinished.values()):
                yield from transcript.records()
            raise


@contextmanager
def _reading(data: Input) -> Iterator[None]:
    """Closes the file; a failure that is not an `InputError` becomes one (module docstring)."""
    try:
        yield
    except InputError:
        raise
    except Exception as error:
        raise InputError(failure(data.name, error, "reading", data.line)) from None
    finally:
        data.close()


def failure(source: str, error: Exception, doing: str, line: int | None = None) -> str:
    """One line for a failure no check foresaw: where, and what kind; never the exception's own
    text, which may quote the file."""
    where = f"{source}:{line}" if line else source
    if isinstance(error, RecursionError):
        return f"{where}: nested too deeply to read"
    if isinstance(error, MemoryError):
        return f"{where}: too large to hold in memory while {doing}"
    return f"{where}: unexpected {type(error).__name__} while {doing} (a bug in phrasecheck: please report it)"


def _transcripts(data: Input, found: Reader | None) -> Iterator[Transcript]:
    if found is None:
        found = detect(data) or classify(data.document())
    yield from found.parse(data)


def conversation_files(paths: Iterable[str]) -> Iterator[Path]:
    """Files to read: each file as given, each folder's files recursively (sorted, hidden ones
    skipped: names starting with `.`, and with `_` as Hadoop and Spark mark their bookkeeping
    files, `_SUCCESS`, `_committed_…`)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from (found for found in sorted(path.rglob("*")) if found.is_file()
                        and not any(part.startswith((".", "_")) for part in found.relative_to(path).parts))
        elif path.exists() or given == "-":
            yield path
        else:
            raise InputError(f"{given}: no such file or directory")
