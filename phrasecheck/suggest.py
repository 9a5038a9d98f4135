"""Stage 5: the standard line for each violation and the rewritten utterance."""

from __future__ import annotations

from typing import Sequence

from .normalize import NormalizedText

WHOLE_UTTERANCE = 0.6  # a hit covering this share of the turn is the turn: suggest the whole line
_TRAILING = "。.!！?？,，;；~～ "


def is_whole(text: NormalizedText, start: int, end: int) -> bool:
    return (end - start) >= WHOLE_UTTERANCE * max(1, len(text.norm))


def rewrite(text: NormalizedText, replacements: Sequence[tuple[int, int, str, bool]]) -> str | None:
    """Replace each offending span (original offsets) with its standard line.

    `replacements` holds (start, end, standard line, whole) per violation; when one violation is
    the whole utterance, the standard line itself is the rewrite.
    """
    if not replacements:
        return None
    for start, end, line, whole in replacements:
        if whole:
            return line
    result = text.original
    for start, end, line, _ in sorted(replacements, reverse=True):
        following = result[end : end + 1]
        if following and following in _TRAILING:
            line = line.rstrip(_TRAILING)
        result = result[:start] + line + result[end:]
    return result
