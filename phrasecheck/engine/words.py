"""jieba, loaded once and only when needed: word edges for judging, word frequencies for
choosing which element of a pattern is rare enough to anchor the candidate scan."""

from __future__ import annotations

import logging
import math
import re
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


_HAN_RUN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")  # jieba's re_han_default
_SPACE_RUN = re.compile("(\r\n|\\s)")  # jieba's re_skip_default
_SINGLE_LATIN = re.compile("[a-zA-Z0-9]")  # jieba's re_eng


def word_ends(text: str) -> list[int]:
    """Where each word of `text` ends: jieba's `cut(text, HMM=False)`, computed without its
    generators and with each dictionary word's log probability looked up once (the judge asks this
    of every clause that holds a hit)."""
    ends: list[int] = []
    offset = 0
    for block in _HAN_RUN.split(text):
        if not block:
            continue
        if _HAN_RUN.match(block):
            _dictionary_ends(block, offset, ends)
        else:  # runs of white space whole, any other character alone
            for piece in _SPACE_RUN.split(block):
                if _SPACE_RUN.match(piece):
                    ends.append(offset + len(piece))
                else:
                    ends.extend(range(offset + 1, offset + len(piece) + 1))
                offset += len(piece)
            continue
        offset += len(block)
    return ends


def _dictionary_ends(block: str, offset: int, ends: list[int]) -> None:
    """jieba's maximum-probability route through the block's dictionary words; single Latin
    letters and digits in a row make one word, as jieba's no-HMM cut joins them."""
    counts, known = tokenizer().dt.FREQ, _log_weights()
    size = len(block)
    scores = [0.0] * (size + 1)  # best log probability of block[i:]
    nexts = [0] * (size + 1)  # where the best route's first word from i ends
    for start in range(size - 1, -1, -1):
        best, best_end = None, start + 1
        end = start + 1
        while end <= size:
            fragment = block[start:end]
            weight = known.get(fragment)
            if weight is None:  # learn it: dictionary fragments only, so the cache stays bounded
                if fragment not in counts:
                    break
                weight = known[fragment] = _weight(counts, fragment) if counts[fragment] else _PREFIX
            if weight is not _PREFIX:  # a word, not only the start of longer ones
                total = weight + scores[end]
                if best is None or total >= best:  # a tie goes to the longer word, as jieba's max()
                    best, best_end = total, end
            end += 1
        if best is None:  # no dictionary word starts here: the character alone
            best = _weight(counts, block[start]) + scores[start + 1]
        scores[start], nexts[start] = best, best_end
    position, latin = 0, False
    while position < size:
        after = nexts[position]
        single_latin = after - position == 1 and _SINGLE_LATIN.match(block[position]) is not None
        if latin and not single_latin:
            ends.append(offset + position)  # the end of the run of single letters before this word
        if not single_latin:
            ends.append(offset + after)
        latin = single_latin
        position = after
    if latin:
        ends.append(offset + size)


_PREFIX = float("nan")  # in the weight cache: a dictionary fragment that is no word by itself


@lru_cache(maxsize=1)
def _log_weights() -> dict[str, float]:
    """Each dictionary fragment's log probability, filled as texts use them."""
    return {}


def _weight(counts: dict[str, int], word: str) -> float:
    return math.log(counts.get(word) or 1) - math.log(tokenizer().dt.total)
