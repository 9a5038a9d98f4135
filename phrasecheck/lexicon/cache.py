"""What phrasecheck keeps between runs, under `$XDG_CACHE_HOME/phrasecheck` (else `~/.cache/phrasecheck`):
a marker per lexicon whose rule examples passed, and each compiled lexicon.  Entries are keyed by
the lexicon's digest and the digest of the code that compiles and checks it (with the Python and
library releases), so an edit to either is a new key and nothing stale is ever read.  `PHRASECHECK_CACHE=off` turns the cache off."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from importlib import metadata
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Callable, TypeVar

from .. import __version__

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent.parent
# Code and data whose change can change what a lexicon compiles to or an example produces.
_CODE = ("engine", "lexicon", "qa", "data")
_SUFFIXES = (".py", ".txt", ".yaml", ".json")


def enabled() -> bool:
    return os.environ.get("PHRASECHECK_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


# Libraries whose objects a compiled lexicon holds, whose files the cache keeps or whose data its
# tables are built from (readings, 繁→简): another release may read an old pickle wrongly rather
# than fail, or read a character otherwise.
_LIBRARIES = ("pyahocorasick", "ahocorasick-rs", "pydantic", "pydantic-core", "marisa-trie", "jieba", "pypinyin",
              "opencc")


@lru_cache(maxsize=1)
def _code_digest() -> str | None:
    releases = []
    for library in _LIBRARIES:
        try:
            releases.append(f"{library}=={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            releases.append(f"{library} missing")
    code = hashlib.sha256("\n".join([__version__, sys.version, *releases]).encode())
    try:
        for folder in _CODE:
            for path in sorted((_PACKAGE / folder).rglob("*")):
                if path.is_file() and path.suffix in _SUFFIXES:
                    code.update(path.relative_to(_PACKAGE).as_posix().encode())
                    code.update(path.read_bytes())
    except OSError:
        return None
    return code.hexdigest()


KINDS = {"compiled": "compiled lexicons", "packs": "pack files parsed and validated", "verified": "lexicons whose rule examples passed",
         "words": "jieba's words as a trie",
         "parts": "normalizer tables and category models the compiled lexicons share"}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "phrasecheck"


def cache_path(kind: str, lexicon_digest: str, suffix: str = "") -> Path | None:
    """Where the `kind` entry (one of `KINDS`) of a lexicon lives, or None when the cache is off or
    the code unreadable."""
    code = _code_digest()
    if code is None or not enabled():
        return None
    key = hashlib.sha256((lexicon_digest + code).encode()).hexdigest()[:32]
    return cache_root() / kind / (key + suffix)


def prune(folder: Path, keep: int, max_bytes: int | None = None) -> None:
    """Keep the `keep` most recently used entries of a cache folder, and within `max_bytes` (the
    newest always stays): each edit of a pack, and each new release, makes new keys."""
    with contextlib.suppress(OSError):
        entries = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        total = 0
        for index, entry in enumerate(entries):
            total += entry.stat().st_size
            if index >= keep or (max_bytes is not None and index > 0 and total > max_bytes):
                entry.unlink()


def fetch(path: Path) -> bytes | None:
    """An entry's bytes, marked as just used (pruning keeps the most recently used), or None."""
    try:
        data = path.read_bytes()
        os.utime(path)
    except OSError:
        return None
    return data


def fetch_pickled(path: Path | None, kind: type[T]) -> T | None:
    """An entry unpickled, if it is a `kind`; a damaged or foreign entry (cut short, written by
    another Python) is only a miss, and the caller builds it afresh and stores it again."""
    data = fetch(path) if path is not None else None
    if data is None:
        return None
    try:
        found = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a damaged or foreign file is only a cache miss
        return None
    return found if type(found) is kind else None


def store_pickled(path: Path | None, value: object, keep: int, max_bytes: int | None = None) -> None:
    if path is not None:
        store(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), keep, max_bytes)


def store(path: Path, data: bytes | Callable[[BinaryIO], object], keep: int, max_bytes: int | None = None) -> None:
    """Write an entry whole (`data`, or what `data(file)` writes: a large pickle streams to the
    file), then rename it into place (no reader sees half of one), and prune its folder.  Best
    effort: a read-only or full cache only costs the work again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".tmp", delete=False)
    except OSError:
        return
    try:
        with handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
        os.replace(handle.name, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        if isinstance(error, OSError):
            return
        raise
    prune(path.parent, keep, max_bytes)
