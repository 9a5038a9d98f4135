"""Canonical utterances, as JSONL lines, CSV rows or JSON list items, grouped into conversations.

An utterance has the canonical columns ``conv_id, seq, role, speaker, agent_id, agent_name, text,
begin_ms, end_ms`` (or ``begin``/``end`` in any time form), ``call_type``/``channel``, ``hold`` and
``meta``, under any of their names in `data/vocabulary.yaml` (``content`` for text, ``会话ID`` for
conv_id…); other fields are kept in the turn's meta.  An item holding ``turns``/``utterances``/
``messages`` is a whole conversation.

Streamed: a conversation is handed on when its conv_id changes, so memory holds one conversation
whatever the file size, and a conv_id that comes back after another conversation is an error.
Without conv_id the file is one conversation named after the file.  Turns are sorted by ``seq``
when every turn has one.  A numeric ``channel`` without a ``role`` is an audio track.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

from ..conversation import Channel, Turn
from ..errors import InputError
from ..vocabulary import vocabulary
from .source import Input, LineError
from .transcript import Transcript, model
from .values import REPLY_ROLES, TURN_ROLES, is_datetime, kind, number, obj, parse_time_ms, role, text_or_none, \
    track_role, written_zone

TURNS_KEYS = ("turns", "utterances", "messages")  # a whole conversation's list of turns
_COLUMNS = ("conv_id", "seq", "role", "speaker", "agent_id", "agent_name", "text", "begin_ms", "end_ms", "begin",
            "end", "call_type", "channel", "hold", "meta")


@dataclass(frozen=True, slots=True)
class Item:
    """A value read from the file (a JSON line, a CSV row as a dict, a list item) and where it stands."""

    where: str  # file:line, or file: JSON path
    line: int | None
    value: Any


def column(name: str) -> str:
    """A CSV header cell or JSON key as the canonical column it names (`会话ID` → `conv_id`, `Text` → `text`),
    or as itself (lower-cased) when it names none."""
    plain = name.strip(' "').lower().replace("（", "(").replace("）", ")")
    return vocabulary().columns.get(plain, plain)


@lru_cache(maxsize=256)
def _plan(keys: tuple[str, ...]) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """For the keys of an item: each canonical column's keys in the order they are preferred, and
    the keys that name no column (kept in meta).  Lines of one export share their keys: cached."""
    table = vocabulary()
    found: dict[str, list[tuple[int, str]]] = {}
    other = []
    for key in keys:
        canonical = column(key)
        if canonical in _COLUMNS:
            names = table.column_names(canonical)
            plain = key.strip(' "').lower().replace("（", "(").replace("）", ")")
            found.setdefault(canonical, []).append((names.index(plain) if plain in names else len(names), key))
        else:
            other.append(key)
    return {canonical: tuple(key for _, key in sorted(keys)) for canonical, keys in found.items()}, tuple(other)


class Fields:
    """An utterance item's columns, each found under whichever of its names has a value."""

    __slots__ = ("item", "keys", "other", "chosen")

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item
        self.keys, self.other = _plan(tuple(item))
        self.chosen = {}  # canonical column → the first of its keys with a value (CSV writes an absent one as "")
        for canonical, keys in self.keys.items():
            for key in keys:
                if item[key] is not None and item[key] != "":
                    self.chosen[canonical] = key
                    break

    def key(self, canonical: str, blank: bool = False) -> str | None:
        """The key holding the column's value; with `blank`, one that is there but empty when none has a value."""
        found = self.chosen.get(canonical)
        if found is None and blank and canonical in self.keys:
            return self.keys[canonical][0]
        return found

    def get(self, canonical: str) -> Any:
        found = self.chosen.get(canonical)
        return None if found is None else self.item[found]

    def time(self, canonical: str, where: str) -> tuple[Any, int | None]:
        """(the value as written, ms) of begin or end: the _ms column first, then any time form."""
        for name, ms in ((f"{canonical}_ms", True), (canonical, False)):
            key = self.key(name)
            if key is not None:
                return self.item[key], parse_time_ms(self.item[key], f"{where}: {key}", ms=ms)
        return None, None

    def meta(self, known: Iterable[str] = ()) -> dict[str, Any]:
        given = self.get("meta")
        meta = dict(given) if isinstance(given, dict) else {}
        meta.update((key, self.item[key]) for key in self.other if key not in known)
        return meta


def add_utterance(transcript: Transcript, fields: Fields, where: str, line: int | None) -> None:
    """One canonical utterance as a turn of `transcript`."""
    item = fields.item
    text_key = fields.key("text", blank=True)  # a blank or null text is read, then dropped
    if text_key is None:
        raise InputError(f'{where}: expected a "text" field')
    options = transcript.data.options
    reply = options.replies and transcript.id is None
    track = number(fields.get("channel"))
    if fields.get("role") is None and track is not None:
        said_by = track_role(track, options.agent_channel)
    else:
        said_by = role(fields.get("role"), where, REPLY_ROLES if reply else TURN_ROLES,
                       options.default_role if reply else None)
    begin, begin_ms = fields.time("begin", where)
    end, end_ms = fields.time("end", where)
    turn = model(Turn, where, role=said_by, text=item[text_key], seq=fields.get("seq"),
                 speaker=text_or_none(fields.get("speaker")), agent_id=text_or_none(fields.get("agent_id")),
                 agent_name=text_or_none(fields.get("agent_name")), begin_ms=begin_ms, end_ms=end_ms,
                 hold=fields.get("hold") or False, line=line, meta=fields.meta())
    transcript.add(turn, text_or_none(item.get("id")))
    transcript.absolute = transcript.absolute or is_datetime(begin) or is_datetime(end)
    transcript.zone = transcript.zone or written_zone(begin)
    transcript.channel = transcript.channel or kind(fields.get("call_type") or fields.get("channel"), where)


def grouped(items: Iterable[Item], data: Input, channel: Channel | None = None) -> Iterator[Transcript]:
    """Canonical utterances (and whole conversations) as transcripts, one held in memory at a time."""
    draft: Transcript | None = None
    done: set[str] = set()
    items = iter(items)
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except LineError as error:
            if draft is not None and error.conv_id not in (None, draft.name):
                yield draft  # complete: the unreadable line starts another conversation
            raise
        value = obj(item.value, item.where, 'an utterance with "role" and "text", or a conversation with "turns"')
        whole = next((key for key in TURNS_KEYS if value.get(key) not in (None, "")), None) \
            or next((key for key in TURNS_KEYS if key in value), None)
        fields = Fields(value)
        conv_id = text_or_none(fields.get("conv_id") or (value.get("id") if whole else None))
        if draft is not None and (whole or (conv_id or data.stem) != draft.name):
            done.add(draft.name)
            yield draft
            draft = None
        if whole:
            yield _whole(fields, whole, conv_id, item.where, data, channel)
            continue
        if draft is None:
            if (conv_id or data.stem) in done:
                at = f"line {item.line}" if item.line else "this item"
                raise InputError(f"{item.where}: conversation {conv_id or data.stem} continues at {at} after other "
                                 "conversations; group lines by conv_id")
            draft = Transcript(data, conv_id, channel)
        add_utterance(draft, fields, item.where, item.line)
    if draft is not None:
        yield draft


def _whole(fields: Fields, key: str, conv_id: str | None, where: str, data: Input,
           channel: Channel | None) -> Transcript:
    """One whole conversation object: {conv_id|id, turns|utterances|messages, agent_id?, channel?, …}."""
    item = fields.item
    transcript = Transcript(data, conv_id, kind(fields.get("call_type") or fields.get("channel"), where) or channel,
                            agent_id=text_or_none(fields.get("agent_id")),
                            agent_name=text_or_none(fields.get("agent_name")),
                            meta=fields.meta(known=(key, "id")))
    turns = item[key]
    if not isinstance(turns, list):
        raise InputError(f"{where} {key}: expected a list of turns, found {type(turns).__name__}")
    for index, turn in enumerate(turns):
        at = f"{where} {key}[{index}]"
        add_utterance(transcript, Fields(obj(turn, at, 'an utterance with "role" and "text"')), at, None)
    return transcript
