"""jieba, loaded once and only when needed: word edges for judging, word frequencies for
choosing which element of a pattern is rare enough to anchor the candidate scan."""

from __future__ import annotations

import logging
from functools import lru_cache


@lru_cache(maxsize=1)
def tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


HOMOPHONE_BREADTH = 20  # a single character's phonetic key also matches its many homophones


def frequency(text: str) -> int:
    """Roughly how common `text` is: jieba's count for a dictionary word; for any other string the
    count of its rarest character, divided by 10 per further character."""
    counts = tokenizer().dt.FREQ
    if len(text) == 1:
        return (counts.get(text) or 1) * HOMOPHONE_BREADTH
    known = counts.get(text)
    if known:
        return known
    return max(1, min(counts.get(ch) or 1 for ch in text) // 10 ** (len(text) - 1))
