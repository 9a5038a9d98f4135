"""Quotation: the stretches of a message inside quotation marks are someone else's words (a
banned line quoted in training material, a colleague's reply reported), which the judge does not
report."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache


def _find_mark(text: str, mark: str, start: int) -> int:
    """The next quotation mark from `start`; an ASCII one between two letters or digits is an
    apostrophe or an inch sign (it's, 5'10"), not a quote."""
    position = text.find(mark, start)
    if mark.isascii():
        while 0 < position < len(text) - 1 and _word_char(text[position - 1]) and _word_char(text[position + 1]):
            position = text.find(mark, position + 1)
    return position


# Not the engine's SENTENCE_MARKS: a quoted line often holds a '.' (a URL, 5.5元) or trails off in
# 「…」 before it goes on, so only a full stop, a ! or ? and a line break end an unclosed quotation.
_SENTENCE_END = re.compile("[。！？!?\n]")


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence holding `start` ends: how far an unclosed quotation mark reaches."""
    found = _SENTENCE_END.search(text, start)
    return found.start() if found else len(text)


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


_SCARE_LENGTH = 4  # 「重点“关照”」: a word or two in quotes is the speaker's own irony, not someone's words
_BESIDE_GAP = 2  # 「原文：“…”」: a colon, a space between a word and the quote it talks about
_INTRODUCING = "：:说道讲问喊骂回"  # 「他回了句“不管”」: a short quote after these is still speech


def _scare(text: str, low: int, high: int) -> bool:
    """Whether the quoted stretch [low, high) holds a word or two in scare quotes.  Looks back from
    the opening mark over spaces only, never copying the text before it (a long message may hold
    many quotes)."""
    if high - low > _SCARE_LENGTH:
        return False
    before = low - 2  # the character before the opening mark
    while before >= 0 and text[before].isspace():
        before -= 1
    return not (before >= 0 and text[before] in _INTRODUCING)


@lru_cache(maxsize=8)
def _openings(pairs: tuple[str, ...]) -> re.Pattern:
    """Any opening mark of `pairs`, found in one search (none when there are no pairs)."""
    openings = "".join(pair[0] for pair in pairs)
    return re.compile(f"[{re.escape(openings)}]" if openings else "(?!)")


def quoting(text: str, pairs: tuple[str, ...]) -> bool:
    """Whether the text holds an opening mark of `pairs`: most messages quote nothing, and the
    judge then makes no `Quotes` of them."""
    return _openings(pairs).search(text) is not None


class Quotes:
    """Original-text stretches inside quotation marks (an unclosed “ or 「 runs to the end of its
    sentence: to the end of the text it hid every later sentence from the judge), merged
    and sorted so each hit asks by bisection, however many quotes a long message holds."""

    def __init__(self, text: str, pairs: tuple[str, ...]):
        self.found = quoting(text, pairs)
        if not self.found:
            self._starts = self._ends = self._speech_starts = self._speech_ends = ()
            return
        ranges = []
        for pair in pairs:
            opening, closing = pair[0], pair[1]
            position = _find_mark(text, opening, 0)
            while position != -1:
                close = _find_mark(text, closing, position + 1)
                if close == -1:
                    if not opening.isascii():  # an unclosed ASCII mark is more often a stray key than a quote
                        ranges.append((position + 1, _sentence_end(text, position + 1)))
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
        speech = [(low, high) for low, high in merged if not _scare(text, low, high)]
        self._speech_starts = [low for low, _ in speech]
        self._speech_ends = [high for _, high in speech]

    def holds(self, position: int) -> bool:
        index = bisect_right(self._starts, position) - 1
        return index >= 0 and position < self._ends[index]

    def speech_touches(self, start: int, end: int) -> bool:
        """Whether a quoted stretch that can be someone's words (not a scare-quoted word or two)
        overlaps [start, end)."""
        index = bisect_left(self._speech_ends, start + 1)  # the first stretch ending after `start`
        return index < len(self._speech_starts) and self._speech_starts[index] < end

    def beside(self, start: int, end: int, gap: int = _BESIDE_GAP) -> bool:
        """Whether [start, end) begins just after a quoted stretch that can be speech closes, or
        ends just before one opens (at most `gap` characters between, for a colon or a space)."""
        after = bisect_right(self._speech_ends, start - 1) - 1  # the last stretch closing before `start`
        if after >= 0 and start - (self._speech_ends[after] + 1) <= gap:
            return True
        before = bisect_left(self._speech_starts, end + 1)  # the first stretch opening after `end`
        return before < len(self._speech_starts) and (self._speech_starts[before] - 1) - end <= gap
