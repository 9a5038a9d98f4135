"""Stage 5: the standard line for each violation and the rewritten utterance.

A rewrite must read as Chinese.  When the offending words are most of their clause (「可这事不归我管，
找别人去」), the clause goes, not only the words, so no fragment such as 「可这事」 dangles before the
standard line; when those clauses are the whole message, the standard line is the rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .normalize import NO_BREAK, NormalizedText

WHOLE = 0.6  # a hit covering this share of its clauses replaces them whole
_TRAILING = "。.!！?？,，;；~～ "


@dataclass(frozen=True, slots=True)
class Replacement:
    start: int  # original offsets of what the standard line replaces
    end: int
    line: str
    whole: bool  # the offence is the message: the rewrite is the standard line alone


def replacement(text: NormalizedText, start: int, end: int, line: str) -> Replacement:
    """What to replace for a hit at folded [start, end): its clauses, or just the words.  A space
    in a chat message separates as a comma would (「好的 在这签个名」 keeps 「好的」)."""
    low = start
    while low > 0 and text.breaks[low] == NO_BREAK and not _spaced(text, low):
        low -= 1
    high = end
    while high < len(text.norm) and text.breaks[high] == NO_BREAK and not _spaced(text, high):
        high += 1
    if end - start >= WHOLE * (high - low):
        start, end = low, high
    whole = start == 0 and end == len(text.norm)
    original_start, original_end = text.original_span(start, end)
    return Replacement(original_start, original_end, line, whole)


def _spaced(text: NormalizedText, position: int) -> bool:
    """Whether the original has white space between folded characters position-1 and position."""
    return any(ch.isspace() for ch in text.original[text.ends[position - 1] : text.starts[position]])


def rewrite(text: NormalizedText, replacements: Sequence[Replacement]) -> str | None:
    """Replace each offending stretch with its standard line (right to left, so offsets hold)."""
    if not replacements:
        return None
    for item in replacements:
        if item.whole:
            return item.line
    result = text.original
    taken = len(result) + 1
    for item in sorted(replacements, key=lambda r: r.start, reverse=True):
        if item.end > taken:  # two hits in one clause: the later replacement already covers it
            continue
        line = item.line
        following = result[item.end : item.end + 1]
        if following and following in _TRAILING:
            line = line.rstrip(_TRAILING)
        result = result[: item.start] + line + result[item.end :]
        taken = item.start
    return result
