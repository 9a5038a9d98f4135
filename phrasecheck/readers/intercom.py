"""Intercom conversations: the opening message and the conversation parts.

``{type: "conversation", id, source: {body, author, …}, conversation_parts: {conversation_parts:
[{part_type, body, created_at, author: {type, id, name, from_ai_agent, is_ai_answer}, redacted}]}}``
(``conversation_parts`` may also be the list itself), or a list of conversations.
- The ``source`` is the message that opened the conversation (the customer's, or an agent's
  outbound one): the first turn.
- ``note`` parts (and ``note_and_reopen``) are internal notes: dropped.  Other parts are kept when
  they carry a message (a comment, a reply sent while assigning or closing); parts without a body
  (assignment, open, close alone) and redacted ones leave nothing.
- Who wrote it: ``author.type`` (admin/team → agent, user/lead/contact → customer, bot → bot:
  `data/vocabulary.yaml`); a part ``from_ai_agent`` or ``is_ai_answer`` (Fin) is the bot's.
- ``body`` is HTML, read as plain text; ``created_at`` is Unix seconds, relative to the first.
"""

from __future__ import annotations

from typing import Any, Iterator

from .htmltext import html_to_text
from .registry import Reader, first_item, register
from .source import Input
from .transcript import Transcript
from .values import array, author_role, epoch_seconds_ms, obj, text_or_none

_NOTES = frozenset(("note", "note_and_reopen"))


def parse_intercom(data: Input) -> Iterator[Transcript]:
    doc = data.document()
    listed = isinstance(doc, list)
    for index, conversation in enumerate(doc if listed else [doc]):
        where = f"{data.name}: [{index}]" if listed else data.name
        yield _conversation(obj(conversation, where, "an Intercom conversation"), where, data)


def _conversation(conversation: dict[str, Any], where: str, data: Input) -> Transcript:
    transcript = Transcript(data, text_or_none(conversation.get("id")), "chat", absolute=True)
    source = conversation.get("source")
    if isinstance(source, dict) and source.get("body"):
        _part(transcript, {**source, "created_at": source.get("created_at", conversation.get("created_at"))},
              f"{where} source")
    parts = conversation.get("conversation_parts") or []
    if isinstance(parts, dict):
        parts = parts.get("conversation_parts") or []
    for index, part in enumerate(array(parts, f"{where} conversation_parts", "a list of conversation parts")):
        at = f"{where} conversation_parts[{index}]"
        part = obj(part, at, "a conversation part")
        if part.get("part_type") not in _NOTES and not part.get("redacted") and part.get("body"):
            _part(transcript, part, at)
    return transcript


def _part(transcript: Transcript, part: dict[str, Any], where: str) -> None:
    author = obj(part.get("author"), f"{where}: author", "{type, id, name}")
    ai = author.get("from_ai_agent") or author.get("is_ai_answer")
    said_by = "bot" if ai else author_role("intercom", author.get("type"), f"{where}: author")
    meta = {key: part[key] for key in ("id", "part_type") if part.get(key) is not None}
    transcript.add_message(where, role=said_by, text=html_to_text(str(part["body"])), author_id=author.get("id"),
                           author=author.get("name"), time_ms=epoch_seconds_ms(part.get("created_at"),
                                                                               f"{where}: created_at"),
                           meta=meta)


def _claims(doc: Any) -> bool:
    sample = first_item(doc)
    return isinstance(sample, dict) and ("conversation_parts" in sample or sample.get("type") == "conversation")


register(Reader("intercom", "Intercom conversations", parse_intercom, claims=_claims, order=41,
                streams=("", "conversation_parts", "conversation_parts.conversation_parts")))
