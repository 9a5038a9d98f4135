"""House word lists compiled for the matcher: one cheap literal per entry.

A list has tens of thousands of entries and no examples, so no entry may cost more than its
folding: entries are folded in one joined pass, keyed by their spelling (by their phonetic forms
over every reading only when the rule asks `phonetic: true`), anchored on themselves (no jieba
frequency look-up, no pattern to parse), given regional forms only when the list asks, and kept
in parallel tuples rather than an object each.  The automaton build is then what a list costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from ..errors import LexiconError
from ..lexicon import WordList
from ..lexicon.limits import shown
from .normalize import PLACEHOLDERS, NormalizedText, Normalizer
from .pattern import PatternMatch, fail, guess_problem
from .spellings import count_mismatches, phonetic_allowance
from .tables import utf16_units


def code_units(text: str) -> str:
    """`text` as two symbols a character (`utf16_units` as Latin-1; a character beyond the BMP,
    U+FFFD, left to verification): the alphabet an exact list's automaton is built on.

    Over the characters themselves a node of a 65,000-word automaton has thousands of children,
    and the scan of an STC-3 message took 18 µs; over code units (no node with more than 256) it
    takes 5, and phonetic keys would make every homophone of an entry a candidate."""
    return utf16_units(text).decode("latin-1")


@dataclass(frozen=True)
class CompiledList:
    """A list's entries, folded and keyed; an entry is its index into these tuples.  Each entry is
    verified as a one-element literal is (`CompiledPattern.match_at`)."""

    words: WordList
    texts: tuple[str, ...]  # as the list writes them; the first of entries that fold the same
    norms: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]  # each entry's `code_units`; with `phonetic`, its phonetic keys
    lines: tuple[int, ...]
    suggests: tuple[str | None, ...] | None
    phonetic: bool
    duplicates: int  # entries dropped because an earlier one folds the same
    size: int  # the list's own entries: the first `size` of `texts`, regional forms after them

    def allowance(self, entry: int) -> int:
        return phonetic_allowance(len(self.norms[entry])) if self.phonetic else 0

    def match_at(self, text: NormalizedText, entry: int, start: int, reasons: list[str] | None = None) -> PatternMatch | None:
        norm = self.norms[entry]
        end = start + len(norm)
        if not self.phonetic:  # spelled as the list spells it, or no match
            if text.norm.startswith(norm, start):
                return PatternMatch(start, end, ((start, end),), 0, 0)
            return fail(reasons, lambda: f"{text.norm[start:end]!r} is not spelled {norm!r}")
        mismatches = count_mismatches(text.norm, start, norm)
        if mismatches > self.allowance(entry):
            return fail(reasons, lambda: f"{text.norm[start:end]!r} sounds like {norm!r} but differs in {mismatches} characters")
        placeholders = len(PLACEHOLDERS.findall(text.norm, start, end)) if text.rewrite else 0
        if mismatches or placeholders:
            problem = guess_problem(end - start, mismatches, placeholders)
            if problem:
                return fail(reasons, lambda: problem)
        return PatternMatch(start, end, ((start, end),), mismatches, placeholders)

    def suggest(self, entry: int) -> tuple[str, ...]:
        line = self.suggests[entry] if self.suggests else None
        return (line,) if line else ()

    def cite(self, entry: int) -> str:
        return self.words.cite(self.lines[entry])


def compile_list(words: WordList, normalizer: Normalizer, phonetic: bool = False, regional: bool = False,
                 spend: Callable[[int], None] = lambda keys: None) -> CompiledList:
    """Every entry folded, deduplicated after folding and keyed; an entry that folds to nothing
    is an error naming the file and its line.  `spend` is told how many keys are about to be
    made, before they are (regional forms and readings multiply a long list)."""
    spend(len(words.entries))  # a key each, at least: a list past the limit stops before it is folded
    folded = normalizer.fold_many(words.entries)
    first = dict(zip(folded, range(len(folded))))  # C speed; right when nothing folds the same
    if len(first) < len(folded):  # else the first of each, in list order
        first = {}
        for index, norm in enumerate(folded):
            first.setdefault(norm, index)
    if "" in first:
        index = first[""]
        raise LexiconError(f"{words.where(words.lines[index])}: entry {shown(words.entries[index])} is empty once folded "
                           "(only punctuation, symbols or spaces)")
    kept = list(first.values())
    texts = [words.entries[i] for i in kept]
    lines = [words.lines[i] for i in kept]
    suggests = [words.suggests[i] for i in kept] if words.suggests else None
    norms = list(first)
    if regional:  # each regional form an entry of its own, named by the entry it comes from
        for index in range(len(kept)):
            forms = normalizer.spoken_forms(texts[index])[1:]
            spend(len(forms))
            for form in forms:
                norm = normalizer.fold(form)
                if norm and norm not in first:
                    first[norm] = -1
                    norms.append(norm)
                    texts.append(texts[index])
                    lines.append(lines[index])
                    if suggests is not None:
                        suggests.append(suggests[index])
    if phonetic:
        keys = tuple(_phonetic_keys(normalizer, norms, spend))
    else:  # one key each, made in one joined pass (folded text holds no line break)
        units = code_units("\n".join(norms)).split("\x00\n")
        keys = tuple(zip(units if len(units) == len(norms) else map(code_units, norms)))
    return CompiledList(words, tuple(texts), tuple(norms), keys, tuple(lines),
                        tuple(suggests) if suggests is not None else None, phonetic, len(words.entries) - len(kept), len(kept))


def _phonetic_keys(normalizer: Normalizer, norms: Iterable[str], spend: Callable[[int], None]) -> Iterator[tuple[str, ...]]:
    """Each entry's phonetic keys over its readings; the keys beyond one per entry (already
    counted) are told to `spend` as they are made."""
    for norm in norms:
        if phonetic_allowance(len(norm)):
            keys = normalizer.phonetic_variants(norm)
            spend(len(keys) - 1)
            yield keys
        else:
            yield (normalizer.phonetic(norm),)
