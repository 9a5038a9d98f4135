"""The pack schema: what a lexicon YAML file may say, validated field by field.

Rules, courtesy lines, conversation rules (`conversation.py`), word classes and the pack-wide normalize, judge and
scoring settings; a value that cannot work (a bad pattern, an unknown kind) is refused here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .patterns import MAX_CLASS_WORDS, PatternSyntaxError, parse_pattern

Severity = Literal["info", "warning", "error", "critical"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}
Role = Literal["agent", "customer"]
_RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(StrictModel):
    """Where in the seed standards a rule or phrase comes from."""

    seed: str = Field(pattern=r"^\d{3}$")
    line: str = Field(pattern=r"^\d+(?:[-/]\d+)*$")
    note: str | None = None

    def __str__(self) -> str:
        return f"seed {self.seed}, line {self.line}"


def _kebab_id(value: str) -> str:
    if not _RULE_ID.match(value):
        raise ValueError(f"rule id {value!r} must be kebab-case (a-z, 0-9, '-')")
    return value


def _check_pattern(source: str) -> str:
    try:
        parse_pattern(source)
    except PatternSyntaxError as error:
        raise ValueError(f"bad pattern {source!r}: {error}") from None
    return source


class Unless(StrictModel):
    """Context that makes a hit fine.  `hit`: the context overlaps or touches the hit; `clause`,
    `sentence`, `utterance`: it occurs anywhere in that stretch of the text."""

    pattern: str
    scope: Literal["hit", "clause", "sentence", "utterance"] = "hit"

    @field_validator("pattern")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _check_pattern(value)


class Fuzzy(StrictModel):
    threshold: float = Field(88.0, ge=60, le=100)
    min_length: int = Field(6, ge=4)


class Examples(StrictModel):
    flag: list[str] = Field(min_length=1)
    clean: list[str] = Field(min_length=1)


class PhraseList(StrictModel):
    """A house word list: `{file: words.txt}` (TXT or CSV, relative to the pack file), the words
    inline (`[词一, 词二]`), or `words.txt` alone.  Regional forms only when asked: they multiply
    every entry."""

    file: str | None = None
    words: list[str] = []
    regional: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value):
        if isinstance(value, list):
            return {"words": value}
        return {"file": value} if isinstance(value, str) else value

    @field_validator("words", mode="before")
    @classmethod
    def _scalars(cls, value):
        # YAML reads 250 (二百五's digits) as a number; an entry is its text either way.
        return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in (value or [])]

    @model_validator(mode="after")
    def _one_source(self) -> "PhraseList":
        if bool(self.file) == bool(self.words):
            raise ValueError("phrase_list is either `{file: words.txt}` or a list of words")
        return self

    @property
    def label(self) -> str:
        return self.file or "inline list"


class Rule(StrictModel):
    id: str
    pair: str | None = None
    category: str
    severity: Severity
    scenario: str
    phrases: list[str] = []
    patterns: list[str] = []
    phrase_list: PhraseList | None = None
    unless: list[Unless] = []
    whole_utterance: bool | float = False
    boundary: Literal["token", "none"] = "token"
    phonetic: bool = True
    fuzzy: Fuzzy | None = None
    roles: list[Role] = ["agent"]
    why: str
    suggest: list[str]
    source: Source | None
    examples: Examples | None

    @model_validator(mode="before")
    @classmethod
    def _list_defaults(cls, data):
        """A list rule is written in one step: what a list cannot say per word gets a default, and
        matching stays exact (homophones only with `phonetic: true`)."""
        if not isinstance(data, dict) or data.get("phrase_list") is None:
            return data
        listed = data["phrase_list"]
        name = listed if isinstance(listed, str) else (listed.get("file") if isinstance(listed, dict) else None)
        name = name or "inline list"
        category = data.get("category", "禁语")
        defaults = {"phonetic": False, "scenario": f"团队词表 {name}", "suggest": [], "source": None, "examples": None,
                    "why": f"「{category}」：团队词表（{name}）中的词，不应对客户说。"}
        return defaults | data

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        return _kebab_id(value)

    @field_validator("unless", mode="before")
    @classmethod
    def _bare_unless(cls, value):
        return [{"pattern": v} if isinstance(v, str) else v for v in (value or [])]

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return [_check_pattern(v) for v in value]

    @field_validator("whole_utterance")
    @classmethod
    def _coverage(cls, value: bool | float) -> bool | float:
        if not isinstance(value, bool) and not 0 < value <= 1:
            raise ValueError("whole_utterance is true/false or a coverage between 0 and 1")
        return value

    @model_validator(mode="after")
    def _matches_something(self) -> "Rule":
        if not self.phrases and not self.patterns and self.phrase_list is None:
            raise ValueError("a rule needs `phrases`, `patterns` or `phrase_list`")
        if self.phrase_list is None:
            missing = [name for name in ("source", "examples") if getattr(self, name) is None]
            if not self.suggest:
                missing.insert(0, "suggest")
            if missing:
                raise ValueError(f"a rule needs {', '.join(f'`{m}`' for m in missing)} (only a phrase_list rule may leave it out)")
        return self

    @property
    def origin(self) -> str:
        """Where the rule comes from: its seed line, else its word list."""
        if self.source is not None:
            return str(self.source)
        return self.phrase_list.label if self.phrase_list else ""

    @property
    def coverage(self) -> float | None:
        if self.whole_utterance is False:
            return None
        return 0.6 if self.whole_utterance is True else float(self.whole_utterance)


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


# Conversation rules and their operators live in conversation.py (they need the models above).
from .conversation import ConversationRule  # noqa: E402


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
                raise ValueError(f"filler {v!r} must be a single character")
        return value

    @field_validator("initials")
    @classmethod
    def _letters(cls, value: dict[str, str]) -> dict[str, str]:
        for key, words in value.items():
            if not (len(key) >= 2 and key.isascii() and key.isalpha()):
                raise ValueError(f"initials {key!r} must be two or more Latin letters")
            if not words:
                raise ValueError(f"initials {key!r} stand for nothing")
        return {key.lower(): words for key, words in value.items()}


class JudgeConfig(StrictModel):
    """Pack-wide judging: quotation and reported speech are not the agent's own words, and
    sentence-final particles that jieba glues onto a hit's last word do not make it cut a word."""

    quotes: list[str] = []  # pairs of opening+closing characters, e.g. "“”"
    frames: list[str] = []  # patterns that introduce reported speech
    frame_reach: int = Field(10, ge=0, le=40)
    particles: str = ""

    @field_validator("frames")
    @classmethod
    def _frames(cls, value: list[str]) -> list[str]:
        return [_check_pattern(v) for v in value]

    @field_validator("quotes")
    @classmethod
    def _pairs(cls, value: list[str]) -> list[str]:
        for v in value:
            if len(v) != 2:
                raise ValueError(f"quote pair {v!r} must be exactly an opening and a closing character")
        return value


class ScoringConfig(StrictModel):
    deductions: dict[Severity, int] = {"info": 0, "warning": 1, "error": 2, "critical": 100}
    block_at: Severity = "error"
    warn_at: Severity = "warning"


class ClassifierConfig(StrictModel):
    """The statistical second stage: a shipped model (`phrasecheck/data/models/NAME.json`) scores
    each sentence; at or above `threshold` the sentence is a candidate of the rule its category
    maps to in `rules`, and that rule's guards, why and standard line apply."""

    model: str  # a shipped model's name, or a .json path relative to the pack (a team's own model)
    threshold: float = Field(0.97, gt=0.5, lt=1)
    min_chars: int = Field(4, ge=1, le=40)  # shorter sentences carry too few features: patterns alone judge them
    max_chars: int = Field(40, ge=4, le=1000)  # longer ones are explanations far more often than insults
    rules: dict[str, str] = Field(min_length=1)  # category → rule id


_CLASS_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _word_classes(value: dict[str, list[str]]) -> dict[str, list[str]]:
    for name, words in value.items():
        if not _CLASS_NAME.match(name):
            raise ValueError(f"word class name {name!r} must be lower case a-z, 0-9 and _")
        if not words or any(not isinstance(w, str) or not w.strip() or any(c in w for c in "[]|{}") for w in words):
            raise ValueError(f"word class {name!r} needs a list of plain words (no brackets, bars or braces)")
        if len(words) > MAX_CLASS_WORDS:
            raise ValueError(f"word class {name!r} has more than {MAX_CLASS_WORDS} words")
    return value


class Pack(StrictModel):
    pack: str
    title: str
    version: str
    description: str = ""
    setting: str | None = None
    extends: list[str] = []
    source: Source | None = None
    normalize: NormalizeConfig | None = None
    judge: JudgeConfig | None = None
    scoring: ScoringConfig | None = None
    classifier: ClassifierConfig | None = None
    # Word classes that patterns name as {class}; a pack that extends another adds words to its classes.
    classes: dict[str, list[str]] = {}
    rules: list[Rule] = []
    courtesy: list[Courtesy] = []
    conversation_rules: list[ConversationRule] = []

    @field_validator("classes")
    @classmethod
    def _classes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _word_classes(value)
