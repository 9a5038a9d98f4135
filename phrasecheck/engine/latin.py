"""Latin letters inside Chinese: toneless pinyin typed for a character the agent did not bother to
select (不gui我管, 找bie人去) and chat initials (sb, tmd).

A maximal run of letters that is wholly pinyin becomes one placeholder per syllable, carrying that
syllable's phonetic class, so the phonetic scan sees the character that was meant; a run that
spells a pack's initials becomes their words.  Anything else (ok, APP, vivo, a URL or an order
number) is left to fold as it always did.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
TONE_MARKS = str.maketrans(_TONED, "aaaaeeeeiiiioooouuuuvvvvvnnnm")
_ALIASES = {"lue": "lve", "nue": "nve"}  # how ü is usually typed after l and n
_LONGEST = 6  # zhuang, chuang, shuang
_LONGEST_RUN = 64  # letters: a longer run without a space is a code or a key, not a typed phrase
# A run touching these is part of a code, a URL, an address or a number, not of a sentence.
_CODE = frozenset("_@/\\:#&=%+-~")
_NAME = 30  # how far back an @name may start
CODE_CONTEXT = ("".join(sorted(_CODE)), _NAME)  # what `_is_code` reads, for the compiled front (`_native.quiet_base`)
_REPEATED = re.compile(r"(.)\1+")
_WORD_BEFORE, _WORD_AFTER = re.compile(f"([A-Za-z{_TONED}]+) +$"), re.compile(f" +([A-Za-z{_TONED}]+)")  # nǐ gào ba

_UNKNOWN = object()
_REMEMBERED = 8192  # runs whose plan is kept
Piece = tuple[str, int, int]  # a folded character and the original span it stands for


@lru_cache(maxsize=None)
def syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows that has a vowel (m, n, ng, hm are interjections,
    and as letters far more often units or initials)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = set(_ALIASES)
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = reading.translate(TONE_MARKS)
            if syllable.isascii() and syllable.isalpha() and any(v in syllable for v in "aeiouv"):
                found.add(syllable)
    return frozenset(found)


@lru_cache(maxsize=8192)
def segment(run: str, inventory: frozenset[str]) -> tuple[str, ...] | None:
    """`run` as the fewest syllables of `inventory` (`syllables()`; the longer first syllable on a
    tie: xian, not xi'an); None when some letters belong to no syllable, or the run is longer than
    any typed phrase."""
    if len(run) > _LONGEST_RUN:
        return None
    # fewest[i]: syllables needed for run[i:]; following[i]: where the first of them ends
    fewest: list[int | None] = [None] * len(run) + [0]
    following = [0] * len(run)
    for i in range(len(run) - 1, -1, -1):
        for j in range(min(len(run), i + _LONGEST), i, -1):
            rest = fewest[j]
            if rest is not None and run[i:j] in inventory and (fewest[i] is None or rest + 1 < fewest[i]):
                fewest[i], following[i] = rest + 1, j
    if fewest[0] is None:
        return None
    found, i = [], 0
    while i < len(run):
        found.append(run[i : following[i]])
        i = following[i]
    return tuple(found)


def collapse(letters: str) -> str:
    """sbbbb → sb: a repeated letter is emphasis."""
    return _REPEATED.sub(r"\1", letters)


class Rewrite(NamedTuple):
    """What is folded instead of the original text: words converted 繁→简, Latin runs converted."""

    text: str
    # Where `text` comes from in the original, None where one to one: a segment (at, low, high) per
    # stretch copied (high -1: position at + k is the original's low + k) and per converted
    # character (it stands for the original's [low, high)), each running to the next (`through`).
    origins: list[tuple[int, int, int]] | None
    edges: frozenset[int]  # positions in `text` where a converted Latin run starts or ends


def _through(origins: list[tuple[int, int, int]], length: int, starts: Sequence[int],
             ends: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """`_native.through` in Python: the original (starts, ends) of characters whose (starts, ends)
    are positions in a rewrite of `length` characters with these `origins`."""
    firsts: list[int] = []
    lasts: list[int] = [0]  # indexed by an end: the character ending at e is e - 1
    for (at, low, high), stop in zip(origins, [*(at for at, _, _ in origins[1:]), length]):
        if high < 0:
            firsts.extend(range(low, low + stop - at))
            lasts.extend(range(low + 1, low + stop - at + 1))
        else:
            firsts.append(low)
            lasts.append(high)
    return tuple(firsts[s] for s in starts), tuple(lasts[e] for e in ends)


try:
    from ._native import latin_rewrite, through
except ImportError:  # not compiled: the Python above and `LatinRuns.rewrite` serve
    latin_rewrite, through = None, _through


class LatinRuns:
    """Converts the letter runs of a text; built once per normalizer."""

    def __init__(self, fold: Mapping[int, str | None], initials: Mapping[str, str], code: Callable[[str], str],
                 runs: re.Pattern[str], compiled_runs: tuple[bytes, int, int]):
        """`runs`: group 1 a run of letters; otherwise a placeholder character, to drop.
        `compiled_runs`: the same for `latin_rewrite`, the letters a bit per BMP code point and
        the placeholders' first and last code point."""
        self._runs = runs
        self._compiled_runs = compiled_runs
        # Kept with the normalizer (pickled with it): reading pypinyin's table takes 0.25 s, which
        # would otherwise fall on the first text typed in pinyin after a cold start.
        self._syllables = syllables()
        self._fold = fold
        self._initials = {collapse(key.lower()): (len(key), words) for key, words in initials.items()}
        self._code = code  # a syllable's phonetic-class character
        self._plans: dict[str, tuple[str, tuple[str, ...] | None] | None] = {}

    @property
    def plans(self) -> dict[str, tuple[str, tuple[str, ...] | None] | None]:
        """What each run met so far becomes (None: it stays letters), the dict itself: the
        compiled front (`_native.quiet_base`) reads it and leaves a run it lacks to `any_convert`."""
        return self._plans

    def any_convert(self, runs: Iterable[str]) -> bool:
        """Whether any of these runs may convert: the question every text with letters asks, so a
        plain dict remembers the answers (cheaper than lru_cache, which reorders on every hit).
        Every run is planned, so that the compiled front finds them all the next time."""
        plans, converts = self._plans, False
        for run in runs:
            plan = plans.get(run, _UNKNOWN)
            if plan is _UNKNOWN:
                if len(plans) >= _REMEMBERED:
                    plans.clear()
                plan = plans[run] = self._plan(run)
            converts = converts or plan is not None
        return converts

    def rewrite(self, text: str, first: int = 0) -> Rewrite | None:
        """`text` with its runs from `first` on converted and input placeholders dropped; None
        when nothing changes.  Compiled (`_native.latin_rewrite`) where every run is planned and
        no typed syllable stands beside a word of letters across spaces (`_next_to_english`)."""
        if latin_rewrite is not None:
            found = latin_rewrite(*self._compiled_runs, self._plans, *CODE_CONTEXT, _TONED, text, first)
            if found is not NotImplemented:
                return found and Rewrite(*found)
        pieces: list[str] = []
        origins: list[tuple[int, int, int]] = []
        edges: set[int] = set()
        position = length = 0  # where the original is copied from next; the rewrite's length so far
        for found in self._runs.finditer(text, first):
            start, end = found.span()
            converted = self.convert(text, start, end) if found.group(1) else ()
            if converted is None:
                continue
            if start > position:
                pieces.append(text[position:start])
                origins.append((length, position, -1))
                length += start - position
            if converted:
                edges.update((length, length + len(converted)))
            for ch, low, high in converted:
                pieces.append(ch)
                origins.append((length, low, high))
                length += 1
            position = end
        if not position:
            return None
        if position < len(text):
            pieces.append(text[position:])
            origins.append((length, position, -1))
        return Rewrite("".join(pieces), origins, frozenset(edges))

    def _plan(self, run: str) -> tuple[str, tuple[str, ...] | None] | None:
        """What a run of these letters becomes wherever it is not code or English: its initials'
        words (and no syllables), or a placeholder per syllable (and the syllables); None when it
        stays letters, as most runs do (ok, APP, vivo)."""
        letters = run.translate(self._fold)
        initials = self._initials.get(collapse(letters))
        if initials is not None and len(letters) >= initials[0]:
            return initials[1], None
        # Typed pinyin is lower case: Dance, MINI and OTA are English.
        found = segment(letters, self._syllables) if len(letters) > 1 and run.islower() else None
        if found is None:
            return None
        return "".join(self._code(_ALIASES.get(syllable, syllable)) for syllable in found), found

    def convert(self, text: str, start: int, end: int) -> tuple[Piece, ...] | None:
        """The folded characters that stand for the letter run text[start:end], or None to keep it."""
        run = text[start:end]
        plan = self._plans[run] if run in self._plans else self._plan(run)
        if plan is None or _is_code(text, start, end):
            return None
        chars, syllables = plan
        if syllables is None:  # initials: every character of the words stands for the whole run
            return tuple((ch, start, end) for ch in chars)
        if self._next_to_english(text, start, end):
            return None
        pieces = []
        for code, syllable in zip(chars, syllables):
            pieces.append((code, start, start + len(syllable)))
            start += len(syllable)
        return tuple(pieces)

    def _next_to_english(self, text: str, start: int, end: int) -> bool:
        """Whether a neighbouring word, across spaces only, is not pinyin (make sure, safe mode)."""
        before = _WORD_BEFORE.search(text, max(0, start - _NAME), start)
        after = _WORD_AFTER.match(text, end)
        return any(word and segment(word.group(1).lower().translate(TONE_MARKS), self._syllables) is None
                   for word in (before, after))


def _is_code(text: str, start: int, end: int) -> bool:
    """Whether the run is part of a code, URL, number or @name (@南小北zZ) rather than of prose."""
    before = text[start - 1] if start else " "
    after = text[end : end + 2]
    if before in _CODE or before == "." or before.isdigit():
        return True
    if after and (after[0] in _CODE or after[0].isdigit() or (after[0] == "." and after[1:].isalnum())):
        return True
    low, position = max(0, start - _NAME), start - 1
    while position >= low and (text[position].isalnum() or text[position] in "_-"):
        position -= 1
    return position >= low and text[position] == "@"
