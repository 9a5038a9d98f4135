"""Courtesy lines: recommended lines with no banned counterpart, by kind, which conversation
rules (`conversation`) draw on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .fields import Source, StrictModel, phrase

CourtesyKind = Literal[
    "civility", "greeting", "ask_need", "waiting", "apology", "thanks", "farewell", "address",
    "reply_to_thanks", "phone_opening", "hand_over", "reminder", "consent",
]


class Courtesy(StrictModel):
    """Recommended lines that have no banned counterpart; must-say rules draw on them."""

    id: str
    kind: CourtesyKind
    phrases: list[str] = Field(min_length=1)
    setting: str | None = None
    source: Source

    @field_validator("phrases")
    @classmethod
    def _lines(cls, value: list[str]) -> list[str]:
        return [phrase(v, "a courtesy line") for v in value]
