"""Conversations as every transcript format becomes them: a `Conversation` of `Turn`s.

The parsers (`transcripts`) produce these; the scorer (`qa`), the CLI and the REST service
consume them.  Times are milliseconds from the start of the call or chat; a format without
times leaves them `None`, and rules that need them report themselves as skipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TurnRole = Literal["agent", "customer", "bot", "system"]
Channel = Literal["call", "chat"]


class Turn(BaseModel):
    """One utterance (a chat message, an ASR sentence, a subtitle cue)."""

    model_config = ConfigDict(extra="forbid")

    role: TurnRole
    text: str = Field(max_length=100_000)
    seq: int | None = None
    speaker: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    begin_ms: int | None = Field(default=None, ge=0)
    end_ms: int | None = Field(default=None, ge=0)
    hold: bool = False  # the agent put the customer on hold just before this turn (hold event)
    line: int | None = None  # where the turn starts in its source file, for error messages and evidence
    meta: dict[str, Any] = {}


class Conversation(BaseModel):
    """A call or chat: turns in the order they were said."""

    model_config = ConfigDict(extra="forbid")

    id: str
    turns: list[Turn] = Field(min_length=1)
    channel: Channel | None = None  # call rules (self-introduction) apply only to `call`
    agent_id: str | None = None  # filled from the turns when absent
    agent_name: str | None = None
    source: str | None = None  # file the conversation came from
    started_at: datetime | None = None  # when the first turn began, where the input gives date-times (trends)
    meta: dict[str, Any] = {}

    def model_post_init(self, __context: Any) -> None:
        if self.agent_id is None or self.agent_name is None:
            for turn in self.turns:
                if turn.role == "agent":
                    self.agent_id = self.agent_id or turn.agent_id
                    self.agent_name = self.agent_name or turn.agent_name
                    if self.agent_id and self.agent_name:
                        break
