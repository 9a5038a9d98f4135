"""The pack schema: what a lexicon YAML file may say, validated field by field.

Rules, word classes and the pack itself; courtesy lines are in `courtesy`, conversation rules
and their operators in `conversation`, the pack-wide normalize, judge, scoring and classifier settings in
`settings`.  A value that cannot work (a bad pattern, an unknown kind, a phrase past its limit,
a negative deduction) is refused here, as one line naming the rule and the field.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .conversation import ConversationRule
from .courtesy import Courtesy
from .fields import SEVERITY_RANK, Severity, Source, StrictModel, check_pattern, example, kebab_id, listed, phrase
from .limits import limits, shown
from .settings import ClassifierConfig, JudgeConfig, NormalizeConfig, ScoringConfig

__all__ = ["SEVERITY_RANK", "ClassifierConfig", "ConversationRule", "Courtesy", "JudgeConfig", "NormalizeConfig", "Pack",
           "PhraseList", "Rule", "ScoringConfig", "Severity", "Source", "StrictModel"]
Role = Literal["agent", "customer"]


class Unless(StrictModel):
    """Context that makes a hit fine.  `hit`: the context overlaps or touches the hit; `clause`,
    `sentence`, `utterance`: it occurs anywhere in that stretch of the text.  `patterns_only`: a
    courtesy word the category model already weighs in its score, so it excuses a pattern's hit but
    not the model's (「您能不能别一直发语音，我哪有空一条条听」 is impatient with 您).  `reach`: in a
    sentence of over 60 characters (a call transcribed without stops) a `sentence` context counts
    within 20 characters of the hit, or this many: the alternative an agent offers after a refusal
    may come a few clauses later (「…这个不行 就是 开卡必须本人到场 … 他可以在学校附近的网点开」)."""

    pattern: str
    scope: Literal["hit", "clause", "sentence", "utterance"] = "hit"
    patterns_only: bool = False
    reach: int | None = Field(None, ge=1, le=200)

    @field_validator("pattern")
    @classmethod
    def _valid(cls, value: str) -> str:
        return check_pattern(value)

    @model_validator(mode="after")
    def _reach_needs_a_sentence(self) -> "Unless":
        if self.reach is not None and self.scope != "sentence":
            raise ValueError(f"reach applies to scope: sentence only, not scope: {self.scope}")
        return self


class Fuzzy(StrictModel):
    threshold: float = Field(88.0, ge=60, le=100)
    min_length: int = Field(6, ge=4, le=1000)


def _phrases(value: list[str], what: str) -> list[str]:
    """Literals, each within the phrase limit; the message counts from 1, as an author does."""
    return [phrase(v, f"{what} {number}") for number, v in enumerate(value, 1)]


class Examples(StrictModel):
    flag: list[str] = Field(min_length=1)
    clean: list[str] = Field(min_length=1)

    @field_validator("flag", "clean")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        return [example(v) for v in value]


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
        return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in listed(value, "words")]

    @field_validator("words")
    @classmethod
    def _entries(cls, value: list[str]) -> list[str]:
        return _phrases(value, "entry")

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
    # `long`: homophones only in words of three characters or more (叫保按 for 叫保安), while a
    # frame's short function words match as spelled (有两 is not 有脸)
    phonetic: bool | Literal["long"] = True
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
        return kebab_id(value)

    @field_validator("unless", mode="before")
    @classmethod
    def _bare_unless(cls, value):
        return [{"pattern": v} if isinstance(v, str) else v for v in listed(value, "unless")]

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        return _phrases(value, "phrase")

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return [check_pattern(v) for v in value]

    @field_validator("phonetic", mode="before")
    @classmethod
    def _phonetic(cls, value):
        if not isinstance(value, bool) and value != "long":
            raise ValueError(f"expected true, false or long, not {shown(value)}")
        return value

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


_CLASS_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _word_classes(value: dict[str, list[str]]) -> dict[str, list[str]]:
    for name, words in value.items():
        if not _CLASS_NAME.match(name):
            raise ValueError(f"word class name {shown(name)} must be lower case a-z, 0-9 and _")
        if not words or any(not isinstance(w, str) or not w.strip() or any(c in w for c in "[]|{}") for w in words):
            raise ValueError(f"word class {shown(name)} needs a list of plain words (no brackets, bars or braces)")
        if len(words) > limits().class_words:
            raise ValueError(f"word class {shown(name)} has {len(words):,} words; {limits().expected('class_words')}")
        _phrases(words, f"word class {shown(name)}: word")
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

    @field_validator("extends")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        if any(not name.strip() for name in value):
            raise ValueError("extends names a pack (or a .yaml file) per entry; an entry is empty")
        return list(dict.fromkeys(value))
