"""Quotation: the stretches of a message inside quotation marks are someone else's words (a
banned line quoted in training material, a colleague's reply reported), which the judge does not
report."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Sequence


def _find_mark(text: str, mark: str, start: int) -> int:
    """The next quotation mark from `start`; an ASCII one between two letters or digits is an
    apostrophe or an inch sign (it's, 5'10"), not a quote."""
    position = text.find(mark, start)
    if mark.isascii():
        while 0 < position < len(text) - 1 and _word_char(text[position - 1]) and _word_char(text[position + 1]):
            position = text.find(mark, position + 1)
    return position


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class Quotes:
    """Original-text stretches inside quotation marks (an unclosed “ or 「 runs to the end), merged
    and sorted so each hit asks by bisection, however many quotes a long message holds."""

    def __init__(self, text: str, pairs: Sequence[str]):
        ranges = []
        for pair in pairs:
            opening, closing = pair[0], pair[1]
            position = _find_mark(text, opening, 0)
            while position != -1:
                close = _find_mark(text, closing, position + 1)
                if close == -1:
                    if not opening.isascii():  # an unclosed ASCII mark is more often a stray key than a quote
                        ranges.append((position + 1, len(text)))
                    break
                ranges.append((position + 1, close))
                position = _find_mark(text, opening, close + 1)
        merged: list[list[int]] = []
        for low, high in sorted(ranges):
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        self._starts = [low for low, _ in merged]
        self._ends = [high for _, high in merged]

    def holds(self, position: int) -> bool:
        index = bisect_right(self._starts, position) - 1
        return index >= 0 and position < self._ends[index]

    def touch(self, start: int, end: int) -> bool:
        """Whether any quoted stretch overlaps [start, end)."""
        index = bisect_left(self._ends, start + 1)  # the first stretch ending after `start`
        return index < len(self._starts) and self._starts[index] < end
