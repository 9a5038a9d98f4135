"""Which context patterns have an anchor in a text at all, from one scan of it: the judge skips
searching the others."""

from __future__ import annotations

from .automaton import KeyScanner
from .normalize import NormalizedText
from .pattern import CompiledPattern, keys_of


class AnchorPresence:
    """Which of many context patterns (`unless`, frames, the judge's word lists) have an anchor key
    anywhere in a text, from one scan of it made on the first `search` that asks: judging a flagged
    message searches ~25 windows, and in nine of ten the pattern's anchor is nowhere in the text."""

    def __init__(self) -> None:
        self._owners: dict[str, set[CompiledPattern]] = {}
        self._scanner: KeyScanner | None = None
        self._last: tuple[object, set[CompiledPattern]] | None = None  # (text, anchored), set whole

    def __getstate__(self) -> dict:
        return {"_owners": self._owners, "_scanner": None, "_last": None}  # the automaton is built on first use

    def add(self, pattern: CompiledPattern) -> None:
        for key in keys_of(pattern.elements[pattern.anchor]):
            self._owners.setdefault(key, set()).add(pattern)
        pattern.presence = self
        self._scanner = None

    def anchored(self, text: NormalizedText) -> set[CompiledPattern]:
        last = self._last
        if last is None or last[0] is not text:
            if self._scanner is None:
                self._scanner = KeyScanner({key: frozenset(owners) for key, owners in self._owners.items()})
            owners = self._scanner.values
            last = self._last = (text, set().union(*[owners[key] for key in {key for key, _, _ in self._scanner.matches(text.phon)}]))
        return last[1]
