"""Conversation rules in the pack schema: a `check` built from operators, validated field by field.

A check is a tree of nodes; each node is a mapping with exactly one operator (`say`, `absent`,
`present`, `not`, `count`, `repeat`, `silence`, `response_time`, `interrupt`, `speech_rate`,
`anchor`, `all`, `any`) and optionally `range` (which turns it looks at) and `label` (a name for
the message).  `docs/operators.md` documents each operator.  The older `kind:` shorthands
(opening, closing, after_wait, refusal, unresolved_unknown, coverage, address_style) are still
read and become the same trees (`presets.py`).  A misspelt operator or field is refused with the
list of what is expected, so the one-line error names the file, the rule and the field.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from .presets import expand_preset
from .courtesy import CourtesyKind
from .fields import Severity, Source, StrictModel, check_pattern, kebab_id, text_within
from .limits import shown

RoleScope = Literal["agent", "customer", "any"]
Speaker = Literal["agent", "customer"]
OPERATORS = ("say", "absent", "present", "not", "count", "repeat", "silence", "response_time", "interrupt",
             "speech_rate", "anchor", "all", "any")
_MODIFIERS = ("range", "label")
_PERCENT = re.compile(r"^\d+(?:\.\d+)?%$")


class _Fields(StrictModel):
    """Unknown keys are named with the keys this mapping takes (pydantic would only say "extra")."""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [k for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(f"unknown field {_key(unknown[0])} (expected: {', '.join(cls.model_fields)})")
        return data


def _key(key: Any) -> str:
    """A key as the author wrote it, as far as YAML lets us know (it reads on/off/yes/no as booleans)."""
    return f"{key!r} (YAML reads on/off/yes/no as true/false: quote such a key)" if isinstance(key, bool) else repr(key)


def _patterns(value: list[str]) -> list[str]:
    return [check_pattern(v) for v in value]


class Range(_Fields):
    """Which turns a node looks at: turns of `role`, then the first or last N of them, positions
    `turns: [from, to]` (1-based, inclusive), or those beginning `seconds: [from, to]` into the talk."""

    role: RoleScope = "any"
    first: int | None = Field(None, ge=1)
    last: int | None = Field(None, ge=1)
    turns: tuple[int, int] | None = None
    seconds: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _one_cut(self) -> "Range":
        cuts = [name for name in ("first", "last", "turns", "seconds") if getattr(self, name) is not None]
        if len(cuts) > 1:
            raise ValueError(f"range takes one of first, last, turns, seconds (given: {', '.join(cuts)})")
        for name in ("turns", "seconds"):
            pair = getattr(self, name)
            if pair is not None and not 0 <= pair[0] <= pair[1]:
                raise ValueError(f"range {name} is [from, to] with 0 <= from <= to")
        if self.turns is not None and self.turns[0] < 1:
            raise ValueError("range turns count from 1")
        return self


class Say(_Fields):
    """Turns of `role` that say one of the phrases (literal), patterns, the packs' courtesy lines
    of the named kinds, or that an utterance rule (by id, wildcards allowed) or category flagged;
    with none of them, every turn of `role`.  A hit overlapped by an `unless` pattern does not count."""

    role: RoleScope = "agent"
    phrases: list[str] = []
    patterns: list[str] = []
    courtesy: list[CourtesyKind] = []
    rules: list[str] = []
    categories: list[str] = []
    unless: list[str] = []

    _valid_patterns = field_validator("patterns", "unless")(_patterns)

    @model_validator(mode="after")
    def _unless_needs_something(self) -> "Say":
        if self.unless and not (self.phrases or self.patterns or self.courtesy or self.rules or self.categories):
            raise ValueError("`unless` needs phrases, patterns, courtesy, rules or categories to excuse")
        return self


def _threshold(value: Any) -> Any:
    if isinstance(value, str) and not _PERCENT.match(value.strip()):
        raise ValueError(f"{value!r}: expected a whole number or a share such as '40%'")
    return value.strip() if isinstance(value, str) else value


class Count(_Fields):
    """How many hits `of` has (or, with `distinct`, how many different phrases of its `say` were
    used); holds when every given bound holds.  A share ('40%') counts against the phrases."""

    of: Node
    distinct: bool = False
    at_least: int | str | None = None
    at_most: int | str | None = None
    fewer_than: int | str | None = None
    more_than: int | str | None = None

    _valid_bounds = field_validator("at_least", "at_most", "fewer_than", "more_than", mode="before")(_threshold)

    @model_validator(mode="after")
    def _bounded(self) -> "Count":
        bounds = [getattr(self, n) for n in ("at_least", "at_most", "fewer_than", "more_than")]
        if all(b is None for b in bounds):
            raise ValueError("count needs at_least, at_most, fewer_than or more_than")
        if any(isinstance(b, str) for b in bounds) and not self.distinct:
            raise ValueError("a share ('40%') needs `distinct: true` (a share of the phrases)")
        if self.distinct and (self.of.say is None or self.of.say.rules or self.of.say.categories):
            raise ValueError("`distinct` counts the phrases of a `say` (phrases, patterns or courtesy)")
        return self


class Repeat(_Fields):
    """`role` says near-identical sentences `times` times (similarity 0–1 on the folded text)."""

    role: Speaker = "agent"
    times: int = Field(3, ge=2, le=20)
    similarity: float = Field(0.9, gt=0, le=1)
    min_chars: int = Field(4, ge=1)


class Silence(_Fields):
    """A gap of more than `seconds` before a turn of `role` (after a turn of `after`); with
    `holds`, a turn the agent put the customer on hold before counts too."""

    seconds: float = Field(ge=0)
    role: RoleScope = "any"
    after: RoleScope = "any"
    holds: bool = False


class ResponseTime(_Fields):
    """`role` answers the other side more than `seconds` after the other side's first unanswered turn."""

    seconds: float = Field(gt=0)
    role: Speaker = "agent"


class Interrupt(_Fields):
    """`role` starts a turn while the other side is still talking, by more than `overlap_ms`."""

    role: Speaker = "agent"
    overlap_ms: int = Field(0, ge=0)
    min_chars: int = Field(1, ge=1)


class SpeechRate(_Fields):
    """Turns of `role` faster than `above` or slower than `below` characters a minute (or their
    average, with `average`); turns shorter than `min_chars` are not measured."""

    role: Speaker = "agent"
    above: float | None = Field(None, gt=0)
    below: float | None = Field(None, gt=0)
    min_chars: int = Field(6, ge=1)
    average: bool = False

    @model_validator(mode="after")
    def _bounded(self) -> "SpeechRate":
        if self.above is None and self.below is None:
            raise ValueError("speech_rate needs `above` or `below` (characters a minute)")
        return self


class Within(_Fields):
    """How far an anchor's window reaches: `turns` turns of `role`, or `seconds`."""

    turns: int | None = Field(None, ge=0, le=50)
    role: RoleScope = "any"
    seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> "Within":
        if (self.turns is None) == (self.seconds is None):
            raise ValueError("within takes either `turns` or `seconds`")
        return self


class Anchor(_Fields):
    """For each hit of `to` (or the `hit`-th), `check` is evaluated on the turns `where` it
    (before, after, around, or the same turn) `within` a reach; the hit's own turn always counts."""

    to: Node
    check: Node
    where: Literal["after", "before", "around", "same"] = "after"
    within: Within | None = None
    hit: Union[Literal["every", "first", "last"], int] = "every"

    @field_validator("hit")
    @classmethod
    def _nth(cls, value: Any) -> Any:
        if isinstance(value, int) and value < 1:
            raise ValueError("hit is every, first, last or a position from 1")
        return value


class Node(_Fields):
    say: Say | None = None
    absent: Node | None = None
    present: Node | None = None
    not_: Node | None = Field(None, alias="not")
    count: Count | None = None
    repeat: Repeat | None = None
    silence: Silence | None = None
    response_time: ResponseTime | None = None
    interrupt: Interrupt | None = None
    speech_rate: SpeechRate | None = None
    anchor: Anchor | None = None
    all: list[Node] | None = Field(None, min_length=1)
    any: list[Node] | None = Field(None, min_length=1)
    range: Range | None = None
    label: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"expected a mapping with one operator ({', '.join(OPERATORS)})")
        unknown = [k for k in data if k not in OPERATORS and k not in _MODIFIERS]
        if unknown:
            raise ValueError(f"unknown operator {_key(unknown[0])} (operators: {', '.join(OPERATORS)}; with them: range, label)")
        given = [k for k in data if k in OPERATORS]
        if len(given) != 1:
            raise ValueError(f"a node holds exactly one operator, found {len(given)}" + (f" ({', '.join(given)})" if given else ""))
        return data

    @property
    def operator(self) -> str:
        return next(name for name in OPERATORS if getattr(self, "not_" if name == "not" else name) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, "not_" if self.operator == "not" else self.operator)


for _model in (Count, Anchor, Node):
    _model.model_rebuild()


# -- rules and their examples ----------------------------------------------------------------------

_TURN_LINE = re.compile(r"^(?:\[(\d{1,5}):(\d{1,2}(?:\.\d{1,3})?)(?:-(\d{1,5}):(\d{1,2}(?:\.\d{1,3})?))?\]\s*)?(坐席|客服|客户)[:：]\s*(.*)$")


class ExampleTurn(StrictModel):
    role: Literal["agent", "customer"]
    text: str
    begin_ms: int | None = None
    end_ms: int | None = None
    hold: bool = False


def _ms(minutes: str | None, seconds: str | None) -> int | None:
    return None if minutes is None else round((int(minutes) * 60 + float(seconds or 0)) * 1000)


def _example_turn(line: str) -> ExampleTurn:
    """`"[1:05] 坐席: 让您久等了"` or `"[0:05-0:09] 客户: …"` (begin-end): the compact form rule
    authors write conversation examples in."""
    found = _TURN_LINE.match(line.strip())
    if not found:
        raise ValueError(f"example turn {shown(line)} must look like '坐席: …', '[m:ss] 客户: …' or '[m:ss-m:ss] 客户: …'")
    begin_min, begin_s, end_min, end_s, speaker, text = found.groups()
    if text:  # here, not in the model: its error would be a ValidationError of several lines
        text_within(text, "an example turn", "example_chars")
    return ExampleTurn(role="customer" if speaker == "客户" else "agent", text=text,
                       begin_ms=_ms(begin_min, begin_s), end_ms=_ms(end_min, end_s))


class ConversationExample(StrictModel):
    """One example conversation: its turns, and the channel and metadata it carries, if any."""

    turns: list[ExampleTurn] = Field(min_length=1)
    channel: Literal["call", "chat"] | None = None
    meta: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _compact(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = {"turns": value}
        if isinstance(value, dict) and isinstance(value.get("turns"), list):
            value = {**value, "turns": [_example_turn(t) if isinstance(t, str) else t for t in value["turns"]]}
        return value


class ConversationExamples(StrictModel):
    flag: list[ConversationExample] = Field(min_length=1)
    clean: list[ConversationExample] = Field(min_length=1)


class When(StrictModel):
    """Metadata filters: the rule applies only to conversations whose fields hold one of the
    values (`channel`, `agent_id`, or any column the input carries); a missing field skips the rule."""

    fields: dict[str, list[str]]

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data:
            raise ValueError("when is a mapping of field → value or list of values")
        fields = {}
        for key, values in data.items():
            values = values if isinstance(values, list) else [values]
            if not values or any(isinstance(v, (dict, list)) or v is None for v in values):
                raise ValueError(f"when.{key}: expected a value or a list of values")
            fields[str(key)] = [str(v) for v in values]
        return {"fields": fields}


PLACEHOLDERS = ("title", "labels", "matched", "seconds", "count", "total", "missing", "times", "overlap_ms", "rate")
_PLACEHOLDER = re.compile(r"{([^{}]*)}")


class ConversationRule(StrictModel):
    """A rule over a whole conversation: `check` says what is wrong, and its hits are the findings.

    `kind` labels the rule for templates (`match: {kinds: […]}`) and reports; `category` (the
    title by default) lets a template price it by category; `message` is the finding's text with
    `{title}` and what the hit carries (`{labels}`, `{seconds}`, `{count}`…), or a list of such
    texts: the first whose placeholders the hit fills is used.
    """

    id: str
    kind: str = "custom"
    title: str
    category: str | None = None
    severity: Severity
    why: str
    when: When | None = None
    check: Node
    report: Literal["every", "first"] = "every"
    message: str | list[str] = "{title}"
    suggest: list[str] = []
    source: Source | None = None
    examples: ConversationExamples

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "check" not in data:
            data = expand_preset(data)
        unknown = [k for k in data if k not in cls.model_fields]
        if unknown:
            raise ValueError(f"unknown field {_key(unknown[0])} (expected: {', '.join(cls.model_fields)})")
        return data

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        return kebab_id(value)

    @field_validator("kind")
    @classmethod
    def _label(cls, value: str) -> str:
        if not re.match(r"^[a-z][a-z0-9_-]*$", value):
            raise ValueError(f"kind {value!r} must be lower case a-z, 0-9, '_' or '-'")
        return value

    @field_validator("message")
    @classmethod
    def _placeholders(cls, value: str | list[str]) -> str | list[str]:
        for text in [value] if isinstance(value, str) else value:
            for name in _PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS:
                    raise ValueError(f"unknown placeholder {{{name}}} in {text!r} (known: {', '.join(PLACEHOLDERS)})")
        if not value:
            raise ValueError("message needs at least one text")
        return value

    @property
    def messages(self) -> tuple[str, ...]:
        return (self.message,) if isinstance(self.message, str) else tuple(self.message)

    @property
    def channels(self) -> list[str]:
        """The channels the rule is for (all when it names none)."""
        return (self.when.fields.get("channel") if self.when else None) or ["call", "chat"]
