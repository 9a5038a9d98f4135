"""繁→简: one character at a time for the fold table, by word for the texts that need it.

Per character, 反覆 stays 反覆 and 瞭解 stays 瞭解; OpenCC's phrase conversion gets them right
but costs about a microsecond a text, so it runs only on texts with a traditional character.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

_SECONDARY = Path(__file__).resolve().parent.parent / "data" / "t2s_secondary.txt"
_UNIFIED, _COMPATIBILITY = range(0x3400, 0xA000), range(0xF900, 0xFB00)  # CJK ideographs, and their compatibility forms


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s").convert


@lru_cache(maxsize=None)
def by_character() -> dict[int, str]:
    """Each traditional character's simplified one, where that is a single character; also each
    compatibility ideograph of one (U+F96D → 說 → 说): NFKC alone leaves it traditional, and
    a banned word typed with it would fold to what no rule spells."""
    han = [chr(cp) for cp in (*_UNIFIED, *_COMPATIBILITY)]
    simplified = _t2s()("\n".join(han)).split("\n")
    if len(simplified) != len(han):
        return {}
    return {ord(trad): simp for trad, simp in zip(han, simplified)
            if len(simp) == 1 and simp != unicodedata.normalize("NFKC", trad)}


@lru_cache(maxsize=None)
def secondary() -> dict[str, frozenset[str]]:
    """Traditional forms the per-character table leaves alone (覆 瞭 藉…), each with the two
    characters around it in the words OpenCC's phrases change it in (反覆, 覆信: not 覆盖; see
    scripts/make_t2s_secondary.py)."""
    lines = _SECONDARY.read_text(encoding="utf-8").splitlines()
    rows = (line.split() for line in lines if line.strip() and not line.startswith("#"))
    return {character: frozenset(contexts) for character, *contexts in rows}


@lru_cache(maxsize=None)
def triggers() -> frozenset[int]:
    """Characters that may make a text worth the word conversion: those the per-character table
    changes, and the secondary forms (`secondary`)."""
    return frozenset(by_character()) | frozenset(map(ord, secondary()))


def by_word(text: str) -> str:
    """`text` converted word by word, or unchanged when that would change its length (offsets
    stay one to one)."""
    converted = _t2s()(text)
    return converted if len(converted) == len(text) else text
