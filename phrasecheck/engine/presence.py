"""Which context patterns have an anchor in a text at all, from one scan of it: the judge skips
searching the others."""

from __future__ import annotations

from .automaton import KeyScanner
from .normalize import NormalizedText
from .pattern import CompiledPattern, keys_of


class AnchorPresence:
    """Which of many context patterns (`unless`, frames, the judge's word lists) have an anchor key
    anywhere in a text, from one scan of it made on the first `search` that asks: judging a flagged
    message searches ~25 windows, and in nine of ten the pattern's anchor is nowhere in the text.
    The answer is a bit per pattern (`CompiledPattern.presence_bit`), each key's patterns one int."""

    def __init__(self) -> None:
        self._owners: dict[str, int] = {}  # key → the bits of the patterns it anchors
        self._count = 0
        self._scanner: KeyScanner | None = None
        self._last: tuple[object, int] | None = None  # (text, anchored), set whole

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_scanner": None, "_last": None}  # the automaton is built on first use

    def add(self, pattern: CompiledPattern) -> None:
        pattern.presence, pattern.presence_bit = self, 1 << self._count
        self._count += 1
        for key in keys_of(pattern.elements[pattern.anchor]):
            self._owners[key] = self._owners.get(key, 0) | pattern.presence_bit
        self._scanner = None

    def anchored(self, text: NormalizedText) -> int:
        """The bits of the patterns whose anchor is somewhere in the text."""
        last = self._last
        if last is None or last[0] is not text:
            if self._scanner is None:
                self._scanner = KeyScanner(self._owners)
            owners, bits = self._scanner.values, 0
            for key, _, _ in self._scanner.matches(text.phon):
                bits |= owners[key]
            last = self._last = (text, bits)
        return last[1]
