"""Clause and sentence boundaries of a folded text.

The fold table turns clause and sentence punctuation into marks (`CLAUSE_MARK`, `SENTENCE_MARK`)
while repeats are collapsed, so runs never join across punctuation; where the marks stood gives
each folded character the boundary level before it (`NormalizedText.breaks`), then they are
removed.  The judge and the rewrite read the edges at a level from those levels.
"""

from __future__ import annotations

import re

CLAUSE_MARK, SENTENCE_MARK = "\x00", "\x01"
NO_BREAK, CLAUSE_BREAK, SENTENCE_BREAK = 0, 1, 2
_MARKS = re.compile("[\x00\x01]")
_AT_LEAST = {level: re.compile(b"[%c-\x02]" % level) for level in (CLAUSE_BREAK, SENTENCE_BREAK)}


def _marked_boundaries(marked: str, length: int) -> bytes:
    """The boundary level before each of the `length` characters of `marked` without its marks,
    and at its end (what `_native.boundaries` gives where compiled)."""
    breaks = bytearray(length + 1)
    for removed, mark in enumerate(_MARKS.finditer(marked)):
        index = mark.start() - removed
        level = SENTENCE_BREAK if mark.group() == SENTENCE_MARK else CLAUSE_BREAK
        if breaks[index] < level:
            breaks[index] = level
    breaks[0] = breaks[-1] = SENTENCE_BREAK
    return bytes(breaks)


def _edges_by_regex(breaks: bytes, level: int) -> list[int]:
    """The positions inside a text (neither end) whose boundary level is `level` or more (what
    `_native.edges` gives where compiled)."""
    return [m.start() for m in _AT_LEAST[level].finditer(breaks, 1, len(breaks) - 1)]


try:
    from ._native import boundaries, edges as edges_at_level
except ImportError:  # not compiled: the regular expressions serve
    boundaries, edges_at_level = _marked_boundaries, _edges_by_regex
