"""The matcher's first tests over every hit of a text, compiled (`_hitfilter.c`) where the install
has the extension.

`Matcher.plausible` tests each hit of the scan in Python: its anchor as spelled, then the sound
of the pattern's other words in the text, near the anchor, and those next to the anchor within
their gaps of it.  Most hits of a text fail there,
and testing them was a fifth of the time of a clean message.  `FirstTests` lays the same tests
out as flat arrays when the lexicon is compiled (they pickle with it), and builds the C filter
from them on first use; without the extension (`COMPILED` False) the matcher keeps testing in
Python, with the same answers.
"""

from __future__ import annotations

from array import array
from typing import Sequence

try:
    from ._native import HitFilter
except ImportError:  # not compiled (no C compiler at install time): Matcher.plausible serves
    HitFilter = None

COMPILED = HitFilter is not None
_KEEP, _EXACT = -1, -1  # a test's spelling offset when kept untested; its allowance when exact


class FirstTests:
    def __init__(self, keys: Sequence[str], values: Sequence[tuple]):
        """`values[i]`: what the scanner's key `keys[i]` may be a hit of, as the matcher holds
        them: ("pattern", rule, CompiledPattern, Alternative), ("entry", rule, CompiledList,
        entry) or ("fuzzy", rule, FuzzyPhrase, offset)."""
        self._values = list(values)
        first, tests, chars = array("i", [0]), array("i"), []
        patterns: dict[int, int] = {}  # id of a pattern → its index
        phrases: dict[int, int] = {}
        reach, groups, needles_of, needles, min_hits = array("i"), array("i", [0]), array("i", [0]), [], array("i")
        borders, border_needles = array("i"), []  # per pattern: the needles heard before, then after the anchor, and their gaps
        spelled = 0
        for key, found in zip(keys, values):
            for kind, _, payload, extra in found:
                pattern = phrase = -1
                if kind == "fuzzy":
                    spelling, length, allowance = _KEEP, 0, 0
                    phrase = phrases.setdefault(id(payload), len(phrases))
                    if phrase == len(min_hits):
                        min_hits.append(payload.min_hits)
                else:
                    if kind == "pattern":
                        norm, allowance = extra.norm, payload.anchor_allowance(extra)
                        pattern = patterns.setdefault(id(payload), len(patterns))
                        if pattern * 2 == len(reach):
                            reach.extend(payload.reach)
                            for sounds in payload.other_sounds:  # sorted: a long group is bisected (`_needles.c`)
                                needles += sorted(sounds)
                                needles_of.append(len(needles))
                            groups.append(len(needles_of) - 1)
                            for sounds, gap in payload.border_sounds:
                                borders.append(len(border_needles))
                                border_needles += sorted(sounds)
                                borders.extend((len(border_needles), gap))
                    else:
                        norm = payload.norms[extra]
                        allowance = payload.allowance(extra) if payload.phonetic else _EXACT
                    if len(norm) != len(key):
                        raise ValueError(f"the key {key!r} and its spelling {norm!r} differ in length")
                    spelling, length = spelled, len(norm)
                    chars.append(norm)
                    spelled += length
                tests.extend((spelling, length, allowance, pattern, phrase))
            first.append(len(tests) // 5)
        self._arrays = (first, tests, "".join(chars), reach, groups, needles_of, needles, min_hits, borders, border_needles)
        self._filter = None

    def __getstate__(self) -> dict:
        return {"_values": self._values, "_arrays": self._arrays, "_filter": None}  # the C filter is built on first use

    def plausible(self, folded: str, phon: str, matches: list[tuple[int, int, int]]) -> list[tuple[int, tuple]]:
        """What `Matcher.plausible` answers for the hits `matches` ((key, start, end) of the
        scanner's keys, as `KeyScanner.matches` gives them).  Only where `COMPILED`."""
        return (self._filter or self._built()).plausible(folded, phon, matches)

    def find(self, phon: str, folded: str, automaton) -> list[tuple[int, tuple]]:
        """`plausible` of the hits a `KeyAutomaton` of the scanner's keys finds in `phon`, in one
        pass.  Only where `COMPILED`."""
        return (self._filter or self._built()).find(phon, folded, automaton)

    def compiled(self):
        """The C filter's `find(phon, folded, automaton)`.  Only where `COMPILED`."""
        return (self._filter or self._built()).find

    def _built(self):
        self._filter = HitFilter(self._values, *self._arrays)
        return self._filter
