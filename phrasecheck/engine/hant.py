"""繁→简: one character at a time for the fold table, by word for the texts that need it.

Per character, 反覆 stays 反覆, 瞭解 stays 瞭解 and 計畫 becomes 计画; OpenCC's phrase
conversion gets them right, but it reads dictionaries no other message touches (in a stream of
messages, a 60-character traditional one took 50 µs where a plain one takes 6), so it runs only
on a text holding one of the few characters its phrases convert otherwise than per character, in
a context a phrase does so in (`secondary`).  Every other traditional character converts per
character as any phrase would convert it.
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
    """Traditional forms OpenCC's phrases convert otherwise than the per-character table (覆 瞭 藉,
    which it leaves alone; 畫 鍊, which it converts), each with the two characters around it in
    the words those phrases hold (反覆, 覆信: not 覆盖; see scripts/make_t2s_secondary.py)."""
    lines = _SECONDARY.read_text(encoding="utf-8").splitlines()
    rows = (line.split() for line in lines if line.strip() and not line.startswith("#"))
    return {character: frozenset(contexts) for character, *contexts in rows}


@lru_cache(maxsize=None)
def compatibility_forms() -> frozenset[int]:
    """The compatibility ideographs of the secondary forms (U+FAB7 → 覆): the contexts are spelled
    in unified characters, so a text with one is converted by word wherever it stands."""
    forms = secondary()
    return frozenset(cp for cp in _COMPATIBILITY if unicodedata.normalize("NFKC", chr(cp)) in forms)


@lru_cache(maxsize=None)
def triggers() -> frozenset[int]:
    """Characters that may make a text worth the word conversion: the secondary forms
    (`secondary`) and their compatibility ideographs."""
    return frozenset(map(ord, secondary())) | compatibility_forms()


def by_word(text: str) -> str:
    """`text` converted word by word, or unchanged when that would change its length (offsets
    stay one to one)."""
    converted = _t2s()(text)
    return converted if len(converted) == len(text) else text
