"""Where the judge's context patterns (`unless` contexts, reported-speech frames) have their anchors
in one text, found by one scan for all of them: searching each pattern spelling by spelling cost a
`find` per key, ~90 of them for a flagged message of 70 characters."""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable

from .automaton import KeyScanner
from .normalize import NormalizedText
from .pattern import Alternative, CompiledPattern, PatternMatch

Anchor = tuple[int, int, int, int, Alternative]  # alternative's number, key's number, start, end, alternative


class ContextIndex:
    def __init__(self, patterns: Iterable[CompiledPattern]):
        self._numbers: dict[CompiledPattern, int] = {}
        table: dict[str, list[tuple[int, int, int, Alternative]]] = {}
        for pattern in patterns:
            if pattern in self._numbers:
                continue
            number = self._numbers[pattern] = len(self._numbers)
            for which, alternative in enumerate(pattern.elements[pattern.anchor].alternatives):
                for key_number, key in enumerate(alternative.keys):
                    table.setdefault(key, []).append((number, which, key_number, alternative))
        self._scanner = KeyScanner({key: tuple(values) for key, values in table.items()})

    def anchors(self, phon: str) -> dict[int, tuple[list[int], list[Anchor]]]:
        """Every anchor of every indexed pattern in `phon`, by pattern, ordered by start (with the
        starts apart, so a search finds its window by bisection: a long text holds many)."""
        found: dict[int, list[Anchor]] = {}
        values = self._scanner.values
        for key, start, end in self._scanner.matches(phon):
            for number, which, key_number, alternative in values[key]:
                found.setdefault(number, []).append((which, key_number, start, end, alternative))
        ordered = {}
        for number, anchors in found.items():
            anchors.sort(key=_start)
            ordered[number] = ([anchor[2] for anchor in anchors], anchors)
        return ordered

    def search(self, pattern: CompiledPattern, text: NormalizedText, anchors: dict[int, tuple[list[int], list[Anchor]]],
               low: int, high: int) -> list[PatternMatch]:
        """`pattern.search(text, low, high)`, in the same order (spelling by spelling, key by key,
        left to right), from the anchors found in `text`."""
        number = self._numbers.get(pattern)
        if number is None:
            return pattern.search(text, low, high)
        found = anchors.get(number)
        if not found:
            return []
        starts, ordered = found
        window = ordered[bisect_left(starts, low) : bisect_left(starts, high)]
        inside = sorted((a for a in window if a[3] <= high), key=lambda a: a[:3])
        return [match for which, _, start, _, alternative in inside
                if (match := pattern.match_at(text, alternative, start)) is not None]


def _start(anchor: Anchor) -> int:
    return anchor[2]
