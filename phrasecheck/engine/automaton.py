"""Every key found in a text, overlapping: the scan every checked text goes through.

Built on the Rust `aho-corasick` crate (`ahocorasick_rs`, contiguous NFA): over phonetic keys it
scans an STC-3 message in ~1.3 µs where pyahocorasick, whose nodes look their children up one by
one, takes ~4.5 µs.  It scans a text's UTF-16 code units, not its UTF-8 bytes: the phonetic keys
are characters of the Private Use Area, three bytes each in UTF-8 and two in UTF-16, so the
automaton is 5.6 MiB instead of 9.4 and a scan takes two thirds of the steps (2.6 → 1.6 µs a
message; 1.3 since the units are read low byte first, `tables.utf16_units`).  A key found at an
odd byte lies across two characters and is no hit; a character beyond the BMP (two units) stands
as one unit that no key holds, so offsets stay characters'.  The matcher's scanner does so where
the extension is not compiled; where it is, `_native.KeyAutomaton` (`_keyscan.c`) takes one step
a character over the few hundred characters the keys hold, the root's children's steps one read
each: 1.0 µs, with no conversion of the text.  The small ones searched in windows, and any with a
key beyond the BMP or holding the stand-in, scan the `str`.  Hits come in pyahocorasick's order
(by end, the longest first at one end), so sums over them add up in the same order.  The
automata do not pickle: a `KeyScanner` pickles as its keys and values, and builds its automaton
on its first scan (~10 ms for a pack's few thousand keys): a loaded pack holds hundreds, most of
them `unless` contexts a run may never need, and building them all was a sixth of a cold start.
"""

from __future__ import annotations

import re
from typing import Generic, Mapping, TypeVar

import ahocorasick_rs

from .tables import BEYOND_BMP, BEYOND_BMP_STAND_IN, utf16_units

try:
    from ._native import KeyAutomaton
except ImportError:  # not compiled: the crate scans code units
    KeyAutomaton = None

V = TypeVar("V")

# A key scanned as code units is one unit a character, and not the stand-in of one beyond the BMP.
_NOT_ONE_UNIT = re.compile(f"[\ud800-\udfff{BEYOND_BMP}{BEYOND_BMP_STAND_IN}]")


class _NoKeys:
    @staticmethod
    def find_matches_as_indexes(text: str, overlapping: bool) -> list[tuple[int, int, int]]:
        return []


class KeyScanner(Generic[V]):
    def __init__(self, table: Mapping[str, V], units: bool = False):
        """`units`: for the matcher's scan of every text, tens of thousands of keys, where every
        key is one UTF-16 unit a character: `KeyAutomaton` where compiled, else the crate over
        code units; a small automaton searched in windows gains less than either costs to build."""
        self.keys = list(table)
        self.values = [table[key] for key in self.keys]
        one_unit = units and not _NOT_ONE_UNIT.search("".join(self.keys))  # one pass: it runs on every load
        self._compiled = one_unit and KeyAutomaton is not None and bool(self.keys)
        self.in_units = one_unit and not self._compiled
        self._automaton = None

    def __reduce__(self):
        return KeyScanner, (dict(zip(self.keys, self.values)), self.in_units or self._compiled)

    def _built(self):
        if self._automaton is None:
            contiguous = ahocorasick_rs.Implementation.ContiguousNFA
            if not self.keys:
                self._automaton = _NoKeys()
            elif self._compiled:
                self._automaton = KeyAutomaton(self.keys)
            elif self.in_units:
                self._automaton = ahocorasick_rs.BytesAhoCorasick([utf16_units(key) for key in self.keys], implementation=contiguous)
            else:
                self._automaton = ahocorasick_rs.AhoCorasick(self.keys, implementation=contiguous)
        return self._automaton

    def compiled(self):
        """The `KeyAutomaton` this scanner scans with (the first tests read its hits in C, no
        match made an object), or None where the crate scans."""
        automaton = self._automaton or self._built()
        return automaton if self._compiled else None

    def hits(self, text: str) -> list[tuple[int, V]]:
        """(index of the hit's last character, value), pyahocorasick's `iter` shape."""
        values = self.values
        return [(end - 1, values[key]) for key, _, end in self.matches(text)]

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(key index, start, end) of every hit: cheaper when only some values are read."""
        automaton = self._automaton or self._built()
        if not self.in_units:
            return automaton.find_matches_as_indexes(text, overlapping=True)
        return [(key, start >> 1, end >> 1) for key, start, end in automaton.find_matches_as_indexes(utf16_units(text), overlapping=True)
                if not start & 1]
