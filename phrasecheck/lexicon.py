"""Lexicon packs: the YAML schema, validation and `extends` resolution.

A pack is data only.  Validation errors are reported as one line naming the file, the rule id and
the field, so a rule author can fix a pack without reading Python.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import LexiconError
from .patterns import MAX_CLASS_WORDS, PatternSyntaxError, parse_pattern

Severity = Literal["info", "warning", "error", "critical"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}
Role = Literal["agent", "customer"]
_RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BUNDLED = Path(__file__).resolve().parent.parent / "lexicons"
_INSTALLED = Path(__file__).resolve().parent / "_lexicons"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
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


class Unless(_Strict):
    """Context that makes a hit fine.  `hit`: the context overlaps or touches the hit; `clause`,
    `sentence`, `utterance`: it occurs anywhere in that stretch of the text."""

    pattern: str
    scope: Literal["hit", "clause", "sentence", "utterance"] = "hit"

    @field_validator("pattern")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _check_pattern(value)


class Fuzzy(_Strict):
    threshold: float = Field(88.0, ge=60, le=100)
    min_length: int = Field(6, ge=4)


class Examples(_Strict):
    flag: list[str] = Field(min_length=1)
    clean: list[str] = Field(min_length=1)


class Rule(_Strict):
    id: str
    pair: str | None = None
    category: str
    severity: Severity
    scenario: str
    phrases: list[str] = []
    patterns: list[str] = []
    unless: list[Unless] = []
    whole_utterance: bool | float = False
    boundary: Literal["token", "none"] = "token"
    phonetic: bool = True
    fuzzy: Fuzzy | None = None
    roles: list[Role] = ["agent"]
    why: str
    suggest: list[str] = Field(min_length=1)
    source: Source
    examples: Examples

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
        if not self.phrases and not self.patterns:
            raise ValueError("a rule needs `phrases` or `patterns`")
        return self

    @property
    def coverage(self) -> float | None:
        if self.whole_utterance is False:
            return None
        return 0.6 if self.whole_utterance is True else float(self.whole_utterance)


CourtesyKind = Literal[
    "civility", "greeting", "ask_need", "waiting", "apology", "thanks", "farewell", "address",
    "reply_to_thanks", "phone_opening", "hand_over", "reminder", "consent",
]


class Courtesy(_Strict):
    """Recommended lines that have no banned counterpart; must-say rules draw on them."""

    id: str
    kind: CourtesyKind
    phrases: list[str] = Field(min_length=1)
    setting: str | None = None
    source: Source


ConversationKind = Literal["opening", "closing", "after_wait", "refusal", "unresolved_unknown", "coverage", "address_style"]
_TURN_LINE = re.compile(r"^(?:\[(\d+):(\d{1,2}(?:\.\d+)?)\]\s*)?(坐席|客服|客户)[:：]\s*(.*)$")


class ExampleTurn(_Strict):
    role: Literal["agent", "customer"]
    text: str
    begin_ms: int | None = None


def _example_turn(line: str) -> ExampleTurn:
    """`"[1:05] 坐席: 让您久等了"`: the compact form rule authors write conversation examples in."""
    found = _TURN_LINE.match(line.strip())
    if not found:
        raise ValueError(f"example turn {line!r} must look like '坐席: …' or '[m:ss] 客户: …'")
    minutes, seconds, speaker, text = found.groups()
    begin = round((int(minutes) * 60 + float(seconds)) * 1000) if minutes is not None else None
    return ExampleTurn(role="customer" if speaker == "客户" else "agent", text=text, begin_ms=begin)


class ConversationExamples(_Strict):
    flag: list[list[ExampleTurn]] = Field(min_length=1)
    clean: list[list[ExampleTurn]] = Field(min_length=1)

    @field_validator("flag", "clean", mode="before")
    @classmethod
    def _compact(cls, value):
        return [[_example_turn(t) if isinstance(t, str) else t for t in turns] for turns in (value or [])]


class ConversationRule(_Strict):
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
    threshold_ms: int = Field(30_000, ge=0)  # after_wait: silence before an agent turn that needs an apology
    min_share: float = Field(0.6, gt=0, le=1)  # coverage: share of the cues the agent must use
    suggest: list[str] = []
    source: Source
    examples: ConversationExamples

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        return _kebab_id(value)

    @field_validator("cues", "triggers", "unless")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return [_check_pattern(v) for v in value]

    @field_validator("require")
    @classmethod
    def _slots(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {slot: [_check_pattern(v) for v in patterns] for slot, patterns in value.items()}

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


class NormalizeConfig(_Strict):
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


class JudgeConfig(_Strict):
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


class ScoringConfig(_Strict):
    deductions: dict[Severity, int] = {"info": 0, "warning": 1, "error": 2, "critical": 100}
    block_at: Severity = "error"
    warn_at: Severity = "warning"


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


class Pack(_Strict):
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
    # Word classes that patterns name as {class}; a pack that extends another adds words to its classes.
    classes: dict[str, list[str]] = {}
    rules: list[Rule] = []
    courtesy: list[Courtesy] = []
    conversation_rules: list[ConversationRule] = []

    @field_validator("classes")
    @classmethod
    def _classes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _word_classes(value)


@dataclass(frozen=True)
class LoadedPack:
    pack: Pack
    path: Path
    digest: str


def search_path() -> list[Path]:
    """Directories searched for `NAME.yaml`: $PHRASECHECK_LEXICONS first, then the bundled packs."""
    extra = [Path(p) for p in os.environ.get("PHRASECHECK_LEXICONS", "").split(os.pathsep) if p]
    return extra + [p for p in (_BUNDLED, _INSTALLED) if p.is_dir()]


def yaml_files(folder: str = "") -> dict[str, Path]:
    """`NAME.yaml` files in `folder` of every search-path directory; earlier directories win."""
    found: dict[str, Path] = {}
    for directory in reversed(search_path()):
        for path in sorted((directory / folder).glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def available_packs() -> dict[str, Path]:
    return yaml_files()


def resolve(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_file():
            raise LexiconError(f"{name_or_path}: no such lexicon file")
        return candidate
    packs = available_packs()
    if name_or_path not in packs:
        known = ", ".join(packs) or "none"
        raise LexiconError(f"unknown pack {name_or_path!r} (known packs: {known})")
    return packs[name_or_path]


_LISTS = {"rules": "rule", "courtesy": "courtesy", "conversation_rules": "conversation rule"}


def _describe(error: ValidationError, data: dict) -> str:
    first = error.errors()[0]
    location = list(first["loc"])
    where = ""
    if len(location) >= 2 and location[0] in _LISTS and isinstance(location[1], int):
        items = data.get(location[0]) or []
        item = items[location[1]] if location[1] < len(items) else {}
        ident = item.get("id", f"#{location[1] + 1}") if isinstance(item, dict) else f"#{location[1] + 1}"
        where = f"{_LISTS[location[0]]} {ident!r}: "
        location = location[2:]
    field = ".".join(str(p) for p in location) or "(pack)"
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}{field}: {message}"


def read_yaml_mapping(path: Path, expected: str) -> tuple[bytes, dict]:
    """A YAML file's bytes and top-level mapping, or a one-line error with file, line and column."""
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise LexiconError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise LexiconError(f"{path}{where}: invalid YAML: {problem}") from None
    except OSError as error:
        raise LexiconError(f"{path}: cannot read ({error.strerror})") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping with {expected}")
    return raw, data


def read_pack(path: Path) -> LoadedPack:
    raw, data = read_yaml_mapping(path, "`pack`, `title`, `version` and `rules`")
    try:
        pack = Pack.model_validate(data)
    except ValidationError as error:
        raise LexiconError(f"{path}: {_describe(error, data)}") from None
    if pack.pack != path.stem and path.parent in search_path():
        raise LexiconError(f"{path}: pack name {pack.pack!r} does not match the file name {path.stem!r}")
    return LoadedPack(pack, path, hashlib.sha256(raw).hexdigest())


def load_packs(names: list[str]) -> list[LoadedPack]:
    """Packs in dependency order (every pack after the packs it extends), each once."""
    ordered: list[LoadedPack] = []
    seen: dict[Path, LoadedPack] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        path = resolve(name).resolve()
        if path in seen:
            return
        if str(path) in trail:
            raise LexiconError(f"{path}: `extends` forms a cycle ({' → '.join(Path(t).stem for t in trail)})")
        loaded = read_pack(path)
        for parent in loaded.pack.extends:
            try:
                visit(parent, trail + (str(path),))
            except LexiconError as error:
                raise LexiconError(f"{path}: extends {parent!r}: {error}") from None
        seen[path] = loaded
        ordered.append(loaded)

    for name in names:
        visit(name, ())
    rule_homes: dict[str, Path] = {}
    for loaded in ordered:
        for rule in (*loaded.pack.rules, *loaded.pack.conversation_rules):
            if rule.id in rule_homes:
                raise LexiconError(f"{loaded.path}: rule {rule.id!r} is already defined in {rule_homes[rule.id]}")
            rule_homes[rule.id] = loaded.path
    return ordered
