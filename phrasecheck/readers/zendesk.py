"""Zendesk tickets: the API's ticket comments, and the Zendesk QA import shape.

API (``GET /api/v2/tickets/{id}/comments?include=users``): ``{comments: [...], users: [...]}``.
- Who wrote a comment: its ``author_id`` joined to ``users[]``, whose ``role`` (end-user → customer,
  agent/admin → agent: `data/vocabulary.yaml`) decides; without the sideloaded users nothing
  tells agents from customers, and that is an error naming the comment.
- ``public: false`` comments are internal notes, never seen by the customer: dropped.
  ``VoiceComment``s describe a call recording, not a message: dropped.
- Text: ``html_body`` as plain text (quoted mail left out), else ``plain_body``, else ``body``.
- The first comment is the ticket description, the requester's opening message: kept.
- Times: ``created_at`` (ISO 8601), relative to the first comment.  The conversation is the
  ticket (``ticket_id``/``ticket.id`` when the file has one, else the file name); it is a call when
  the first comment came ``via`` voice/phone, else a chat.

QA import: ``{id, subject, description, created, assigneeEmail, assigneeName, comments: [{id,
authorEmail, authorName, authorIsNotClient, comment}]}``, or a list of them: ``authorIsNotClient``
true is the agent, false the customer; ``comment`` is markdown or HTML; there are no times.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import InputError
from ..vocabulary import vocabulary
from .htmltext import message_text
from .registry import Reader, first_item, register
from .source import Input
from .transcript import Transcript
from .values import array, author_role, obj, parse_time_ms, text_or_none

_API_KEYS = {"author_id", "html_body", "plain_body"}
_QA_KEYS = {"authorIsNotClient", "authorEmail", "authorName"}
_USERS_HELP = "GET /api/v2/tickets/{id}/comments?include=users, whose role tells agents from customers"


def parse_zendesk(data: Input) -> Iterator[Transcript]:
    doc = data.document()
    if _comment_keys(doc) & _API_KEYS:
        yield _api(obj(doc, data.name, "{comments, users}"), data)
        return
    listed = isinstance(doc, list)
    for index, ticket in enumerate(doc if listed else [doc]):
        where = f"{data.name}: [{index}]" if listed else data.name
        yield _qa(obj(ticket, where, "a Zendesk QA ticket"), where, data)


def _api(doc: dict[str, Any], data: Input) -> Transcript:
    ticket = doc.get("ticket") if isinstance(doc.get("ticket"), dict) else {}
    users = {str(user.get("id")): user for user in doc.get("users") or [] if isinstance(user, dict)}
    comments = array(doc.get("comments"), f"{data.name}: comments", "a list of comments")
    transcript = Transcript(data, text_or_none(doc.get("ticket_id") or ticket.get("id")), absolute=True,
                            meta={"subject": ticket["subject"]} if ticket.get("subject") else {})
    for index, comment in enumerate(comments):
        where = f"{data.name}: comments[{index}]"
        comment = obj(comment, where, "a comment object")
        if index == 0:
            transcript.channel = _via(comment)
        if comment.get("public") is False or comment.get("type") == "VoiceComment":
            continue
        author_id = text_or_none(comment.get("author_id"))
        user = users.get(str(author_id))
        if user is None:
            raise InputError(f"{where}: author {author_id} is not among the users: expected the comments with their "
                             f"authors ({_USERS_HELP})")
        html, plain = comment.get("html_body"), comment.get("plain_body") or comment.get("body") or ""
        transcript.add_message(where, role=author_role("zendesk", user.get("role"), f"{where}: author {author_id}"),
                               text=message_text(html) if html else message_text(plain), author_id=author_id,
                               author=user.get("name"), time_ms=parse_time_ms(comment.get("created_at"),
                                                                              f"{where}: created_at"),
                               meta={"comment_id": comment["id"]} if comment.get("id") is not None else {})
    return transcript


def _via(comment: dict[str, Any]) -> str:
    via = comment.get("via")
    said = via.get("channel") if isinstance(via, dict) else None
    return "call" if vocabulary().channels.get(str(said).lower()) == "call" else "chat"


def _qa(ticket: dict[str, Any], where: str, data: Input) -> Transcript:
    transcript = Transcript(data, text_or_none(ticket.get("id")), "chat",
                            agent_id=text_or_none(ticket.get("assigneeEmail")),
                            agent_name=text_or_none(ticket.get("assigneeName")),
                            meta={key: ticket[key] for key in ("subject", "created") if ticket.get(key)})
    for index, comment in enumerate(array(ticket.get("comments"), f"{where} comments", "a list of comments")):
        at = f"{where} comments[{index}]"
        comment = obj(comment, at, "a comment object")
        client = comment.get("authorIsNotClient")
        if not isinstance(client, bool):
            raise InputError(f"{at}: expected authorIsNotClient true (agent) or false (customer), found {client!r}")
        text = comment.get("comment")
        transcript.add_message(at, role="agent" if client else "customer",
                               text=message_text(text) if isinstance(text, str) else text,
                               author_id=comment.get("authorEmail"), author=comment.get("authorName"), time_ms=None,
                               meta={"comment_id": comment["id"]} if comment.get("id") is not None else {})
    return transcript


def _comment_keys(doc: Any) -> set[str]:
    sample = first_item(doc)
    comments = sample.get("comments") if isinstance(sample, dict) else None
    first = comments[0] if isinstance(comments, list) and comments else None
    return set(first) if isinstance(first, dict) else set()


def _claims(doc: Any) -> bool:
    return bool(_comment_keys(doc) & (_API_KEYS | _QA_KEYS))


register(Reader("zendesk", "Zendesk ticket comments", parse_zendesk, claims=_claims, order=40, streams=("", "comments")))
