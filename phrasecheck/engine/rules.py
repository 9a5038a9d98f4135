"""A lexicon rule compiled against a normalizer: what the match and judge stages work with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from ..lexicon import SEVERITY_RANK, Rule, WordList
from .pattern import CompiledPattern
from .normalize import Normalizer
from .wordlist import CompiledList, compile_list
from ..lexicon.patterns import ElementSpec, PatternSyntaxError, parse_pattern


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
    def compile(cls, rule: Rule, pack: str, depth: int, normalizer: Normalizer,
                classes: Mapping[str, Sequence[str]], word_list: WordList | None = None) -> "CompiledRule":
        patterns = [CompiledPattern((ElementSpec((phrase,)),), normalizer, rule.phonetic) for phrase in rule.phrases]
        patterns += [CompiledPattern(expand(source, classes, "patterns"), normalizer, rule.phonetic) for source in rule.patterns]
        unless = tuple(
            (CompiledPattern(expand(u.pattern, classes, "unless"), normalizer, phonetic=False), u.scope) for u in rule.unless
        )
        words = None
        if word_list is not None:
            words = compile_list(word_list, normalizer, rule.phonetic, rule.phrase_list.regional)
        return cls(rule, pack, depth, tuple(patterns), unless, words)


def expand(source: str, classes: Mapping[str, Sequence[str]], field: str) -> tuple[ElementSpec, ...]:
    """A pattern with its word classes filled in; an unknown class names the field and pattern."""
    try:
        return parse_pattern(source, classes)
    except PatternSyntaxError as error:
        raise PatternSyntaxError(f"{field}: {source!r}: {error}") from None
