"""Compiled lexicons kept on disk: a process that loads an unchanged lexicon unpickles its tables,
automata and patterns (~0.15 s for `bank-counter`) instead of building them, which needs
pypinyin's readings, the 65,536-character fold tables and word frequencies for every pattern's
anchor (~1.8 s).

The key is the packs' file digests, their paths (errors name the files) and the engine's code
digest (`lexicon.cache`, which writes entries whole and prunes them); one that cannot be read back
(cut short, written by another Python) is compiled afresh and replaced.

The parts an edit to a rule or a house list leaves alone (the normalizer's tables, the category
model: `kept_part`) are kept on their own, keyed by what they are built from, and a compiled
lexicon names them instead of holding a copy: after an edit they are read back (~0.1 s), not
built again (~1.1 s), and are not written again with the lexicon.
"""

from __future__ import annotations

import copyreg
import hashlib
import pickle
import weakref
from typing import Callable, Sequence, TypeVar

from ..lexicon import LoadedPack
from ..lexicon.cache import cache_path, fetch_pickled, store, store_pickled
from ..lexicon.limits import limits

T = TypeVar("T")
KEPT, KEPT_BYTES = 24, 256_000_000  # compiled lexicons kept: the most recently used, within this size
PARTS, PARTS_BYTES = 16, 256_000_000  # kept parts, likewise


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
    path = _path(packs, type(compiled))
    if path is not None:
        store(path, lambda file: _by_names(file).dump(compiled), KEPT, KEPT_BYTES)


def _by_names(file) -> pickle.Pickler:
    """A pickler that writes each kept part as its key (`kept_part`)."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, **{kind: _by_name for kind in _kept_kinds}}
    return pickler


# A kept part → its key; weak, so that a service reloading its packs does not keep every
# normalizer and model it ever read.
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_kept_kinds: set[type] = set()


def kept_part(kind: type[T], source: str | bytes, build: Callable[[], T]) -> T:
    """The `kind` built from `source` (what `build` reads), from the cache if it is there.  A
    compiled lexicon stored with it names it by its key; pickled anywhere else (to a Spark
    executor, a worker) it is itself."""
    if isinstance(source, str):
        source = source.encode()
    key = hashlib.sha256(f"{kind.__module__}.{kind.__qualname__}\n".encode() + source).hexdigest()
    path = cache_path("parts", key, ".pickle")
    part = fetch_pickled(path, kind)
    if part is None:
        part = build()
        store_pickled(path, part, PARTS, PARTS_BYTES)
    if path is not None:
        _kept[part] = key
        _kept_kinds.add(kind)
    return part


def _by_name(part):
    key = _kept.get(part)
    path = cache_path("parts", key, ".pickle") if key is not None else None
    if path is None:
        return part.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    if not path.exists():  # pruned since it was read, or kept in another cache folder
        store_pickled(path, part, PARTS, PARTS_BYTES)
    return _read_part, (type(part), key)


def _read_part(kind: type[T], key: str) -> T:
    """A kept part named in a compiled lexicon; one pruned since makes the lexicon a cache miss."""
    part = fetch_pickled(cache_path("parts", key, ".pickle"), kind)
    if part is None:
        raise LookupError(f"kept part {key} is not in the cache")
    _kept[part] = key
    _kept_kinds.add(kind)
    return part
