"""Compiled lexicons kept on disk: a process that loads an unchanged lexicon unpickles its tables,
automata and patterns (~0.15 s for `bank-counter`) instead of building them, which needs
pypinyin's readings, the 65,536-character fold tables and jieba's dictionary (~1.8 s).

The key is the packs' file digests, their paths (errors name the files) and the engine's code
digest (`lexicon.cache`).  Files are written whole, then renamed; one that cannot be read back
(cut short, written by another Python) is compiled afresh and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from typing import Sequence, TypeVar

from ..lexicon import LoadedPack
from ..lexicon.cache import cache_path, prune
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
    path = _path(packs, kind)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            found = pickle.load(handle)
        os.utime(path)  # recently used: the last to be pruned
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged or foreign file is only a cache miss
        return None
    return found if type(found) is kind else None


def store_compiled(packs: Sequence[LoadedPack], compiled: object) -> None:
    """Best effort: a read-only or full cache only costs a compile next time."""
    path = _path(packs, type(compiled))
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".tmp", delete=False)
    except OSError:
        return
    try:
        with handle:
            pickle.dump(compiled, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        return
    prune(path.parent, KEPT, KEPT_BYTES)
