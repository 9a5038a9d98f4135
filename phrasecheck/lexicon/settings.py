"""A pack's pack-wide settings: normalization, judging, scoring and the category model.

Normalization edits the fold table every text goes through and multiplies every rule literal
into its regional forms, so each entry is checked for what it can cost: one character per variant
key, short regional words with a few forms each, no character the engine reserves.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from .fields import SEVERITY_RANK, Severity, StrictModel, check_pattern, has_word_character, text_within, unreserved
from .limits import limits, shown


def _form(value: str, what: str) -> str:
    """A regional word or form, an initials key or its words: short, and something to match."""
    text_within(unreserved(value, what), what, "form_chars")
    if not has_word_character(value):
        raise ValueError(f"{what} {shown(value)} has no letter, digit or ideograph (it would fold to nothing)")
    return value


class NormalizeConfig(StrictModel):
    fillers: list[str] = []
    variants: dict[str, str] = {}
    dialect: dict[str, list[str]] = {}  # standard word → regional forms every rule literal also matches
    initials: dict[str, str] = {}  # chat initials → the words they stand for (sb → 傻逼)

    @field_validator("fillers")
    @classmethod
    def _single(cls, value: list[str]) -> list[str]:
        for v in value:
            if len(v) != 1:
                raise ValueError(f"filler {shown(v)} must be a single character")
            unreserved(v, "filler")
        return value

    @field_validator("variants")
    @classmethod
    def _characters(cls, value: dict[str, str]) -> dict[str, str]:
        """A variant maps one character to the one (or few) it is read as: 象 → 像."""
        for source, target in value.items():
            if len(source) != 1:
                raise ValueError(f"variant {shown(source)} must be a single character (the one it replaces)")
            unreserved(source + target, "variant")
            if not target:
                raise ValueError(f"variant {shown(source)} maps to nothing (a character to drop is a filler)")
            if len(target) > limits().variant_chars:
                raise ValueError(f"variant {shown(source)} → {shown(target)}: {limits().expected('variant_chars', ' characters')}")
        return value

    @field_validator("dialect")
    @classmethod
    def _regional(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for word, forms in value.items():
            _form(word, "dialect word")
            if len(forms) > limits().dialect_forms:
                raise ValueError(f"dialect word {shown(word)} has {len(forms):,} forms; {limits().expected('dialect_forms')}")
            for form in forms:
                _form(form, f"dialect form of {shown(word)}")
        return value

    @field_validator("initials")
    @classmethod
    def _letters(cls, value: dict[str, str]) -> dict[str, str]:
        for key, words in value.items():
            if not (len(key) >= 2 and key.isascii() and key.isalpha()):
                raise ValueError(f"initials {shown(key)} must be two or more Latin letters")
            if not words:
                raise ValueError(f"initials {shown(key)} stand for nothing")
            _form(key, "initials")
            _form(words, f"initials {shown(key)}")
        return {key.lower(): words for key, words in value.items()}


# The `judge` fields that are lists of patterns; the engine compiles each into the same-named field
# of its judging context.
JUDGE_PATTERN_FIELDS = ("frames", "not_reported", "not_excusing", "mentions", "report_ends", "quote_talk")


class JudgeConfig(StrictModel):
    """Pack-wide judging: quotation and reported speech are not the agent's own words, and
    sentence-final particles that jieba glues onto a hit's last word do not make it cut a word."""

    quotes: list[str] = []  # pairs of opening+closing characters, e.g. "“”"
    frames: list[str] = []  # patterns that introduce reported speech
    not_reported: list[str] = []  # words holding a frame's but reporting nothing (「您说得对」, 「跟您讲」, 说明书)
    not_excusing: list[str] = []  # words holding an `unless` context's but excusing nothing (the 您 of 您好)
    mentions: list[str] = []  # words that make a whole message talk about service language (服务禁语, 考试题)
    report_ends: list[str] = []  # words pointing back at what a frame reported (这句话, 这个处理): the report ran up to them
    quote_talk: list[str] = []  # words beside a quotation that make it the topic (“…”这种话, 不能说“…”)
    frame_reach: int = Field(10, ge=0, le=40)
    particles: str = Field("", max_length=200)

    @field_validator(*JUDGE_PATTERN_FIELDS)
    @classmethod
    def _frames(cls, value: list[str]) -> list[str]:
        return [check_pattern(v) for v in value]

    @field_validator("quotes")
    @classmethod
    def _pairs(cls, value: list[str]) -> list[str]:
        for v in value:
            if len(v) != 2:
                raise ValueError(f"quote pair {shown(v)} must be exactly an opening and a closing character")
        return value


class ScoringConfig(StrictModel):
    """Points off per violation (0–100 each: a score stays within 0–100) and the decisions."""

    deductions: dict[Severity, Annotated[int, Field(ge=0, le=100)]] = {"info": 0, "warning": 1, "error": 2, "critical": 100}
    block_at: Severity = "error"
    warn_at: Severity = "warning"

    @model_validator(mode="after")
    def _ordered(self) -> "ScoringConfig":
        if SEVERITY_RANK[self.warn_at] > SEVERITY_RANK[self.block_at]:
            raise ValueError(f"warn_at {self.warn_at!r} is above block_at {self.block_at!r}; expected warn_at at or below block_at")
        return self


class ClassifierConfig(StrictModel):
    """The statistical second stage: a shipped model (`phrasecheck/data/models/NAME.json`) scores
    each sentence; at or above `threshold` the sentence is a candidate of the rule its category
    maps to in `rules`, and that rule's guards, why and standard line apply."""

    model: str = Field(min_length=1)  # a shipped model's name, or a .json path relative to the pack (a team's own model)
    threshold: float = Field(0.97, gt=0.5, lt=1)
    min_chars: int = Field(4, ge=1, le=40)  # shorter sentences carry too few features: patterns alone judge them
    max_chars: int = Field(40, ge=4, le=1000)  # longer ones are explanations far more often than insults
    # A sentence over `long_sentence` characters (a call transcribed without stops) is scored in runs
    # of its clauses of at most `window_chars` characters, one starting at each clause (0: not at
    # all), each needing `window_threshold`.
    window_chars: int = Field(0, ge=0, le=1000)
    window_threshold: float = Field(0.99, gt=0.5, lt=1)
    long_sentence: int = Field(80, ge=4, le=10000)
    rules: dict[str, str] = Field(min_length=1)  # category → rule id
    # The model's twin over sounds (`scripts/train_categories.py --phonetic`) scores the sentences
    # typed in pinyin (「ni zi ji kan」), which the model, reading characters, cannot.
    phonetic_model: str | None = Field(None, min_length=1)
    phonetic_threshold: float = Field(0.97, gt=0.5, lt=1)

    @model_validator(mode="after")
    def _range(self) -> "ClassifierConfig":
        if self.min_chars > self.max_chars:
            raise ValueError(f"min_chars {self.min_chars} is above max_chars {self.max_chars}; expected min_chars ≤ max_chars")
        return self

