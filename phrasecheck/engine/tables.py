"""The tables the normalizer compiles once per process: every character's fold (NFKC, lower case,
繁→简, skip characters) and every character's readings as phonetic classes (pypinyin), plus the
compiled character classes the normalizer searches with."""

from __future__ import annotations

import re
import signal
import unicodedata
from functools import lru_cache
from typing import Iterable, Mapping

from . import hant
from .latin import TONE_MARKS

try:
    from ._native import translate as _translate
except ImportError:  # not compiled (no C compiler at install time): str.translate and numpy serve
    _translate = None

EXTRA_RANGES = ((0x1F000, 0x1FAFF), (0xE0000, 0xE01EF))  # emoji, tags and variation selectors
PHONETIC_BASE = 0xE000  # phonetic classes live in the Private Use Area
PLACEHOLDERS = re.compile("[\ue000-\uefff]")  # a class character standing in folded text (see normalize)
BEYOND_BMP = "\U00010000-\U0010FFFF"  # the planes beyond the BMP, as a range inside a character class
BEYOND_BMP_CHARACTER = re.compile(f"[{BEYOND_BMP}]")
BEYOND_BMP_STAND_IN = "\ufffd"


def utf16_units(text: str) -> bytes:
    """`text` as little-endian UTF-16 code units, one a character: a character beyond the BMP (two
    units) stands as U+FFFD, so that a unit's offset is its character's.  What the automata over
    code units scan (`automaton.KeyScanner`, `wordlist.code_units`): fewer states than over
    UTF-8 or whole characters.  Little-endian, because the phonetic classes (U+E000 on) share
    their high byte: read low byte first, the automaton tells them apart at a character's first
    step, not its second (the matcher's scan of an STC-3 message 1.63 → 1.28 µs)."""
    data = text.encode("utf-16-le", "surrogatepass")
    if len(data) != 2 * len(text):
        data = BEYOND_BMP_CHARACTER.sub(BEYOND_BMP_STAND_IN, text).encode("utf-16-le", "surrogatepass")
    return data


def _skipped(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "PSZC" or category in ("Mn", "Me")


@lru_cache(maxsize=None)
def base_fold_table() -> dict[int, str | None]:
    """NFKC + lower case + tone marks off + 繁→简 + skip characters, for the BMP and the emoji planes."""
    table: dict[int, str | None] = {}
    code_points = [cp for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF]
    for low, high in EXTRA_RANGES:
        code_points.extend(range(low, high + 1))
    for cp in code_points:
        ch = chr(cp)
        # NFKC first: a symbol that stands for letters or Han (Ⓐ ⒜ ™ ㊣ ⼈) folds to them; only
        # what is nothing but skip characters after NFKC is dropped.
        folded = "".join(c for c in unicodedata.normalize("NFKC", ch).lower() if not _skipped(c))
        folded = folded.translate(TONE_MARKS)  # pinyin typed with its tones (nǐ bàn shá) is pinyin
        if folded != ch:
            table[cp] = folded or None
    table.update(hant.by_character())
    return table


def code_point_bits(code_points: Iterable[int]) -> bytes:
    """One bit per BMP code point, set for these (what the compiled parts read a set of characters as)."""
    found = bytearray(0x10000 // 8)
    for cp in code_points:
        if cp < 0x10000:
            found[cp >> 3] |= 1 << (cp & 7)
    return bytes(found)


def char_class(code_points: Iterable[int], extra: str = "") -> re.Pattern[str]:
    """One compiled character class for a set of code points, as ranges, plus `extra` ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + extra
    return re.compile(f"[{body}]" if body else "(?!)")


def canonical_syllable(syllable: str) -> str:
    if syllable[:2] in ("zh", "ch", "sh"):
        syllable = syllable[0] + syllable[2:]
    if syllable.startswith("l"):
        syllable = "n" + syllable[1:]
    if syllable.endswith("ng") and not syllable.endswith("ong") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def syllable_class(classes: Mapping[str, str], syllable: str) -> str:
    return classes[canonical_syllable(syllable)]


@lru_cache(maxsize=None)
def phonetic_tables() -> tuple[dict[str, str], dict[int, tuple[str, ...]]]:
    """Each canonical syllable's class character, and every character's toneless readings as
    class characters, default reading first."""
    from pypinyin.pinyin_dict import pinyin_dict

    classes: dict[str, str] = {}
    readings: dict[int, tuple[str, ...]] = {}
    for cp, pinyins in pinyin_dict.items():
        codes = []
        for pinyin in pinyins.split(","):
            syllable = canonical_syllable(pinyin.translate(TONE_MARKS))
            code = classes.setdefault(syllable, chr(PHONETIC_BASE + len(classes)))
            if code not in codes:
                codes.append(code)
        readings[cp] = tuple(codes)
    assert PLACEHOLDERS.fullmatch(chr(PHONETIC_BASE + len(classes) - 1))
    return classes, readings


class FlatTable:
    """A table of one character to one character over the BMP, the characters beyond it kept, as
    `str.translate` reads a string table.  The compiled `_native.translate` does it for any text
    (a plain array lookup per character: 0.3 µs for 60 characters).  Without it, a long text goes
    through numpy instead: translate looks each character up on its own (37 µs for 500
    characters), a gather over the code points does the whole text in one pass (6 µs).  The array
    is built on the first long text, not pickled.

    Where they cross is set by what a service sees, not by a loop over the same text: between two
    requests the framework's work evicts the CPU caches, and then numpy's own code costs 25–30 µs
    a call whatever the length, where translate takes 9 µs for 60 characters and 25 µs for 250
    (measured after evicting 8 MB; in a hot loop they cross at about 48 characters)."""

    LONG = 200  # characters from which the gather is the faster way with the caches cold

    def __init__(self, table: str):
        self.table = table
        self._array = None

    def __getstate__(self) -> str:
        return self.table

    def __setstate__(self, table: str) -> None:
        self.table, self._array = table, None

    def __call__(self, text: str) -> str:
        if _translate is not None:  # compiled (`_native.c`): a plain array lookup per character
            return _translate(text, self.table)
        if len(text) < self.LONG:
            return text.translate(self.table)
        numpy = _numpy()
        codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), numpy.uint32)
        return self.build()[codes].tobytes().decode("utf-32-le", "surrogatepass")

    def warm(self) -> None:
        """Build the gather's array now, where it will serve (no compiled translate), so that a
        service's forked workers share it and a first long message does not wait for numpy."""
        if _translate is None:
            self.build()

    def build(self):
        """The gather's array (every code point, 4.4 MB), built on first use (or by `warm`)."""
        numpy = _numpy()
        if self._array is None:
            array = numpy.arange(0x110000, dtype=numpy.uint32)
            array[: len(self.table)] = numpy.frombuffer(self.table.encode("utf-32-le", "surrogatepass"), numpy.uint32)
            self._array = array
        return self._array


@lru_cache(maxsize=None)
def _numpy():
    """numpy, imported by the first long text (a cold start does without its 170 ms), with every
    signal blocked meanwhile: its BLAS starts a thread at import, and a thread that can take a
    signal may take Ctrl-C while the main thread sits in a blocking read, which then never ends."""
    blocking = hasattr(signal, "pthread_sigmask")
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals()) if blocking else None
    try:
        import numpy
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return numpy
