"""Compiled lexicons kept on disk: a process that loads an unchanged lexicon unpickles its tables,
automata and patterns (~0.15 s for `bank-counter`) instead of building them, which needs
pypinyin's readings, the 65,536-character fold tables and word frequencies for every pattern's
anchor (~1.8 s).

The key is the packs' file digests, their paths (errors name the files) and the engine's code
digest (`lexicon.cache`, which writes entries whole and prunes them); one that cannot be read back
(cut short, written by another Python) is compiled afresh and replaced.
"""

from __future__ import annotations

import hashlib
from typing import Sequence, TypeVar

from ..lexicon import LoadedPack
from ..lexicon.cache import cache_path, fetch_pickled, store_pickled
from ..lexicon.limits import limits

T = TypeVar("T")
KEPT, KEPT_BYTES = 24, 256_000_000  # compiled lexicons kept: the most recently used, within this size


def lexicon_digest(packs: Sequence[LoadedPack]) -> str:
    """A house list's file is part of the lexicon: editing it changes the version and re-verifies."""
    digests = (p.digest + "".join(w.digest for w in p.lists.values()) for p in packs)
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def _path(packs: Sequence[LoadedPack], kind: type):
    """Also keyed by the pack limits in force: a lexicon compiled under wider limits must be
    refused again under narrower ones."""
    homes = "\n".join(str(p.path.resolve()) for p in packs)
    key = hashlib.sha256(f"{kind.__module__}.{kind.__qualname__}\n{homes}\n{limits()}\n{lexicon_digest(packs)}".encode()).hexdigest()
    return cache_path("compiled", key, ".pickle")


def load_compiled(packs: Sequence[LoadedPack], kind: type[T]) -> T | None:
    return fetch_pickled(_path(packs, kind), kind)


def store_compiled(packs: Sequence[LoadedPack], compiled: object) -> None:
    store_pickled(_path(packs, type(compiled)), compiled, KEPT, KEPT_BYTES)
