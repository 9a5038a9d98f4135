"""What a conversation result says about when and where it happened, for the QA trends: the
start time (from the input's date-times) and the team and skill group, when the input carries
them on the conversation or on any of its lines (under any name `data/vocabulary.yaml` gives the
`team` and `skill_group` columns: 班组, 技能组, queue…)."""

from __future__ import annotations

from typing import Any

from ..conversation import Conversation
from ..readers.grouping import column

GROUPS = ("team", "skill_group")


def conversation_context(conversation: Conversation) -> dict[str, Any]:
    """{"started_at": ISO 8601 or None, "team": str or None, "skill_group": str or None}."""
    found: dict[str, str | None] = dict.fromkeys(GROUPS)
    for meta in (conversation.meta, *(turn.meta for turn in conversation.turns)):
        for key, value in meta.items():
            name = column(key)
            if name in found and found[name] is None and value not in (None, ""):
                found[name] = str(value).strip() or None
        if all(found.values()):
            break
    started = conversation.started_at
    return {"started_at": started.isoformat() if started is not None else None, **found}
