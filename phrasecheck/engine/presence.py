"""Which context patterns may have an anchor in a text at all, from one pass over it: the judge
skips searching the others."""

from __future__ import annotations

import functools
import operator
from itertools import compress
from typing import Callable, Iterable

from .automaton import KeyScanner
from .grams import COMPILED, first_characters
from .normalize import NormalizedText
from .pattern import CompiledPattern, keys_of


class AnchorPresence:
    """Which of many context patterns (`unless`, frames, the judge's word lists) may have an anchor
    key in a text, from one pass over it made on the first `search` that asks: judging a flagged
    message searches ~25 windows, and in nine of ten the pattern's anchor is nowhere in the text.
    The answer is a bit per pattern (`CompiledPattern.presence_bit`), each key's patterns one int.
    Compiled, the pass looks up each key's first three characters (`GramTable.union`: 0.6 µs where
    an Aho–Corasick scan of the 1,700 keys of `core` took 2.9): a pattern whose anchor only starts
    in the text (9.9 patterns a flagged STC-3 message where 9.2 are anchored) is searched and
    found absent there, as it would be without this test."""

    def __init__(self) -> None:
        self._owners: dict[str, int] = {}  # key → the bits of the patterns it anchors
        self._count = 0
        self._scan: Callable[[str], int] | None = None  # phon → bits, built on first use
        self._union: tuple | None = None  # (`GramTable.union`, its values), compiled on first use
        self._last: tuple[object, int] | None = None  # (text, anchored), set whole

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_scan": None, "_union": None, "_last": None}

    def add(self, pattern: CompiledPattern) -> None:
        pattern.presence, pattern.presence_bit = self, 1 << self._count
        self._count += 1
        for key in keys_of(pattern.elements[pattern.anchor]):
            self._owners[key] = self._owners.get(key, 0) | pattern.presence_bit
        self._scan = self._union = None

    def anchored(self, text: NormalizedText) -> int:
        """The bits of the patterns whose anchor is somewhere in the text (and, compiled, of a few
        whose anchor's first characters are)."""
        last = self._last
        if last is None or last[0] is not text:
            last = self._last = (text, (self._scan or self._built())(text.phon))
        return last[1]

    def compiled(self) -> tuple | None:
        """The compiled pass as (`GramTable.union`, its values), which `JudgeText` calls itself for
        its bits as bytes; None where it is not compiled."""
        if COMPILED and self._union is None:
            owners = list(self._owners.values())
            table, members = first_characters(list(self._owners))
            self._union = table.union, tuple(functools.reduce(operator.or_, (owners[key] for key in starting))
                                             for starting in members)
        return self._union

    def _built(self) -> Callable[[str], int]:
        compiled = self.compiled()
        if compiled is not None:
            union, values = compiled
            self._scan = lambda phon: union(phon, values)
        else:
            scanner = KeyScanner(self._owners)
            self._scan = lambda phon: _union(scanner, phon)
        return self._scan


def _union(scanner: KeyScanner, phon: str) -> int:
    owners, bits = scanner.values, 0
    for key, _, _ in scanner.matches(phon):
        bits |= owners[key]
    return bits


class Anchored(tuple):
    """Context patterns of one `AnchorPresence` (a list of the judge's: frames, mentions…), with
    the or of their bits: those a text may anchor, listed with one test when it anchors none
    (most texts, for most lists)."""

    def __new__(cls, patterns: Iterable[CompiledPattern], presence: AnchorPresence | None):
        self = super().__new__(cls, patterns)
        self.presence, self.mask = presence, 0
        self._bits = tuple(self.bit(pattern) for pattern in self)
        for bit in self._bits:
            self.mask |= bit
        return self

    def __reduce__(self):
        return Anchored, (tuple(self), self.presence)

    def bit(self, pattern: CompiledPattern) -> int:
        """The pattern's presence bit; -1 (always searched) when it is not of this presence."""
        return pattern.presence_bit if self.presence is not None and pattern.presence is self.presence else -1

    def live(self, text: NormalizedText) -> int:
        """The bits of the patterns whose anchor may be in the text (`AnchorPresence.anchored`);
        -1 when one of them is not of this presence."""
        if self.mask <= 0:
            return self.mask
        return self.presence.anchored(text) & self.mask

    def within(self, text: NormalizedText) -> list[CompiledPattern]:
        """The patterns whose anchor may be in the text; every one when one is not of this presence."""
        live = self.live(text)
        if live < 0:
            return list(self)
        return list(compress(self, map(live.__and__, self._bits))) if live else []
