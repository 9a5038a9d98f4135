"""Stage 5: the standard line for each violation and the rewritten utterance.

A rewrite must read as Chinese.  When the offending words are most of their clause (「可这事不归我管，
找别人去」), the clause goes, not only the words, so no fragment such as 「可这事」 dangles before the
standard line; when those clauses are the whole message, the standard line is the rewrite.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from operator import attrgetter
from dataclasses import dataclass
from typing import Sequence

from .normalize import NormalizedText

try:
    from ._native import rewritten as _compiled
except ImportError:  # not compiled: `Separators` and `rewrite` below serve
    _compiled = None

WHOLE = 0.6  # a hit covering this share of its clauses replaces them whole
_TRAILING = "。.!！?？,，;；~～ "
_BETWEEN = "、：:…\n\t\u3000"  # with _TRAILING, what may stand between two stretches given one line
_QUESTION = "？?"
_QUESTION_ENDS = tuple(_QUESTION)
_MARKS = _QUESTION + "！!"  # the run of them after a rude question goes with it
_SPACE = re.compile(r"\s")
_START = attrgetter("start")
_STOP = "。"  # ends a standard line that replaces a question but asks none
# What the compiled rewrite reads of the above, so that both ways test the same characters.
_SETTINGS = (WHOLE, _TRAILING, _TRAILING + _BETWEEN, _QUESTION, _MARKS, _STOP)


def rewritten(text: NormalizedText, clause_edges: list[int], hits: list[tuple[int, int, str]]) -> str | None:
    """The message with each hit's standard line in its place: `hits` are (start, end, line), the
    folded span of each violation that has a standard line; `clause_edges` where the text's
    clauses and sentences end (`Regions.edges`).  One compiled call where the extension is built
    (`_rewrite.c`): a flagged message's `Separators.replacement` and `rewrite` took some 340
    bytecodes in Python."""
    if not hits:
        return None
    if _compiled is not None:
        return _compiled(text.original, text.starts, text.ends, len(text.norm), clause_edges, hits, _SETTINGS)
    separators = Separators(text, clause_edges)
    return rewrite(text, [separators.replacement(start, end, line) for start, end, line in hits])


@dataclass(slots=True)  # not frozen: as Candidate
class Replacement:
    start: int  # original offsets of what the standard line replaces
    end: int
    line: str
    whole: bool  # the offence is the message: the rewrite is the standard line alone


class Separators:
    """Where a rewrite may cut one text: its clause and sentence edges, found once per text, and
    the spaces of the original between two folded characters: listed once, a hit looks only at
    the nearest on each side (a long call without stops is one clause holding many hits)."""

    def __init__(self, text: NormalizedText, clause_edges: list[int]):
        """`clause_edges`: where the text's clauses and sentences end (`Regions.edges`)."""
        self.text = text
        self.edges = clause_edges
        self._spaces: list[int] | None = None  # where the original has a space, listed on first need

    def replacement(self, start: int, end: int, line: str) -> Replacement:
        """What to replace for a hit at folded [start, end): its clauses, or just the words.  A space
        in a chat message separates as a comma would (「好的 在这签个名」 keeps 「好的」)."""
        text, edges = self.text, self.edges
        before = bisect_right(edges, start) - 1
        after = bisect_left(edges, end)
        low = edges[before] if before >= 0 else 0
        high = edges[after] if after < len(edges) else len(text.norm)
        # A space's edge is where the folded characters after it start: between the clause's start
        # and the hit's, the last one; between the hit's end and the clause's, the first one.
        low = self._space_edge(text.starts[low], text.starts[start], last=True) or low
        high = self._space_edge(text.starts[end - 1], text.starts[high - 1], last=False) or high
        if end - start >= WHOLE * (high - low):
            start, end = low, high
        whole = start == 0 and end == len(text.norm)
        original_start, original_end = text.original_span(start, end)
        return Replacement(original_start, original_end, line, whole)

    def _space_edge(self, low: int, high: int, last: bool) -> int | None:
        """The folded edge of the last (or first) space in the original's [low, high) that lies
        between two folded characters (not inside what one folded character stands for)."""
        if high - low < 2:  # a space between two folded characters needs one of them inside
            return None
        if self._spaces is None:  # listed once: each hit bisects it, so many hits stay linear
            self._spaces = [space.start() for space in _SPACE.finditer(self.text.original)]
        spaces = self._spaces
        first, stop = bisect_left(spaces, low), bisect_left(spaces, high)
        starts, ends = self.text.starts, self.text.ends
        for index in (range(stop - 1, first - 1, -1) if last else range(first, stop)):
            space = spaces[index]
            after = bisect_right(starts, space)
            if after and ends[after - 1] <= space:
                return after
        return None


def rewrite(text: NormalizedText, replacements: Sequence[Replacement]) -> str | None:
    """Replace each offending stretch with its standard line (right to left, so offsets hold)."""
    if not replacements:
        return None
    for item in replacements:
        if item.whole:
            return item.line
    pieces = []
    taken = len(text.original)
    ordered = _joined(text.original, sorted(replacements, key=_START)) if len(replacements) > 1 else replacements
    for item in reversed(ordered):
        if item.end > taken:  # two hits in one clause: the later replacement already covers it
            continue
        line, end = item.line, item.end
        marks = end
        while marks < taken and text.original[marks] in _MARKS:
            marks += 1
        following = text.original[end : end + 1]
        if marks > end and any(mark in _QUESTION for mark in text.original[end:marks]) and not line.endswith(_QUESTION_ENDS):
            # 「急什么？！」 asked, its standard line does not: the line's own stop ends it, not the ？！
            line, end = (line if line.rstrip(_TRAILING) != line else line + _STOP), marks
        elif following and following in _TRAILING:
            line = line.rstrip(_TRAILING)
        pieces += [text.original[end:taken], line]
        taken = item.start
    pieces.append(text.original[:taken])
    return "".join(reversed(pieces))


def _joined(original: str, replacements: list[Replacement]) -> list[Replacement]:
    """Neighbouring stretches with the same standard line, only punctuation or spaces between them,
    replaced by one line: 「我这边忙着呢，急什么」 is one 「请您稍候,我马上为您办理」, not the same
    line twice."""
    joined: list[Replacement] = []
    for item in replacements:
        last = joined[-1] if joined else None
        if (last is not None and last.line == item.line and last.end <= item.start
                and not original[last.end:item.start].strip(_TRAILING + _BETWEEN)):
            joined[-1] = Replacement(last.start, item.end, item.line, False)
        else:
            joined.append(item)
    return joined
