"""WeCom 企业微信 会话内容存档: decrypted messages, JSONL or a JSON list.

Text messages are grouped into chats (``roomid``, else the pair of users); ``switch`` entries
(not messages) are skipped and a ``recall`` removes the message it revokes.  Who wrote a message
is told by its ``from`` userid (prefixes in `data/vocabulary.yaml`): external contacts (``wo``/
``wm``) are customers, ``wb`` bots, any other userid internal staff, the agent, whose userid is the
chat's agent_id.  Messages of many chats are interleaved in an archive, so the whole file is
grouped before the first chat is handed on.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..conversation import Turn
from ..errors import InputError
from .canonical import json_items
from .registry import Reader, keys_of, register
from .source import Input
from .transcript import Transcript, model
from .values import obj, parse_time_ms, prefix_role, text_or_none


def parse_wecom(data: Input) -> Iterator[Transcript]:
    chats: dict[str, Transcript] = {}
    for item in json_items(data):
        message = obj(item.value, item.where, "a WeCom message object")
        action = message.get("action", "send")
        if action == "switch":
            continue
        sender, tolist = message.get("from"), message.get("tolist") or []
        if not isinstance(sender, str) or not sender or not isinstance(tolist, list):
            raise InputError(f'{item.where}: expected a WeCom message with a "from" userid and a "tolist" list')
        chat_id = text_or_none(message.get("roomid")) or "~".join(sorted({sender, *map(str, tolist[:1])}))
        chat = chats.get(chat_id)
        if chat is None:
            chat = chats[chat_id] = Transcript(data, chat_id, "chat", absolute=True, sort_by="begin_ms")
        if action == "recall":
            revoke = message.get("revoke")
            revoked = revoke.get("pre_msgid") if isinstance(revoke, dict) else None
            chat.rows[:] = [row for row in chat.rows if row.turn.meta.get("msgid") != revoked]
        elif message.get("msgtype") == "text":
            said_by = prefix_role("wecom", sender, "agent")
            body = obj(message.get("text"), f"{item.where}: text", '{"content": "…"}')
            chat.add(model(Turn, item.where, role=said_by, text=body.get("content"), speaker=sender,
                           agent_id=sender if said_by == "agent" else None, line=item.line,
                           begin_ms=parse_time_ms(message.get("msgtime"), f"{item.where}: msgtime", ms=True),
                           meta={"msgid": message["msgid"]} if message.get("msgid") else {}))
    yield from chats.values()


def _claims(doc: Any) -> bool:
    return bool(keys_of(doc) & {"msgtype", "msgid"})


register(Reader("wecom", "WeCom messages", parse_wecom, claims=_claims, json_lines=True, order=10, streams=("",)))
