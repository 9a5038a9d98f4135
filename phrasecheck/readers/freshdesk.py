"""Freshdesk ticket conversations.

``GET /api/v2/tickets/{id}/conversations``: ``[{id, body, body_text, incoming, private, user_id,
ticket_id, created_at, …}]``, or a ticket with its conversations (``GET /api/v2/tickets/{id}?include=
conversations``: ``{id, description, description_text, requester_id, created_at, conversations:
[...]}``), whose description is the requester's opening message.
- ``incoming: true`` is the customer's, false the agent's (``user_id`` is the agent's id).
- ``private: true`` is an internal note, never seen by the customer: dropped.
- ``body`` is HTML, read as plain text (quoted mail left out), else ``body_text``.
- ``created_at`` (ISO 8601) relative to the first message; one conversation per ``ticket_id``.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import InputError
from .htmltext import message_text
from .registry import Reader, first_item, register
from .source import Input
from .transcript import Transcript
from .values import array, obj, parse_time_ms, text_or_none

_KEYS = {"incoming", "private"}


def parse_freshdesk(data: Input) -> Iterator[Transcript]:
    doc = data.document()
    tickets: dict[str | None, Transcript] = {}

    def ticket(ticket_id: str | None) -> Transcript:
        if ticket_id not in tickets:
            tickets[ticket_id] = Transcript(data, ticket_id, "chat", absolute=True)
        return tickets[ticket_id]

    if isinstance(doc, dict):  # a ticket with its conversations
        default = text_or_none(doc.get("id"))
        opening = ticket(default)
        opening.meta = {"subject": doc["subject"]} if doc.get("subject") else {}
        body = doc.get("description") or doc.get("description_text")
        if body:
            opening.add_message(f"{data.name}: description", role="customer", text=message_text(str(body)),
                                author_id=doc.get("requester_id"), author=None,
                                time_ms=parse_time_ms(doc.get("created_at"), f"{data.name}: created_at"), meta={})
        items, prefix = array(doc.get("conversations"), f"{data.name}: conversations", "a list"), " conversations"
    else:
        default, items, prefix = None, array(doc, data.name, "a list of Freshdesk conversations"), ""
    for index, item in enumerate(items):
        where = f"{data.name}:{prefix} [{index}]"
        item = obj(item, where, "a Freshdesk conversation")
        if item.get("private"):
            continue
        incoming = item.get("incoming")
        if not isinstance(incoming, bool):
            raise InputError(f"{where}: expected incoming true (from the customer) or false (the agent), "
                             f"found {incoming!r}")
        body = item.get("body") or item.get("body_text") or ""
        ticket(text_or_none(item.get("ticket_id")) or default).add_message(
            where, role="customer" if incoming else "agent", text=message_text(str(body)),
            author_id=item.get("user_id"), author=None,
            time_ms=parse_time_ms(item.get("created_at"), f"{where}: created_at"),
            meta={"conversation_id": item["id"]} if item.get("id") is not None else {})
    yield from tickets.values()


def _claims(doc: Any) -> bool:
    sample = first_item(doc)
    if isinstance(sample, dict) and isinstance(sample.get("conversations"), list):
        sample = first_item(sample["conversations"])
    return isinstance(sample, dict) and _KEYS <= set(sample) and bool({"body", "body_text"} & set(sample))


register(Reader("freshdesk", "Freshdesk conversations", parse_freshdesk, claims=_claims, order=42,
                streams=("", "conversations")))
