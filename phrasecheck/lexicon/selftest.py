"""Rules test themselves: a rule that misses its own `flag` example or fires on its own `clean`
one is a lexicon error.  The engine and the QA layer run the examples; this module holds what
they report and remembers lexicons that already passed, per lexicon and code digest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cache import cache_path, fetch, store
from .limits import shown


@dataclass(frozen=True)
class ExampleFailure:
    pack: Path
    rule: str
    example: str
    expected: str  # "flag" or "clean"
    found: tuple[str, ...]  # rule ids that fired

    def __str__(self) -> str:
        if self.expected == "flag":
            return f"{self.pack}: rule {self.rule!r}: misses its own flag example {shown(self.example, 120)}"
        return (
            f"{self.pack}: rule {self.rule!r}: fires on its own clean example {shown(self.example, 120)}"
            f" (flagged by {', '.join(self.found)})"
        )


def _marker(lexicon_digest: str) -> Path | None:
    return cache_path("verified", lexicon_digest)


def already_verified(lexicon_digest: str) -> bool:
    marker = _marker(lexicon_digest)
    return marker is not None and fetch(marker) is not None  # a hit is marked as used


def remember_verified(lexicon_digest: str) -> None:
    marker = _marker(lexicon_digest)
    if marker is not None:
        store(marker, b"", keep=1000)
