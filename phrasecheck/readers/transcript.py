"""What every parser produces, and what `score` and `scan` make of it.

A parser reads a file into `Transcript`s: a conversation as the file gives it, a list of `Row`s
(a `Turn` and the utterance's own id), not yet finished.  `Transcript.conversation()` finishes it
into the `Conversation` that `score` scores; `Transcript.records()` into the `Record`s `scan`
checks one by one: the same turns, in the same order, so both commands read the same utterances.

Finishing: turns with blank text are dropped (an empty ASR sentence would hide the real first
agent turn), the rest sorted by `sort_by` when every turn has it, and date-times made relative to
the conversation's earliest turn, which becomes its `started_at`.  A conversation left with no turn
is not handed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Iterator, TypeVar

from pydantic import BaseModel, ValidationError

from ..conversation import Channel, Conversation, Turn
from ..errors import InputError
from .source import Input, Position
from .values import parse_time_ms, text_or_none, track_role

M = TypeVar("M", bound=BaseModel)


def model(cls: type[M], where: str, **fields: Any) -> M:
    """`cls(**fields)`, a validation error becoming a one-line InputError."""
    try:
        return cls(**fields)
    except ValidationError as error:
        problem = error.errors()[0]
        location = ".".join(map(str, problem["loc"]))
        raise InputError(f"{where}: {location}: {problem['msg']} (found {problem.get('input')!r:.60})") from None


def _moment(epoch_ms: int, zone: tzinfo | None) -> datetime:
    """Epoch milliseconds as the file's own clock: in the zone its date-times are written with, or
    naive when they carry none (naive date-times are read as UTC, so this gives them back as written)."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=zone or timezone.utc)
    return moment if zone is not None else moment.replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Row:
    """One utterance as read: the turn, and the id the file gives the utterance itself (a reply
    library's `id`), if any."""

    turn: Turn
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One utterance for `scan`: the text to check, its role, an id (the utterance's own, else
    ``conv_id:seq``, else ``file:line``), where it came from, and its other fields under `meta`."""

    source: str
    line: int | None
    id: str
    role: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    conversation: str | None = None
    position: Position | None = None  # line and columns in the file, for SARIF regions


@dataclass(eq=False)
class Transcript:
    """A conversation being read from `data`; registered there until it is handed on, so that
    what was read of it is not lost when a later line cannot be read (scan keeps it)."""

    data: Input
    id: str | None  # as the file gives it; None: the conversation is named after the file
    channel: Channel | None = None  # what the format says (the reader's option wins)
    rows: list[Row] = field(default_factory=list)
    absolute: bool = False  # its times are date-times or epoch times
    zone: tzinfo | None = None  # the UTC offset its date-times are written with (None: naive or epoch times)
    sort_by: str = "seq"
    agent_id: str | None = None
    agent_name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None  # set on finishing when its times are absolute
    _finished: bool = False

    def __post_init__(self) -> None:
        self.data.unfinished[id(self)] = self

    @property
    def name(self) -> str:
        return self.id if self.id is not None else self.data.stem

    def add(self, turn: Turn, id: str | None = None) -> None:
        """One more turn; past `Limits.turns` an error (a reply library that `scan` reads is no
        conversation, and has no such limit)."""
        options = self.data.options
        if len(self.rows) >= options.limits.turns and not (options.replies and self.id is None):
            at = f":{turn.line}" if turn.line else ""
            raise InputError(f"{self.data.name}{at}: conversation {self.name!r} has more than {options.limits.turns:,} "
                             "turns (PHRASECHECK_MAX_TURNS)")
        self.rows.append(Row(turn, id))

    def add_sentence(self, where: str, *, text: Any, begin: Any, end: Any, track: int, speaker: Any,
                     meta: dict[str, Any], first_track: int = 0) -> None:
        """An ASR sentence: times in ms; the track equal to the agent channel (by default the
        format's `first_track`) is the agent."""
        self.add(model(Turn, where, role=track_role(track, self.data.options.agent_channel, first_track), text=text,
                       speaker=text_or_none(speaker), meta=meta,
                       begin_ms=parse_time_ms(begin, f"{where}: begin", ms=True),
                       end_ms=parse_time_ms(end, f"{where}: end", ms=True)))

    def finish(self) -> list[Row]:
        """The rows to hand on (rule in the module docstring); the transcript is no longer open."""
        self.data.unfinished.pop(id(self), None)
        if not self._finished:
            self._finished = True
            self.rows = [row for row in self.rows if row.turn.text.strip()]
            if self.rows and all(getattr(row.turn, self.sort_by) is not None for row in self.rows):
                self.rows.sort(key=lambda row: getattr(row.turn, self.sort_by))
            if self.absolute:
                turns = [row.turn for row in self.rows]
                times = [t for turn in turns for t in (turn.begin_ms, turn.end_ms) if t is not None]
                origin = min(times, default=0)
                self.started_at = _moment(origin, self.zone) if times else None
                for turn in turns:
                    turn.begin_ms = None if turn.begin_ms is None else turn.begin_ms - origin
                    turn.end_ms = None if turn.end_ms is None else turn.end_ms - origin
        return self.rows

    def add_message(self, where: str, *, role: str, text: Any, author_id: Any, author: Any, time_ms: int | None,
                    meta: dict[str, Any]) -> None:
        """A chat export's message: the author is the speaker, and an agent's id and name are the turn's."""
        agent = role == "agent"
        self.add(model(Turn, where, role=role, text=text, speaker=text_or_none(author) or text_or_none(author_id),
                       agent_id=text_or_none(author_id) if agent else None, agent_name=text_or_none(author) if agent else None,
                       begin_ms=time_ms, meta=meta))

    def conversation(self) -> Conversation | None:
        rows = self.finish()
        if not rows:
            return None
        return model(Conversation, f"{self.data.name}: conversation {self.name!r}", id=self.name,
                     turns=[row.turn for row in rows], channel=self.data.options.channel or self.channel,
                     source=self.data.name, agent_id=self.agent_id, agent_name=self.agent_name,
                     started_at=self.started_at, meta=self.meta)

    def records(self) -> Iterator[Record]:
        rows = self.finish()
        located: set[int] = set()
        for index, row in enumerate(rows):
            turn = row.turn
            position = self.data.locate(turn.text, turn.line)
            if position is not None:
                located.add(position.line)
            yield Record(self.data.name, position.line if position else turn.line, self._record_id(row, index),
                         turn.role, turn.text, self._record_meta(turn), self.name, position)
        self.data.forget(located)

    def _record_id(self, row: Row, index: int) -> str:
        if row.id is not None:
            return row.id
        if self.id is not None:
            return f"{self.id}:{row.turn.seq if row.turn.seq is not None else index + 1}"
        if row.turn.line is not None:
            return f"{Path(self.data.name).name}:{row.turn.line}"
        return f"{self.data.stem}:{index + 1}"

    def _record_meta(self, turn: Turn) -> dict[str, Any]:
        """What the file says of the utterance besides its id, role and text."""
        known = {"conv_id": self.id, "seq": turn.seq, "speaker": turn.speaker, "agent_id": turn.agent_id,
                 "agent_name": turn.agent_name, "begin_ms": turn.begin_ms, "end_ms": turn.end_ms,
                 "hold": turn.hold or None}
        meta = {key: value for key, value in known.items() if value is not None}
        meta.update((key, value) for key, value in turn.meta.items() if key != "id")
        return meta
