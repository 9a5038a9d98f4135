"""The category model's n-grams in a text: the sums that bound its scores, and its scores.

Every checked text is bounded by the model, so this is on the hot path.  The install compiles
`_native.c` (see `hatch_build.py`): one pass over the characters, hashing each substring of the
model's n-gram lengths, ~3 µs for a 50-character message.  Without a C compiler the same answers
come from an Aho–Corasick scan and sums in Python, ~3× slower; `COMPILED` says which is in use.
Both visit hits in the scan's order (by end, the longest first at one end) and sum the weights
of the n-grams present in the order first met, so their probabilities are identical.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from array import array
from dataclasses import dataclass
from functools import partial
from typing import Protocol, Sequence

from .automaton import KeyScanner

try:
    from ._native import GramTable
except ImportError:  # not compiled (no C compiler at install time): the scanned fallback below
    GramTable = None

COMPILED = GramTable is not None
_END = operator.itemgetter(2)  # where a hit (key, start, end) ends
_LONGEST, _CATEGORIES = 16, 64  # the most the compiled table takes; a model with more is scanned
PACKED_LENGTH = 3  # the compiled table looks up keys of up to three characters of the BMP packed whole: fastest


@dataclass(frozen=True, slots=True)
class Layout:
    """How a long call is cut into windows of clauses (`clause_windows`)."""

    sentence_mark: str
    clause_mark: str
    long_sentence: int  # characters: a sentence longer than this is cut into windows
    width: int  # characters a window of several clauses holds at most
    shortest: int  # characters a window needs
    longest: int  # characters a window may hold (one clause may be longer than `width`)


def clause_windows(marked: str, layout: Layout) -> list[tuple[int, int]]:
    """In each sentence over `long_sentence` characters (a call transcribed without stops: only
    its pauses part it), the runs of whole clauses of at most `width` characters that start at
    each clause, as offsets of the text without its marks: the model scores each on its own, so a
    rude clause is judged with the clauses after it and, in the run of an earlier clause, with
    those before it, never only as packed with whatever preceded it."""
    windows, position = [], 0
    for sentence in marked.split(layout.sentence_mark):
        clauses = sentence.split(layout.clause_mark)
        length = len(sentence) - len(clauses) + 1
        if len(clauses) > 1 and length > layout.long_sentence:
            edges = list(itertools.accumulate(map(len, clauses), initial=position))
            last = 0
            for first in range(len(clauses)):
                if not clauses[first]:
                    continue  # marks in a row: the next clause's run
                last = max(last, first + 1)
                while last < len(clauses) and edges[last + 1] - edges[first] <= layout.width:
                    last += 1
                if layout.shortest <= edges[last] - edges[first] <= layout.longest:
                    windows.append((edges[first], edges[last]))
        position += length
    return windows


class Sums(Protocol):
    """A text's n-gram weights over its stretches [start, end): the n-grams lying wholly inside."""

    def rising(self, start: int = 0, end: int | None = None) -> float:
        """The positive weights, each time met."""

    def bound(self, start: int, end: int) -> float:
        """Never below the score of the stretch: its positive weights each time met, its strongly
        negative ones once each (as the score counts them)."""


class Grams(Protocol):
    def sums(self, text: str) -> Sums: ...

    def total(self, text: str, start: int, end: int) -> float:
        """What text[start:end] scores: the weights of its n-grams, each once, summed in the order
        first met (the model was trained on presence, so 「自己…自己…自己」 must not weigh three
        times)."""

    def totals(self, text: str, start: int, end: int) -> tuple[float, int]:
        """`total`, and the index of the category whose bias plus the n-grams' weights is highest."""

    def scored(self, text: str, spans: list[tuple[int, int]], bias: float,
               threshold: float) -> list[tuple[int, int, float, int]]:
        """(start, end, probability, category) of each span whose probability, the `sigmoid` of
        `bias` plus its `totals`, reaches `threshold`: a model's sentences scored in one call."""

    def windows(self, marked: str, folded: str, layout: Layout, floor: float) -> list[tuple[int, int]]:
        """The windows of `marked` (`clause_windows`) whose bound in `folded` (the text without
        its marks) reaches `floor`; none, without cutting, when the text's rising weights all
        together fall short."""

    def live(self, text: str, mark: str, floor: float, shortest: int, longest: int) -> list[tuple[int, int]]:
        """The stretches of `text` between `mark`s, of `shortest` to `longest` characters, whose
        `Sums.bound` reaches `floor`, as offsets of the text without its marks: the sentences
        worth scoring, most often none."""


def first_characters(keys: Sequence[str]) -> tuple[GramTable, tuple[tuple[int, ...], ...]]:
    """A compiled table of the keys' first `PACKED_LENGTH` characters, and the indexes of the keys
    beginning with each of them, in table order: what finds where keys may start in one pass
    (`presence.AnchorPresence`, `CompiledPattern.search`)."""
    starting: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        starting.setdefault(key[:PACKED_LENGTH], []).append(index)
    return GramTable(list(starting), [0.0] * len(starting)), tuple(map(tuple, starting.values()))


def sigmoid(value: float) -> float:
    """The logistic function, clamped to ±60 (as the compiled `scored` computes it)."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, value))))


def grams_of(keys: Sequence[str], weights: array, strongly_negative: float, columns: array,
             category_bias: array) -> Grams:
    """The compiled table when there is one and the n-grams fit it, else the scanned fallback.
    Weights under `strongly_negative` count in a bound (once each); other negative ones do not.
    `columns`: each key's weight per category, key by key (as many as `category_bias`)."""
    if COMPILED and all(0 < len(key) <= _LONGEST for key in keys) and len(category_bias) <= _CATEGORIES:
        return _Compiled(keys, weights, strongly_negative, columns, category_bias)
    return _Scanned(keys, weights, strongly_negative, columns, category_bias)


class _Compiled:
    """Built on first use, and pickled as its keys and weights (a pack's compiled form holds the
    model; the C table does not pickle), to be read back by whatever the reading install has."""

    def __init__(self, keys: Sequence[str], weights: array, strongly_negative: float, columns: array,
                 category_bias: array):
        self._made_of = (list(keys), weights, strongly_negative, columns, category_bias)
        self._below = strongly_negative
        self._table = None

    def __reduce__(self):
        return grams_of, self._made_of

    def _built(self):
        if self._table is None:
            keys, weights, _, columns, category_bias = self._made_of
            self._table = GramTable(keys, weights, columns, category_bias)
        return self._table

    def sums(self, text: str) -> Sums:
        return _CompiledSums(self._table or self._built(), text, self._below)

    def total(self, text: str, start: int, end: int) -> float:
        return (self._table or self._built()).total(text, start, end)

    def totals(self, text: str, start: int, end: int) -> tuple[float, int]:
        return (self._table or self._built()).totals(text, start, end)

    def scored(self, text: str, spans: list[tuple[int, int]], bias: float,
               threshold: float) -> list[tuple[int, int, float, int]]:
        return (self._table or self._built()).scored(text, spans, bias, threshold)

    def live(self, text: str, mark: str, floor: float, shortest: int, longest: int) -> list[tuple[int, int]]:
        return (self._table or self._built()).live(text, mark, self._below, floor, shortest, longest)

    def windows(self, marked: str, folded: str, layout: Layout, floor: float) -> list[tuple[int, int]]:
        return (self._table or self._built()).windows(marked, folded, layout.sentence_mark, layout.clause_mark,
                                                      layout.long_sentence, layout.width, layout.shortest,
                                                      layout.longest, self._below, floor)

    def compiled(self, mark: str, floor: float, shortest: int, longest: int, layout: Layout, window_floor: float):
        """`live` and `windows` as the table's functions and their arguments after the text(s)."""
        table = self._table or self._built()
        return ((table.live, (mark, self._below, floor, shortest, longest)),
                (table.windows, (layout.sentence_mark, layout.clause_mark, layout.long_sentence, layout.width,
                                 layout.shortest, layout.longest, self._below, window_floor)))

    def compiled_candidates(self, *arguments):
        """The table's `candidates` with `arguments` before the text and its bounds."""
        return partial((self._table or self._built()).candidates, *arguments)


class _CompiledSums:
    __slots__ = ("_table", "_text", "_below")

    def __init__(self, table, text: str, below: float):
        self._table, self._text, self._below = table, text, below

    def rising(self, start: int = 0, end: int | None = None) -> float:
        return self._table.rising(self._text, start, len(self._text) if end is None else end)

    def bound(self, start: int, end: int) -> float:
        return self._table.bound(self._text, self._below, start, end)


class _Scanned:
    def __init__(self, keys: Sequence[str], weights: array, strongly_negative: float, columns: array,
                 category_bias: array):
        self._made_of = (list(keys), weights, strongly_negative, columns, category_bias)
        self._features = KeyScanner(dict.fromkeys(keys))  # read by key index only
        # For the bounds: what can raise a score (a quarter of the hits in real text), and the few
        # n-grams that lower it a lot (您好, 请您…), without which half of all texts passed them.
        self._bounding = KeyScanner({key: weight for key, weight in zip(keys, weights)
                                     if weight > 0 or weight < strongly_negative})

    def __reduce__(self):
        return grams_of, self._made_of  # compiled where the reading install has the table

    def compiled(self, *arguments) -> None:
        return None  # scanned: nothing compiled to call

    def sums(self, text: str) -> Sums:
        return _ScannedSums(self._bounding.matches(text), self._bounding.values)

    def _present(self, text: str, start: int, end: int) -> list[int]:
        """The keys inside text[start:end], each once, in the order first met."""
        return list(dict.fromkeys(key for key, _, _ in self._features.matches(text[start:end])))

    def total(self, text: str, start: int, end: int) -> float:
        weights = self._made_of[1]
        return sum([weights[key] for key in self._present(text, start, end)])

    def totals(self, text: str, start: int, end: int) -> tuple[float, int]:
        _, weights, _, columns, category_bias = self._made_of
        present = self._present(text, start, end)
        width = len(category_bias)
        by_category = [sum(column) for column in zip(category_bias, *(columns[key * width:(key + 1) * width]
                                                                      for key in present))]
        return sum([weights[key] for key in present]), max(range(width), key=by_category.__getitem__)

    def scored(self, text: str, spans: list[tuple[int, int]], bias: float,
               threshold: float) -> list[tuple[int, int, float, int]]:
        found = []
        for start, end in spans:
            total, category = self.totals(text, start, end)
            if (probability := sigmoid(bias + total)) >= threshold:
                found.append((start, end, probability, category))
        return found

    def live(self, text: str, mark: str, floor: float, shortest: int, longest: int) -> list[tuple[int, int]]:
        sums = self.sums(text)
        if sums.rising() < floor:
            return []  # not even every positive weight of the text together reaches it (most texts)
        found, position, marked = [], 0, 0
        for sentence in text.split(mark):
            end = position + len(sentence)
            if shortest <= len(sentence) <= longest and sums.bound(marked, marked + len(sentence)) >= floor:
                found.append((position, end))
            position, marked = end, marked + len(sentence) + 1
        return found

    def windows(self, marked: str, folded: str, layout: Layout, floor: float) -> list[tuple[int, int]]:
        sums = self.sums(folded)
        if sums.rising() < floor:
            return []
        return [(start, end) for start, end in clause_windows(marked, layout) if sums.bound(start, end) >= floor]


class _ScannedSums:
    """One scan of the text; a stretch is bounded by the hits lying wholly inside it."""

    def __init__(self, found: list[tuple[int, int, int]], gains: list[float]):
        self._found, self._gains = found, gains

    def _inside(self, start: int, end: int | None) -> list[tuple[int, int, int]]:
        found = self._found
        if start == 0 and (end is None or not found or found[-1][2] <= end):
            return found
        first = bisect.bisect_right(found, start, key=_END)  # hits ending by `start` lie before it
        last = len(found) if end is None else bisect.bisect_right(found, end, lo=first, key=_END)
        return [hit for hit in found[first:last] if hit[1] >= start]

    def rising(self, start: int = 0, end: int | None = None) -> float:
        gains = self._gains
        return sum([gains[key] for key, _, _ in self._inside(start, end) if gains[key] > 0])

    def bound(self, start: int, end: int) -> float:
        gains, inside = self._gains, self._inside(start, end)
        rising = sum([gains[key] for key, _, _ in inside if gains[key] > 0])
        return rising + sum([gains[key] for key in dict.fromkeys([key for key, _, _ in inside if gains[key] < 0])])
