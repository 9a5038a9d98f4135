"""An element's spellings as a pattern holds them: each written alternative folded, with the
phonetic keys it is found by and the homophones it may hold (`Alternative`), grouped into the
pattern's elements (`Element`), an element of many spellings with its own index of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import ahocorasick

from ..lexicon.patterns import ElementSpec
from .normalize import Normalizer

INDEXED_KEYS = 8  # more keys than this: search the element with an automaton
_PLACEHOLDER_LOW, _PLACEHOLDER_HIGH = "\ue000", "\uefff"  # PLACEHOLDERS, compared inline in the hot loop


def phonetic_allowance(length: int) -> int:
    """How many characters of a match may differ (as homophones) and still count."""
    if length < 3:
        return 0
    return 1 if length < 7 else 2


def element_allowance(length: int) -> int:
    """Per element: one homophone in a two-character word is fine *inside a longer pattern*
    (「电老打出来的怎么会错」); the whole match is then held to `phonetic_allowance`."""
    return 1 if length == 2 else phonetic_allowance(length)


@dataclass(frozen=True, slots=True)
class Alternative:
    norm: str
    keys: tuple[str, ...]  # phonetic keys over the characters' alternative readings
    allowance: int

    def __reduce__(self):  # dataclasses pickle a frozen slotted class via fields() per object: slow at 25,000
        return Alternative, (self.norm, self.keys, self.allowance)


class SpellingIndex:
    """An element's spellings by phonetic key, found with one automaton over a window.  The
    automaton is built on the first search and the index pickles as its table: a pack holds
    hundreds, most never searched in a run, and building and pickling them all was a tenth of
    compiling a pack and of storing it."""

    __slots__ = ("_table", "_automaton")

    def __init__(self, table: dict[str, tuple[int, tuple[Alternative, ...]]]):
        self._table = table  # key → (its length, the spellings it is a key of)
        self._automaton: ahocorasick.Automaton | None = None

    def __reduce__(self):
        return SpellingIndex, (self._table,)

    def iter(self, text: str):
        """(end index, (length, spellings)) of each key in `text`, as pyahocorasick's `iter`."""
        automaton = self._automaton
        if automaton is None:
            automaton = ahocorasick.Automaton()
            for key, value in self._table.items():
                automaton.add_word(key, value)
            automaton.make_automaton()
            self._automaton = automaton
        return automaton.iter(text)


@dataclass(frozen=True, slots=True)
class Element:
    alternatives: tuple[Alternative, ...]
    optional: bool
    gap_before: int
    break_before: bool
    break_after: bool
    # An element with many spellings (a word class, regional forms) is looked for with its own
    # small automaton, one C-level pass over the gap window instead of a find per spelling.
    index: SpellingIndex | None = None
    longest: int = 0

    def __reduce__(self):  # as Alternative's
        return Element, (self.alternatives, self.optional, self.gap_before, self.break_before, self.break_after,
                         self.index, self.longest)

    @property
    def shortest(self) -> int:
        return min(len(a.norm) for a in self.alternatives)


def element_of(alternatives: Sequence[Alternative], spec: ElementSpec, shared: dict) -> Element:
    spelled = tuple(alternatives)
    built = shared.get(spelled)
    if built is None:  # the index of these spellings, built once for every pattern naming them
        by_key: dict[str, list[Alternative]] = {}
        for alternative in spelled:
            for key in alternative.keys:
                by_key.setdefault(key, []).append(alternative)
        index = SpellingIndex({key: (len(key), tuple(found)) for key, found in by_key.items()}) if len(by_key) > INDEXED_KEYS else None
        built = shared[spelled] = (index, max(len(a.norm) for a in spelled))
    return Element(spelled, spec.optional, spec.gap_before, spec.break_before, spec.break_after, *built)


def alternatives_of(text: str, normalizer: Normalizer, phonetic: bool | str, shared: dict) -> tuple[Alternative, ...]:
    """A written alternative's spellings: folded, with its phonetic keys, and (for a phonetic
    rule) its regional forms; made once per text for every pattern that names it."""
    found = shared.get((text, phonetic))
    if found is not None:
        return found
    norm = normalizer.fold(text)
    if not norm:
        raise ValueError(f"{text!r} is empty once folded (only punctuation or skip characters)")
    allowance = element_allowance(len(norm)) if phonetic is True or (phonetic == "long" and len(norm) >= 3) else 0
    # Alternatives too short for a homophone need only the key of their own spelling.
    keys = normalizer.phonetic_variants(norm) if allowance else (normalizer.phonetic(norm),)
    alternatives = [Alternative(norm, keys, allowance)]
    if phonetic:  # rule literals also in regional speech, spelled exactly (no homophones of dialect)
        for form in normalizer.spoken_forms(text)[1:]:
            folded = normalizer.fold(form)
            if folded:  # a regional form of fillers only would match everywhere
                alternatives.append(Alternative(folded, (normalizer.phonetic(folded),), 0))
    found = shared[(text, phonetic)] = tuple(alternatives)
    return found


def count_mismatches(norm: str, start: int, literal: str) -> int:
    """Characters that differ from the literal's; a placeholder does not (its key matched).  Most
    hits are spelled as the literal: one string comparison settles those."""
    written = norm[start : start + len(literal)]
    if written == literal:
        return 0
    return sum(1 for a, b in zip(written, literal) if a != b and not _PLACEHOLDER_LOW <= a <= _PLACEHOLDER_HIGH)
