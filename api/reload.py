"""Compiled packs: a cache per pack name, a file watcher, and reload that never breaks what serves.

A pack is compiled on first use and swapped as a whole (`Loaded`), so a request always sees one
consistent checker.  When a pack's files change (the `Watcher` looks every `reload_interval`
seconds) or on `POST /v1/admin/reload`, it is compiled anew, and the new checker replaces the old
one only if it compiles and passes its own examples: a broken lexicon is reported (the reload
answer, `/readyz`, one log line) and the old one serves on.  Start-up, first use and reload all
validate through the one `Loaded.compile`, so what start-up would refuse a reload refuses too.

A reported error lasts as long as the files it describes: once they are back to what serves,
`/readyz` drops it; a pack that never compiled is tried again when a pack file changes.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool

from phrasecheck import Checker, LexiconError
from phrasecheck.lexicon import available_packs, search_path

from .errors import ApiError
from .settings import Settings

log = logging.getLogger("phrasecheck.api")

Stamp = tuple[int, int] | None


def file_stamp(path: Path) -> Stamp:
    """Modification time and size: cheap to look at every second, `None` for a missing file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _source_stamps(name: str) -> tuple[Stamp, ...]:
    """What a pack that never compiled may be built from: every pack file on the search path (it
    may extend any of them), and the file itself when the pack is named by its path."""
    paths = [p for d in search_path() for p in sorted(d.glob("*.yaml"))] + [Path(name)]
    return tuple(file_stamp(p) for p in paths)


@dataclass(frozen=True)
class Loaded:
    """One compiled pack, swapped as a whole so a request always sees a consistent snapshot."""

    name: str
    checker: Checker
    rule_ids: frozenset[str]
    files: tuple[tuple[Path, str], ...]  # every pack file it was built from, with its sha256
    stamps: tuple[Stamp, ...]
    loaded_at: float

    @classmethod
    def compile(cls, name: str) -> "Loaded":
        checker = Checker.load(name)
        checker.warm()
        # House word lists are watched like the pack files that name them.
        files = tuple((p.path, p.digest) for p in checker.packs) + tuple(
            (w.path, w.digest) for p in checker.packs for w in p.lists.values() if not w.inline)
        stamps = tuple(file_stamp(p) for p, _ in files)
        if any(_digest(p) != digest for p, digest in files):
            stamps = ()  # a file was written while it compiled: no stamp stands for what it read
        return cls(name, checker, frozenset(c.id for c in checker.rules), files, stamps, time.time())

    @property
    def version(self) -> str:
        return self.checker.lexicon["version"]

    def current_stamps(self) -> tuple[Stamp, ...]:
        return tuple(file_stamp(p) for p, _ in self.files)

    def content_changed(self) -> bool:
        return any(_digest(p) != digest for p, digest in self.files)


@dataclass
class Packs:
    """Checkers per pack name, compiled on first use; `default` may also be a path to a pack file."""

    default: str
    loaded: dict[str, Loaded] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # the last failed compile or reload per pack
    _failed_stamps: dict[str, tuple] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def require_known(self, name: str) -> None:
        if name == self.default or name in self.loaded:
            return
        known = list(available_packs())
        if name not in known:
            raise ApiError(404, "unknown_pack", f"unknown pack {name!r} (known packs: {', '.join(known)})", {"known_packs": known})

    async def compiled(self, name: str | None) -> Loaded:
        """The pack a request asks for (the default for `None`): from the cache without leaving
        the event loop, or compiled in a thread the first time."""
        name = name or self.default
        loaded = self.loaded.get(name)
        return loaded if loaded is not None else await run_in_threadpool(self.get, name)

    def get(self, name: str) -> Loaded:
        """The compiled pack (compiling it now if needed); blocking, so async callers use a thread."""
        loaded = self.loaded.get(name)
        if loaded is not None:
            return loaded
        self.require_known(name)
        with self._lock(name):
            loaded = self.loaded.get(name)
            if loaded is None:
                stamps = _source_stamps(name)  # before compiling: a file fixed meanwhile is then a change
                try:
                    loaded = Loaded.compile(name)
                except LexiconError as error:
                    self.errors[name] = str(error)
                    self._failed_stamps[name] = stamps
                    log.error("pack %r does not compile: %s", name, error)
                    raise ApiError(503, "pack_unavailable", f"pack {name!r} does not compile: {error}") from None
                self.loaded[name] = loaded
                self._settle(name)
        return loaded

    def reload(self, name: str) -> dict[str, Any]:
        """Compile the pack anew; keep the old checker unless the new one compiles."""
        with self._lock(name):
            old = self.loaded.get(name)
            stamps = old.current_stamps() if old is not None else None  # before compiling, as in `get`
            try:
                new = Loaded.compile(name)
            except LexiconError as error:
                self.errors[name] = str(error)
                if old is not None:
                    self._failed_stamps[name] = stamps
                    log.error("pack %r: reload failed, still serving %s: %s", name, old.version, error)
                return {"pack": name, "status": "error", "error": str(error), "serving": old.version if old else None}
            self.loaded[name] = new
            self._settle(name)
        if old is None or old.checker.digest != new.checker.digest:
            log.info("pack %r: now serving %s", name, new.version)
        return {"pack": name, "status": "reloaded", "serving": new.version}

    def poll(self) -> list[dict[str, Any]]:
        """Reload every compiled pack whose files changed since it was compiled (or since it last
        failed); try again a pack that never compiled when a pack file changed."""
        outcomes = []
        for name, loaded in list(self.loaded.items()):
            stamps = loaded.current_stamps()
            if stamps == loaded.stamps or stamps == self._failed_stamps.get(name):
                continue
            if not loaded.content_changed():  # touched, or edited back to what serves
                self.loaded[name] = replace(loaded, stamps=stamps)
                self._settle(name)
                continue
            outcomes.append(self.reload(name))
        for name in [n for n in self.errors if n not in self.loaded]:
            if _source_stamps(name) != self._failed_stamps.get(name):
                try:
                    self.get(name)
                except ApiError:
                    pass  # logged, and in `errors` with the new message
        return outcomes

    def current_errors(self) -> dict[str, str]:
        """The last failed compile or reload per pack, except where the pack's files are back to
        what it serves (an error describes files, not a moment)."""
        for name in list(self.errors):
            loaded = self.loaded.get(name)
            if loaded is not None and loaded.current_stamps() != self._failed_stamps.get(name) and not loaded.content_changed():
                self._settle(name)
        return dict(self.errors)

    def _settle(self, name: str) -> None:
        self.errors.pop(name, None)
        self._failed_stamps.pop(name, None)

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())


class Watcher(threading.Thread):
    """Looks at the compiled packs' files every `interval` seconds and reloads the changed ones
    off the event loop, so requests keep being served by the old checker meanwhile."""

    def __init__(self, packs: Packs, interval: float):
        super().__init__(name="phrasecheck-lexicon-watcher", daemon=True)
        self.packs, self.interval, self.stopped = packs, interval, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.packs.poll()
            except Exception as exc:  # noqa: BLE001 - a watcher must outlive odd file-system states
                log.error("lexicon watcher: %s: %s", type(exc).__name__, exc)


def warm(packs: Packs) -> None:
    """Compile the default pack at startup (in a thread: `/healthz` answers meanwhile), then move
    the compiled lexicon out of the garbage collector's sight: its ~250k long-lived objects make
    every full collection a ~35 ms pause for whichever requests are in flight."""
    try:
        packs.get(packs.default)
    except ApiError as error:
        log.error("default pack %r is not ready: %s", packs.default, error.message)
    gc.freeze()


@asynccontextmanager
async def running(packs: Packs, settings: Settings, then: Callable[[], None]) -> AsyncIterator[None]:
    """While the app serves: the default pack warming up in a thread (and `then` called after it,
    to fork the check processes with it), and the watcher if enabled."""

    def warm_then() -> None:
        warm(packs)
        then()

    warmup = asyncio.ensure_future(run_in_threadpool(warm_then))
    watcher = Watcher(packs, settings.reload_interval) if settings.reload_lexicons else None
    if watcher:
        watcher.start()
    try:
        yield
    finally:
        if watcher:
            watcher.stopped.set()
        warmup.cancel()
