"""What every part of the pack schema checks the same way: ids, seed citations, patterns, the
texts the matcher compiles or runs (present, within their limits), and the characters the
engine reserves for itself."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .limits import limits, shown
from .patterns import PatternSyntaxError, parse_pattern

Severity = Literal["info", "warning", "error", "critical"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}
_RULE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_CHARS = 80
# Control characters (the engine's clause marks among them), surrogates and the private use
# area (where the engine keeps its phonetic classes): never part of a word a pack can mean.
_RESERVED = frozenset(("Cc", "Cs", "Co"))


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(StrictModel):
    """Where in the seed standards a rule or phrase comes from."""

    seed: str = Field(pattern=r"^\d{3}$")
    line: str = Field(pattern=r"^\d+(?:[-/]\d+)*$", max_length=100)
    note: str | None = None

    def __str__(self) -> str:
        return f"seed {self.seed}, line {self.line}"


def kebab_id(value: str) -> str:
    if len(value) > MAX_ID_CHARS or not _RULE_ID.match(value):
        raise ValueError(f"rule id {shown(value)} must be kebab-case (a-z, 0-9, '-'), at most {MAX_ID_CHARS} characters")
    return value


def check_pattern(source: str) -> str:
    try:
        parse_pattern(source)
    except PatternSyntaxError as error:
        raise ValueError(f"bad pattern {shown(source)}: {error}") from None
    return source


def unreserved(value: str, what: str) -> str:
    """A text that goes into the fold table (a filler, a variant, a regional form): none of the
    characters the engine reserves, else its folded text could hold a mark it does not expect."""
    reserved = next((ch for ch in value if unicodedata.category(ch) in _RESERVED), None)
    if reserved is not None:
        raise ValueError(f"{what} {shown(value)} holds the control or private-use character {reserved!r}")
    return value


def text_within(value: str, what: str, limit: str) -> str:
    """A text the matcher compiles or runs: not blank, within `limit`."""
    if not value.strip():
        raise ValueError(f"{what} is empty; expected some text")
    most = getattr(limits(), limit)
    if len(value) > most:
        raise ValueError(f"{what} {shown(value)} has {len(value):,} characters; {limits().expected(limit, ' characters')}")
    return value


def phrase(value: str, what: str = "a phrase") -> str:
    return text_within(value, what, "phrase_chars")


def example(value: str) -> str:
    return text_within(value, "an example", "example_chars")


def has_word_character(text: str) -> bool:
    """Whether `text` has a letter, digit or ideograph: punctuation and spaces alone fold to nothing."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def listed(value, field: str) -> list:
    """A before-validator's view of a list field: a list as it is; anything else is an error
    saying what was expected (validators that iterate must not meet an int)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{field} must be a list, got {type(value).__name__}")
    return value
