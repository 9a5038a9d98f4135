"""Conversation rules and the courtesy lines they draw on, as a pack writes them.

Their examples are whole conversations, written turn by turn in a compact form
(`"[1:05] 坐席: 让您久等了"`) and run when the pack loads.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .fields import Severity, Source, StrictModel, check_pattern, kebab_id, listed, phrase, text_within
from .limits import shown

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


ConversationKind = Literal["opening", "closing", "after_wait", "refusal", "unresolved_unknown", "coverage", "address_style"]
_TURN_LINE = re.compile(r"^(?:\[(\d{1,5}):(\d{1,2}(?:\.\d{1,3})?)\]\s*)?(坐席|客服|客户)[:：]\s*(.*)$")


class ExampleTurn(StrictModel):
    role: Literal["agent", "customer"]
    text: str
    begin_ms: int | None = Field(None, ge=0)

    @field_validator("text")
    @classmethod
    def _short(cls, value: str) -> str:
        return _turn_text(value)


def _turn_text(text: str) -> str:
    return text_within(text, "an example turn", "example_chars") if text else text


def _example_turn(line: str) -> ExampleTurn:
    """`"[1:05] 坐席: 让您久等了"`: the compact form rule authors write conversation examples in."""
    found = _TURN_LINE.match(line.strip())
    if not found:
        raise ValueError(f"example turn {shown(line)} must look like '坐席: …' or '[m:ss] 客户: …'")
    minutes, seconds, speaker, text = found.groups()
    _turn_text(text)  # here, not in the model: its error would be a ValidationError of several lines
    begin = round((int(minutes) * 60 + float(seconds)) * 1000) if minutes is not None else None
    return ExampleTurn(role="customer" if speaker == "客户" else "agent", text=text, begin_ms=begin)


class ConversationExamples(StrictModel):
    flag: list[Annotated[list[ExampleTurn], Field(min_length=1)]] = Field(min_length=1)  # conversations of a turn or more
    clean: list[Annotated[list[ExampleTurn], Field(min_length=1)]] = Field(min_length=1)

    @field_validator("flag", "clean", mode="before")
    @classmethod
    def _compact(cls, value, info):
        examples = listed(value, info.field_name)
        return [[_example_turn(t) if isinstance(t, str) else t for t in listed(turns, f"{info.field_name} example")]
                for turns in examples]


class ConversationRule(StrictModel):
    """A must-say (or must-not-leave-unsaid) rule over a whole conversation.

    `cues` are what satisfies the rule (a greeting, an apology…), as patterns and as courtesy
    kinds of the packs; `triggers` are what makes the rule apply (a refusal, 不知道).  `require`
    names slots a triggered turn must fill (apology, reason, alternative).
    """

    id: str
    kind: ConversationKind
    title: str
    severity: Severity
    why: str
    channels: list[Literal["call", "chat"]] = ["call", "chat"]
    within: int = Field(1, ge=1, le=5)  # opening/closing: agent turns counted from the start/end
    cues: list[str] = []
    courtesy: list[CourtesyKind] = []
    triggers: list[str] = []
    unless: list[str] = []
    require: dict[str, list[str]] = {}
    window: int = Field(0, ge=0, le=3)  # later agent turns that may still fill the slots
    threshold_ms: int = Field(30_000, ge=0, le=86_400_000)  # after_wait: silence before an agent turn that needs an apology
    min_share: float = Field(0.6, gt=0, le=1)  # coverage: share of the cues the agent must use
    suggest: list[str] = []
    source: Source
    examples: ConversationExamples

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        return kebab_id(value)

    @field_validator("cues", "triggers", "unless")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return [check_pattern(v) for v in value]

    @field_validator("require")
    @classmethod
    def _slots(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {slot: [check_pattern(v) for v in patterns] for slot, patterns in value.items()}

    @model_validator(mode="after")
    def _has_what_its_kind_needs(self) -> "ConversationRule":
        needs = {
            "opening": ("cues",), "closing": ("cues",), "after_wait": ("cues",), "coverage": ("cues",),
            "refusal": ("triggers", "require"), "unresolved_unknown": ("triggers", "cues"), "address_style": ("triggers", "cues"),
        }[self.kind]
        for name in needs:
            if name == "cues" and (self.cues or self.courtesy):
                continue
            if not getattr(self, name):
                raise ValueError(f"a {self.kind} rule needs `{name}`" + (" or `courtesy`" if name == "cues" else ""))
        return self
