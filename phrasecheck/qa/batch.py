"""Scoring many conversations: stream them from files, score on every core, keep input order.

With several workers, a small file is one task (the worker parses and scores it); a large file
is parsed here, one conversation at a time, and scored in batches.  Results come back in input
order and at most a few tasks per worker are in flight, so memory stays flat however large the
input is.  A file that cannot be read ends only that file: what it yielded before the bad line is
scored, and the error is reported with the file and line.  A conversation that fails to score
(an engine bug) is reported as its file's error, and the others are scored.
"""

from __future__ import annotations

import json
import os
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .checker import Checker
from ..conversation import Channel, Conversation
from ..errors import InputError
from .template import Template
from ..output import json_line
from ..readers import conversation_files, failure, read_conversations
from .pool import start_method, worker_pool

BATCH = 32  # conversations per task from a large file: amortises pickling, still streams
SMALL_FILE = 4 * 2**20  # bytes: a file this small is parsed and scored whole by one worker


@dataclass(frozen=True)
class FileError:
    source: str
    message: str


@dataclass(frozen=True)
class Reading:
    """How to read the transcripts (the `score` command's input options)."""

    input_format: str = "auto"  # a name of readers.FORMATS
    agent_channel: int | None = None  # as the vendor numbers it; None: each format's first track
    channel: Channel | None = None

    def conversations(self, path: Path) -> Iterator[Conversation]:
        return read_conversations(path, self.input_format, self.agent_channel, self.channel)


@dataclass(frozen=True)
class ScoreJob:
    """What a spawned worker needs to build its own checker (forked workers inherit it)."""

    packs: tuple[str, ...]
    template: str | None
    reading: Reading = Reading()
    disabled_rules: frozenset[str] = frozenset()  # `--ignore` / `--select`: these rules neither fire nor count


_checker: Checker | None = None
_template: Template | None = None
_reading = Reading()
_disabled: frozenset[str] = frozenset()


def _start_worker(job: ScoreJob, checker: Checker | None = None) -> None:
    global _checker, _template, _reading, _disabled
    _checker = checker or Checker.load(list(job.packs))
    _template = _checker.template(job.template)
    _reading = job.reading
    _disabled = job.disabled_rules
    _checker.warm()  # once, before forking


def _score(conversations: Sequence[Conversation]) -> list[dict[str, Any]]:
    assert _checker is not None, "worker started without a checker"
    return [_checker.score_conversation(c, _template, _disabled).to_dict() for c in conversations]


def _lines(results: list[dict[str, Any]]) -> list[bytes]:
    """Results as JSON lines, made in the worker: bytes cross the process boundary far more cheaply
    than nested dicts, and the parent needs the line anyway."""
    return [json_line(r) for r in results]


def _score_lines(conversations: Sequence[Conversation]) -> tuple[list[bytes], list[FileError]]:
    lines: list[bytes] = []
    errors: list[FileError] = []
    for conversation in conversations:
        try:
            lines.extend(_lines(_score((conversation,))))
        except Exception as error:
            errors.append(_scoring_error(conversation, error))
    return lines, errors


def _scoring_error(conversation: Conversation, error: Exception) -> FileError:
    source = conversation.source or conversation.id
    return FileError(source, failure(f"{source}: conversation {conversation.id!r}", error, "scoring"))


def _score_file(path: Path) -> tuple[list[bytes], list[FileError]]:
    results: list[bytes] = []
    errors: list[FileError] = []
    try:
        for conversation in _reading.conversations(path):
            lines, failed = _score_lines((conversation,))
            results.extend(lines)
            errors.extend(failed)
    except InputError as error:
        errors.append(FileError(str(path), str(error)))
    return results, errors


def _files(paths: Sequence[str], on_error: Callable[[FileError], None]) -> Iterator[Path]:
    for given in paths:
        try:
            yield from conversation_files([given])
        except InputError as error:
            on_error(FileError(given, str(error)))


def _parsed(path: Path, on_error: Callable[[FileError], None]) -> Iterator[Conversation]:
    try:
        yield from _reading.conversations(path)
    except InputError as error:
        on_error(FileError(str(path), str(error)))


def score_paths(
    paths: Sequence[str],
    job: ScoreJob,
    jobs: int = 1,
    checker: Checker | None = None,
    on_error: Callable[[FileError], None] = lambda error: None,
) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Every conversation's result under `paths`, in input order: the wire dict and its JSON line."""
    _start_worker(job, checker)  # a broken lexicon or template fails here, before any work
    if jobs <= 1:
        for path in _files(paths, on_error):
            for conversation in _parsed(path, on_error):
                try:
                    results = _score((conversation,))
                except Exception as error:
                    on_error(_scoring_error(conversation, error))
                    continue
                for result in results:
                    yield result, json_line(result)
        return
    forked = start_method() == "fork"  # forked workers inherit the checker loaded above
    pending: deque[Future] = deque()

    def finished() -> Iterator[tuple[dict[str, Any], bytes]]:
        lines, errors = pending.popleft().result()
        for line in lines:
            yield json.loads(line), line
        for error in errors:
            on_error(error)

    with worker_pool(jobs, None if forked else _start_worker, () if forked else (job,)) as pool:
        for path in _files(paths, on_error):
            if str(path) != "-" and path.stat().st_size <= SMALL_FILE:
                pending.append(pool.submit(_score_file, path))
            else:
                batch: list[Conversation] = []
                for conversation in _parsed(path, on_error):
                    batch.append(conversation)
                    if len(batch) == BATCH:
                        pending.append(pool.submit(_score_lines, batch))
                        batch = []
                        while len(pending) >= 2 * jobs:
                            yield from finished()
                if batch:
                    pending.append(pool.submit(_score_lines, batch))
            while len(pending) >= 2 * jobs:
                yield from finished()
        while pending:
            yield from finished()


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
