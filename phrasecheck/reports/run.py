"""Where `phrasecheck score` writes: an output folder that holds one whole run, never two mixed.

A run writes into a work folder beside `--out` (`qa.partial/` for `--out qa`), or inside it
(`qa/.partial/`) when the folder beside cannot be written or lies on another file system, so that
each file can later be moved by a rename.  A `PARTIAL` file there says what the run is and how far
it got; it is rewritten at least every NOTE_SECONDS while the run goes on, so even after `kill -9`
it tells how many lines of `conversations.jsonl` are whole.  Only a finished run's files are moved
into `--out`; an interrupted run leaves its work folder, still marked, and `--out` as it was.  An
earlier run in `--out` is replaced only when the caller says so (`--force`).
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import OutputError
from .qa import REPORT_FILES

try:
    import fcntl
except ImportError:  # Windows: no lock, so two runs into one folder are not told apart
    fcntl = None  # type: ignore[assignment]

JSONL = "conversations.jsonl"
RUN_FILES = (JSONL, *REPORT_FILES)
MARKER = "PARTIAL"
WRITE_BYTES = 1 << 20  # JSONL gathered before one write (whole lines only)
NOTE_SECONDS = 1.0  # the longest a written line waits for its write and the marker for its update
_RUNNING = "running (process %d); if no such process runs, it was killed"


class RunFolder:
    """One run's output: conversation lines as they come, then the reports, then the move into `out`."""

    def __init__(self, out: Path, work: Path, lock: int, command: str):
        self.out, self.work, self.command = out, work, command
        self.conversations = 0
        self.files_with_errors = 0
        self._lock = lock
        self._started = _now()
        self._buffer = bytearray()
        self._whole = 0  # bytes of whole lines in the JSONL file
        self._lines = 0  # and how many lines they are
        self._written_at = time.monotonic()
        self._written: list[Path] = []
        self._note(_RUNNING % os.getpid())
        self._jsonl = os.open(work / JSONL, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)

    @classmethod
    def start(cls, out: Path, *, force: bool, command: str) -> RunFolder:
        """Check `out` and claim a work folder, before any work is done: OutputError if `out` holds
        an earlier run (and not `force`), cannot be written, or another run is writing into it."""
        try:
            _check_out(out, force)
            work, lock = _claim_work_folder(out)
            return cls(out, work, lock, command)
        except OSError as error:
            raise OutputError(f"{out}: cannot write the run there ({error.strerror or error})") from None

    # -- while the run goes on ---------------------------------------------------------------------

    def add_line(self, line: bytes) -> None:
        """One conversation's JSON line (with its newline)."""
        self._buffer += line
        self.conversations += 1
        if len(self._buffer) >= WRITE_BYTES or time.monotonic() - self._written_at >= NOTE_SECONDS:
            with self._writing(self.work / JSONL):
                self._write_lines()
                self._note(_RUNNING % os.getpid())

    def _write_lines(self) -> None:
        """Write the gathered lines after the whole ones.  Written at an explicit offset, so a write
        cut short by an exception is simply done again from the same place."""
        data = memoryview(self._buffer)
        done = 0
        while done < len(data):
            os.lseek(self._jsonl, self._whole + done, os.SEEK_SET)
            done += os.write(self._jsonl, data[done:])
        self._whole += len(data)
        self._lines = self.conversations
        self._buffer = bytearray()
        self._written_at = time.monotonic()

    # -- the end -----------------------------------------------------------------------------------

    def complete(self, write_reports: Callable[[Path], Iterable[Path]]) -> None:
        """The last lines, then the reports (`write_reports` writes them into the folder it is
        given and returns their paths), all flushed to disk."""
        with self._writing(self.work):
            self._write_lines()
            os.fsync(self._jsonl)
            os.close(self._jsonl)
            self._jsonl = -1
            self._written = [self.work / JSONL, *write_reports(self.work)]
            for path in self._written[1:]:
                _fsync(path)
            self._note(f"finished; being moved into {self.out}")

    def publish(self) -> list[Path]:
        """Move the completed run's files into `out`, each by a rename; their new paths.  While
        they move, the marker stands in `out`: were the process killed in those few renames, the
        marker would say the folder may mix two runs."""
        with self._writing(self.out):
            self.out.mkdir(parents=True, exist_ok=True)
            os.replace(self.work / MARKER, self.out / MARKER)
            for path in self._written:
                os.replace(path, self.out / path.name)
            _fsync(self.out)
            os.unlink(self.out / MARKER)
            self._release()
            os.rmdir(self.work)
        return [self.out / path.name for path in self._written]

    def stop(self, why: str) -> None:
        """Leave the work folder as the partial result: whole lines only, the marker saying why.
        Best effort: it runs after a failure, perhaps of the disk itself."""
        try:
            if self._jsonl >= 0:
                self._write_lines()
                os.ftruncate(self._jsonl, self._whole)
                os.close(self._jsonl)
                self._jsonl = -1
            for name in REPORT_FILES:  # perhaps half written: only a finished run has reports
                (self.work / name).unlink(missing_ok=True)
            self._note(f"{why}; no report was written")
        except OSError:
            pass
        self._release()

    @contextmanager
    def _writing(self, where: Path) -> Iterator[None]:
        """OSError as a one-line OutputError naming the file."""
        try:
            yield
        except OSError as error:
            raise OutputError(f"{error.filename or where}: cannot write ({error.strerror or error})") from None

    def _release(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def _note(self, state: str) -> None:
        """Rewrite the PARTIAL marker (a rename, so a kill leaves the old one or the new one)."""
        text = (
            "PARTIAL: this folder holds an unfinished `phrasecheck score` run, not a complete one.\n"
            f"state: {state}\n"
            f"command: {self.command}\n"
            f"out: {os.path.abspath(self.out)}\n"
            f"started: {self._started}\n"
            f"updated: {_now()}\n"
            f"conversations: {self._lines} whole lines in {JSONL} (its first {self._whole} bytes; "
            "anything after them may end in a cut line)\n"
            f"files with errors: {self.files_with_errors}\n"
        )
        temporary = self.work / f"{MARKER}.tmp"
        temporary.write_text(text, encoding="utf-8", errors="replace")
        os.replace(temporary, self.work / MARKER)


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file; --out names a folder")
    if not out.is_dir():
        return
    earlier = [name for name in (*RUN_FILES, MARKER) if os.path.lexists(out / name)]
    if earlier and not force:
        raise OutputError(f"{out}: holds an earlier run ({', '.join(earlier)}); give --force to replace it, or another --out")
    for name in earlier:
        if (out / name).is_dir():
            raise OutputError(f"{out / name}: is a folder; the run writes a file there")
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot write the run there (Permission denied)")


def _claim_work_folder(out: Path) -> tuple[Path, int]:
    """The work folder, emptied of an interrupted run's leftovers, and a lock on it."""
    absolute = Path(os.path.abspath(out))
    beside = absolute.parent / f"{absolute.name}.partial" if absolute.name else None
    candidates = [beside] if beside else []
    if out.is_dir():
        if beside and os.stat(absolute.parent).st_dev != os.stat(out).st_dev:
            candidates = []  # `out` is a mount point: a rename from beside it would fail
        candidates.append(out / ".partial")
    failure: OSError | None = None
    for work in candidates:
        try:
            return work, _claim(work, out)
        except OSError as error:
            failure = failure or error
    assert failure is not None
    raise failure


def _claim(work: Path, out: Path) -> int:
    if os.path.lexists(work):
        held = _lock(work, out)
        if not (work / MARKER).is_file():
            os.close(held)
            raise OutputError(f"{work}: is in the way and is not an unfinished phrasecheck run; move it away")
        shutil.rmtree(work)
        os.close(held)
    work.mkdir(parents=True)
    return _lock(work, out)


def _lock(work: Path, out: Path) -> int:
    """A lock on the work folder held for the whole run (-1 where there are no locks)."""
    if fcntl is None:
        return -1
    fd = os.open(work, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputError(f"{out}: another phrasecheck score is writing into it (its work folder is {work})") from None
    return fd


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
