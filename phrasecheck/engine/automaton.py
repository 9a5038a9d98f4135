"""Every key found in a text, overlapping: the scan every checked text goes through.

Built on the Rust `aho-corasick` crate (`ahocorasick_rs`, contiguous NFA): over phonetic keys it
scans an STC-3 message in ~2 µs where pyahocorasick, whose nodes look their children up one by
one, takes ~4.5 µs.  Hits come in pyahocorasick's order (by end, the longest first at one end), so
sums over them add up in the same order.  The crate's automata do not pickle: a `KeyScanner`
pickles as its keys and values, and builds its automaton on its first scan (~10 ms for a pack's
few thousand keys): a loaded pack holds hundreds, most of them `unless` contexts a run may never
need, and building them all was a sixth of a cold start.
"""

from __future__ import annotations

from typing import Generic, Mapping, TypeVar

import ahocorasick_rs

V = TypeVar("V")


class _NoKeys:
    @staticmethod
    def find_matches_as_indexes(text: str, overlapping: bool) -> list[tuple[int, int, int]]:
        return []


class KeyScanner(Generic[V]):
    def __init__(self, table: Mapping[str, V]):
        self.keys = list(table)
        self.values = [table[key] for key in self.keys]
        self._automaton = None

    def __reduce__(self):
        return KeyScanner, (dict(zip(self.keys, self.values)),)

    def _built(self):
        if self._automaton is None:
            self._automaton = (ahocorasick_rs.AhoCorasick(self.keys, implementation=ahocorasick_rs.Implementation.ContiguousNFA)
                               if self.keys else _NoKeys())
        return self._automaton

    def scan_function(self):
        """The automaton's `find_matches_as_indexes(text, overlapping=True)`: what `matches` calls."""
        return (self._automaton or self._built()).find_matches_as_indexes

    def hits(self, text: str) -> list[tuple[int, V]]:
        """(index of the hit's last character, value), pyahocorasick's `iter` shape."""
        values = self.values
        return [(end - 1, values[key]) for key, _, end in (self._automaton or self._built()).find_matches_as_indexes(text, overlapping=True)]

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(key index, start, end) of every hit: cheaper when only some values are read."""
        return (self._automaton or self._built()).find_matches_as_indexes(text, overlapping=True)
