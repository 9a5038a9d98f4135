"""Scoring many conversations: stream them from files, score on every core, keep order.

The parent process reads and parses (one conversation at a time), worker processes score batches,
and results come back in input order.  At most a few batches per worker are in flight, so memory
stays flat however large the input is.  A file that cannot be read ends only that file: what it
yielded before the bad line is scored, and the error is reported with the file and line.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .checker import Checker
from .conversation import Conversation
from .errors import InputError
from .transcripts import TranscriptFormat, conversation_files, read_conversations

BATCH = 32  # conversations per task: large enough to amortise pickling, small enough to stream


@dataclass(frozen=True)
class FileError:
    source: str
    message: str


@dataclass(frozen=True)
class ScoreJob:
    """What every worker needs to build its own checker."""

    packs: tuple[str, ...]
    template: str | None


def read_all(
    paths: Sequence[str],
    input_format: TranscriptFormat = "auto",
    agent_channel: int = 0,
    channel: str | None = None,
    on_error: Callable[[FileError], None] = lambda error: None,
    on_file: Callable[[Path], None] = lambda path: None,
) -> Iterator[Conversation]:
    """Conversations of every file under `paths`, reporting each unreadable file and going on."""
    try:
        files = list(conversation_files(paths))
    except InputError as error:
        on_error(FileError(str(error).split(":", 1)[0], str(error)))
        return
    for path in files:
        try:
            yield from read_conversations(path, input_format, agent_channel, channel)
        except InputError as error:
            on_error(FileError(str(path), str(error)))
        on_file(path)


_worker_checker: Checker | None = None
_worker_template: str | None = None


def _start_worker(job: ScoreJob) -> None:
    global _worker_checker, _worker_template
    _worker_checker = Checker.load(list(job.packs))
    _worker_template = job.template


def _score_batch(batch: list[Conversation]) -> list[dict[str, Any]]:
    assert _worker_checker is not None, "worker started without a checker"
    return [_worker_checker.score_conversation(c, _worker_template).to_dict() for c in batch]


def _batches(conversations: Iterable[Conversation], size: int) -> Iterator[list[Conversation]]:
    batch: list[Conversation] = []
    for conversation in conversations:
        batch.append(conversation)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_stream(conversations: Iterable[Conversation], job: ScoreJob, jobs: int = 1) -> Iterator[dict[str, Any]]:
    """Conversation results (wire dicts) in input order, scored by `jobs` processes."""
    if jobs <= 1:
        checker = Checker.load(list(job.packs))
        template = checker.template(job.template)
        for conversation in conversations:
            yield checker.score_conversation(conversation, template).to_dict()
        return
    Checker.load(list(job.packs))  # a broken lexicon fails here, once, not in every worker
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(job,)) as pool:
        pending: deque[Future] = deque()
        for batch in _batches(conversations, BATCH):
            pending.append(pool.submit(_score_batch, batch))
            while len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
