"""A lexicon rule compiled against a normalizer: what the match and judge stages work with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Mapping, Sequence

from ..lexicon import SEVERITY_RANK, Rule, WordList
from ..lexicon.limits import limits, shown
from .pattern import CompiledPattern
from .presence import Anchored
from .normalize import Normalizer
from .wordlist import CompiledList, compile_list
from ..lexicon.patterns import ElementSpec, PatternSyntaxError, parse_pattern


class PatternCompiler:
    """Compiles a lexicon's patterns against its normalizer and word classes, each pattern and
    spelling once however often the packs name it, and counts what the lexicon compiles to against
    the `forms` limit as it grows: word classes, regional forms and readings multiply what a pack
    writes (a class of 2,000 words named in every rule, every courtesy line in every conversation
    rule), so each use of a pattern counts its spellings and keys."""

    def __init__(self, normalizer: Normalizer, classes: Mapping[str, Sequence[str]]):
        self.normalizer = normalizer
        self.classes = classes
        self._left = limits().forms
        self._shared: dict = {}  # spellings and element indexes already built (`CompiledPattern`)
        self._compiled: dict[tuple, tuple[CompiledPattern, int]] = {}  # (source, phonetic) → pattern, its forms

    def pattern(self, source: str | tuple[ElementSpec, ...], field: str, phonetic: bool | str) -> CompiledPattern:
        """A pattern's source (or its elements), compiled and counted; errors name `field`."""
        found = self._compiled.get((source, phonetic))
        if found is None:
            specs = expand(source, self.classes, field) if isinstance(source, str) else source
            compiled = CompiledPattern(specs, self.normalizer, phonetic, self._shared)
            found = self._compiled[(source, phonetic)] = (compiled, sum(len(a.keys) for e in compiled.elements for a in e.alternatives))
        self.spend(field, found[1])
        return found[0]

    def spend(self, field: str, keys: int) -> None:
        self._left -= keys
        if self._left < 0:
            raise ValueError(f"{field}: the lexicon compiles to too many spellings and phonetic keys; {limits().expected('forms')}")


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    pack: str
    depth: int  # position of the pack in `extends` order: later packs are more specific
    patterns: tuple[CompiledPattern, ...]
    unless: tuple[tuple[CompiledPattern, str, bool], ...]  # (context, scope, pattern hits only)
    words: CompiledList | None = None  # a house word list's entries

    @property
    def id(self) -> str:
        return self.rule.id

    @cached_property
    def reported(self) -> tuple[tuple[str, ...], str]:
        """What a violation of the rule reports besides its words: its standard lines, and where
        the rule comes from (`Rule.origin`)."""
        return tuple(self.rule.suggest), self.rule.origin

    @cached_property
    def ranking(self) -> tuple[int, int, bool]:
        """What ranks the rule's hits against others' where they overlap (`judge._ranked`): its
        severity (most severe first), its pack (the most specific first), and whether it is not
        a rule for an explicit 禁止说 pair."""
        return -self.rank, -self.depth, self.rule.pair is None

    @cached_property
    def guards(self) -> tuple[tuple[Anchored, tuple], tuple[Anchored, tuple]]:
        """The `unless` contexts judging a pattern's hit, then a model's (not those for pattern hits
        only): the contexts as one `presence.Anchored` (a hit whose text anchors none of them is
        past them in one test: three hits in four on STC-3), and each as (its bit there, context,
        scope, reach)."""
        presence = self.unless[0][0].presence if self.unless else None

        def guarded(contexts):
            anchored = Anchored([pattern for pattern, *_ in contexts], presence)
            return anchored, tuple((anchored.bit(pattern), pattern, scope, reach) for pattern, scope, _, reach in contexts)
        return guarded(self.unless), guarded([c for c in self.unless if not c[2]])

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.rule.severity]

    @classmethod
    def compile(cls, rule: Rule, pack: str, depth: int, compiler: PatternCompiler,
                word_list: WordList | None = None) -> "CompiledRule":
        patterns = [compiler.pattern((ElementSpec((phrase,)),), "phrases", rule.phonetic) for phrase in rule.phrases]
        patterns += [compiler.pattern(source, "patterns", rule.phonetic) for source in rule.patterns]
        unless = tuple((compiler.pattern(guard.pattern, "unless", phonetic=False), guard.scope, guard.patterns_only, guard.reach)
                       for guard in rule.unless)
        words = None
        if word_list is not None:
            words = compile_list(word_list, compiler.normalizer, rule.phonetic, rule.phrase_list.regional,
                                 lambda keys: compiler.spend("phrase_list", keys))
        return cls(rule, pack, depth, tuple(patterns), unless, words)


def expand(source: str, classes: Mapping[str, Sequence[str]], field: str) -> tuple[ElementSpec, ...]:
    """A pattern with its word classes filled in; an unknown class names the field and pattern."""
    try:
        return parse_pattern(source, classes)
    except PatternSyntaxError as error:
        raise PatternSyntaxError(f"{field}: {shown(source, 80)}: {error}") from None
