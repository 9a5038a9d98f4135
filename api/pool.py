"""Check processes: the CPU work of a request runs off the event loop, bounded, with a deadline.

Processes, not threads: a check is pure Python, and with threads the GIL hands the event loop
its turn only every few milliseconds, so `/healthz` waits behind the checks (measured with two
threads busy on 5,000-character checks: `/healthz` p99 102 ms, max 170 ms; with two processes:
p99 21 ms, max 38 ms).  The event loop only moves bytes: a request's body goes to a process as
it came, and the answer's bytes come back.

Forked, not spawned: a process checks with exactly the packs the service has validated and
serves, inherited (copy-on-write) from the parent at the fork.  Compiled packs cannot be pickled,
and compiling again from disk could pick up a file the service refused.  When what the service
serves changes (a pack compiled for the first time, a reload), each process is forked anew
before its next job.

Bounded: `size` processes, and at most `waiting` jobs waiting for one; one more raises `Busy`.
A job past its deadline raises `Expired`, whether it is still waiting or running: a running one
has its process killed (and replaced on the next job), so a pathological text cannot hold a
process, or the requests behind it, for longer than the deadline.  A process dies with the
service: it exits as soon as its parent is gone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Callable

log = logging.getLogger("phrasecheck.api")
_FORK = multiprocessing.get_context("fork")
_FORKING = threading.Lock()
_NICENESS = 10
_SLICE = 0.01  # seconds between looks at a running job's deadline and whether anyone still waits for it


class Busy(Exception):
    """Every process is busy and the queue is full."""


class Expired(Exception):
    """The job's deadline passed before it finished."""


class Lost(Exception):
    """The process running the job died (killed from outside, out of memory…)."""


@dataclass(frozen=True)
class Crash:
    """An unexpected exception in a job: its type and frames, not its message (which may quote the text)."""

    type: str
    frames: str


@dataclass(eq=False)
class _Job:
    function: Callable[..., Any]
    args: tuple
    deadline: float  # time.monotonic()
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    abandoned: bool = False  # nobody waits for the answer any more


class _Process:
    """One forked process and the parent's end of its pipe; `state` is what it inherited."""

    def __init__(self, state: Any):
        self.state = state
        # One fork at a time: a fork in between would inherit this pipe's child end (and the
        # sentinel multiprocessing closes right after its fork), and a dead child would then
        # not read as end of file, nor its exit as an exit.
        with _FORKING:
            self.conn, child = _FORK.Pipe()
            self.process = _FORK.Process(target=_serve, args=(child, self.conn, state, os.getpid()),
                                         name="phrasecheck-check", daemon=True)
            self.process.start()
            child.close()  # the parent keeps only its own end, so a dead child reads as end of file

    def call(self, job: _Job) -> Any:
        try:
            self.conn.send((job.function, job.args))
            while not self.conn.poll(_SLICE):
                if job.abandoned or time.monotonic() >= job.deadline:
                    raise Expired()
            return self.conn.recv()
        except (EOFError, OSError):  # the process died, or the pool is closing
            raise Lost(f"exit code {self.process.exitcode}") from None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()  # waitpid: prompt after SIGKILL
        self.conn.close()


class Pool:
    """`size` forked processes fed from one bounded queue by one thread each.

    `state()` is what a process inherits (and `function(state, *args)` gets): read before each
    job, and a process whose state differs from it is forked anew.  Usable from any event loop
    (or none): jobs are `concurrent.futures` futures, fed by threads."""

    def __init__(self, size: int, waiting: int, state: Callable[[], Any]):
        self.size, self.waiting, self.state = size, waiting, state
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._pending = 0  # jobs submitted and not finished: waiting or running
        self._lock = threading.Lock()
        self._feeders: list[threading.Thread] = []
        self._processes: set[_Process] = set()
        self._closed = False

    def start(self) -> None:
        """Start the feeding threads, each forking its process now (idempotent)."""
        with self._lock:
            if self._feeders or self._closed:
                return
            self._feeders = [threading.Thread(target=self._feed, name=f"phrasecheck-pool-{i}", daemon=True) for i in range(self.size)]
        for feeder in self._feeders:
            feeder.start()

    async def run(self, timeout: float, function: Callable[..., Any], *args: Any) -> Any:
        """`function(state, *args)` in a process; `Busy`, `Expired` or `Lost` when it cannot be."""
        job = _Job(function, args, time.monotonic() + timeout)
        self._submit(job)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(job.future), timeout)
        except asyncio.TimeoutError:
            raise Expired() from None
        finally:
            if not job.future.done():  # timed out, or the caller was cancelled (its client left)
                job.abandoned = True
                job.future.cancel()

    def close(self) -> None:
        """Stop the processes (a running job is abandoned) and the threads; a later job starts them again."""
        with self._lock:
            self._closed = True
            processes, feeders = list(self._processes), self._feeders
        for _ in feeders:
            self._jobs.put(None)
        for process in processes:
            process.stop()
        for feeder in feeders:
            feeder.join(5)
        with self._lock:
            self._feeders, self._closed = [], False

    def _submit(self, job: _Job) -> None:
        with self._lock:
            if self._closed or self._pending >= self.size + self.waiting:
                raise Busy()
            self._pending += 1
        job.future.add_done_callback(self._finished)
        self.start()
        self._jobs.put(job)

    def _finished(self, _future: concurrent.futures.Future) -> None:
        with self._lock:
            self._pending -= 1

    def _feed(self) -> None:
        try:
            process = self._fork(None)  # ready before the first job
        except (OSError, Busy) as error:
            log.error("cannot start a check process yet: %s", error)
            process = None
        while (job := self._jobs.get()) is not None:
            if not job.future.set_running_or_notify_cancel():
                continue
            if job.abandoned or time.monotonic() >= job.deadline:
                job.future.set_exception(Expired())
                continue
            try:
                process = self._fork(process)
                job.future.set_result(process.call(job))
            except BaseException as error:  # noqa: BLE001 - Expired, Lost, a failed fork: the caller hears of it
                self._retire(process)  # a process stopped mid-job is not reused
                process = None
                job.future.set_exception(error)
        self._retire(process)

    def _fork(self, process: _Process | None) -> _Process:
        """`process` if it is alive and has the current state, else a fresh fork."""
        state = self.state()
        if process is not None and process.process.is_alive() and process.state == state:
            return process
        self._retire(process)
        with self._lock:
            if self._closed:
                raise Busy()
        fresh = _Process(state)
        with self._lock:
            self._processes.add(fresh)
        return fresh

    def _retire(self, process: _Process | None) -> None:
        if process is None:
            return
        with self._lock:
            self._processes.discard(process)
        process.stop()


# -- in the forked process -----------------------------------------------------------------------
def _serve(conn: Connection, parents_end: Connection, state: Any, parent: int) -> None:
    """Answer jobs until the parent closes the pipe or goes away."""
    parents_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.freeze()  # what was inherited is never collected here, so collections leave its pages shared
    os.nice(_NICENESS)  # on a busy machine the event loop (and `/healthz`) gets the CPU first
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = function(state, *args)
        except BaseException as error:  # noqa: BLE001 - reported to the parent without its message
            answer = Crash(type(error).__name__, "".join(traceback.format_tb(error.__traceback__)))
        conn.send(answer)


def _exit_with(parent: int) -> None:
    """Exit when the parent is gone, even in the middle of a job (`kill -9` of the service)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
