"""A lexicon rule compiled against a normalizer: what the match and judge stages work with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ..lexicon import SEVERITY_RANK, Rule, WordList
from ..lexicon.limits import limits
from .pattern import CompiledPattern
from .normalize import Normalizer
from .wordlist import CompiledList, compile_list
from ..lexicon.patterns import ElementSpec, PatternSyntaxError, parse_pattern


class FormBudget:
    """The spellings and phonetic keys a lexicon compiles to, against the `forms` limit.  Word
    classes, regional forms and readings multiply what a pack writes (a class of 2,000 words named
    in every rule), so the total is checked as it grows, each pattern or list as it is built."""

    def __init__(self) -> None:
        self.left = limits().forms

    def spend(self, field: str, patterns: Iterable[CompiledPattern] = (), keys: int = 0) -> None:
        self.left -= keys + sum(len(a.keys) for p in patterns for e in p.elements for a in e.alternatives)
        if self.left < 0:
            raise ValueError(f"{field}: the lexicon compiles to too many spellings and phonetic keys; {limits().expected('forms')}")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    pack: str
    depth: int  # position of the pack in `extends` order: later packs are more specific
    patterns: tuple[CompiledPattern, ...]
    unless: tuple[tuple[CompiledPattern, str], ...]
    words: CompiledList | None = None  # a house word list's entries

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.rule.severity]

    @classmethod
    def compile(cls, rule: Rule, pack: str, depth: int, normalizer: Normalizer, classes: Mapping[str, Sequence[str]],
                word_list: WordList | None = None, budget: FormBudget | None = None) -> "CompiledRule":
        budget = budget or FormBudget()
        patterns = []
        for phrase in rule.phrases:
            patterns.append(CompiledPattern((ElementSpec((phrase,)),), normalizer, rule.phonetic))
            budget.spend("phrases", patterns[-1:])
        for source in rule.patterns:
            patterns.append(CompiledPattern(expand(source, classes, "patterns"), normalizer, rule.phonetic))
            budget.spend("patterns", patterns[-1:])
        unless = []
        for guard in rule.unless:
            unless.append((CompiledPattern(expand(guard.pattern, classes, "unless"), normalizer, phonetic=False), guard.scope))
            budget.spend("unless", (unless[-1][0],))
        words = None
        if word_list is not None:
            words = compile_list(word_list, normalizer, rule.phonetic, rule.phrase_list.regional,
                                 lambda keys: budget.spend("phrase_list", keys=keys))
        return cls(rule, pack, depth, tuple(patterns), tuple(unless), words)


def expand(source: str, classes: Mapping[str, Sequence[str]], field: str) -> tuple[ElementSpec, ...]:
    """A pattern with its word classes filled in; an unknown class names the field and pattern."""
    try:
        return parse_pattern(source, classes)
    except PatternSyntaxError as error:
        raise PatternSyntaxError(f"{field}: {source!r}: {error}") from None
