"""Check processes: the CPU work of a request runs off the event loop, bounded, with a deadline.

Processes, not threads: a check is pure Python, and with threads the GIL hands the event loop
its turn only every few milliseconds, so `/healthz` waits behind the checks (measured with two
threads busy on 5,000-character checks: `/healthz` p99 102 ms, max 170 ms; with two processes:
p99 21 ms, max 38 ms).  The event loop only moves bytes: a request's body goes to a process as
it came, and the answer's bytes come back; the loop waits for them as for any socket.

Forked, not spawned: a process checks with exactly the packs the service has validated and
serves, inherited (copy-on-write) from the parent at the fork.  Compiled packs cannot be pickled,
and compiling again from disk could pick up a file the service refused.  When what the service
serves changes (a pack compiled for the first time, a reload), a process is forked anew before
its next job.

Bounded: `size` processes, and at most `waiting` requests waiting for one; one more raises
`Busy`.  A job past its deadline raises `Expired`, whether it is still waiting or running: a
running one has its process killed (and replaced for the next job), as has the job of a caller
that is cancelled (its client left), so a pathological text cannot hold a process, or the
requests behind it, for longer than the deadline.  A process dies with the service: it exits as
soon as its parent is gone, `kill -9` included.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import gc
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

_FORK = multiprocessing.get_context("fork")
_FORKING = threading.Lock()
_HEADER = struct.Struct("!Q")  # a message: its length, then its pickle
_FIRST_READ = 1 << 16
_NICENESS = 10 # measured under heavy load: /healthz p99 69–99 ms at niceness 0, 18–45 ms at 10


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


class _Process:
    """One forked process and the parent's end of a socket pair to it; `state` is what it inherited.

    The parent's end is non-blocking and read and written through the event loop: a process
    answering megabytes (a long conversation) or taking a big body holds no one while it does."""

    def __init__(self, state: Any):
        self.state = state
        # One fork at a time: a fork in between would inherit this pair's child end (and the
        # sentinel multiprocessing closes right after its fork), and a dead child would then
        # not read as end of file, nor its exit as an exit.
        with _FORKING:
            self.sock, child = socket.socketpair()
            self.process = _FORK.Process(target=_serve, args=(child, self.sock, state, os.getpid()),
                                         name="phrasecheck-check", daemon=True)
            self.process.start()
            child.close()  # the parent keeps only its own end, so a dead child reads as end of file
        self.sock.setblocking(False)

    async def call(self, function: Callable[..., Any], args: tuple, deadline: float) -> Any:
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + max(0.0, deadline - time.monotonic())):
                return await self._exchange((function, args))
        except TimeoutError:
            raise Expired() from None
        except (EOFError, OSError):  # it died: the socket reads as closed or refuses the bytes
            raise Lost(f"exit code {self.process.exitcode}") from None

    async def _exchange(self, message: Any) -> Any:
        loop = asyncio.get_running_loop()
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        await loop.sock_sendall(self.sock, _HEADER.pack(len(data)) + data)
        buffer = bytearray(_FIRST_READ)  # most answers fit: one read, header and all
        got = await self._read_into(loop, buffer, 0, _HEADER.size)
        size = _HEADER.size + _HEADER.unpack_from(buffer)[0]
        if size > len(buffer):
            buffer.extend(bytes(size - len(buffer)))
        await self._read_into(loop, buffer, got, size)
        return pickle.loads(memoryview(buffer)[_HEADER.size:size])

    async def _read_into(self, loop: asyncio.AbstractEventLoop, buffer: bytearray, got: int, least: int) -> int:
        """Read into `buffer` from `got` on until at least `least` bytes are there; the count."""
        view = memoryview(buffer)
        while got < least:
            n = await loop.sock_recv_into(self.sock, view[got:])
            if n == 0:
                raise EOFError()
            got += n
        return got

    def stop(self, wait: bool = True) -> None:
        """Kill the process; reap it now, or (`wait=False`, on the event loop) in a thread: a big
        process takes milliseconds to tear down."""
        if self.process.is_alive():
            self.process.kill()
        if wait:
            self._reap()
        else:
            threading.Thread(target=self._reap, name="phrasecheck-reap", daemon=True).start()

    def _reap(self) -> None:
        self.process.join()  # waitpid: prompt after SIGKILL
        self.sock.close()


class Pool:
    """`size` slots, each with a forked process, handed to one caller at a time.

    `state()` is what a process inherits (and `function(state, *args)` gets): a slot whose
    process has another state, or died, is forked anew when it is handed out.  Usable from any
    event loop, and from several: slots and waiters are guarded by a lock, and a waiter is a
    `concurrent.futures.Future`."""

    def __init__(self, size: int, waiting: int, state: Callable[[], Any]):
        self.size, self.waiting, self.state = size, waiting, state
        self._processes: list[_Process | None] = [None] * size
        self._idle = list(range(size))
        self._waiters: collections.deque[concurrent.futures.Future] = collections.deque()
        self._lock = threading.Lock()
        self._inline = _Budget(share=0.5, burst=0.03)

    def start(self) -> None:
        """Fork the idle slots' processes now rather than for their first job."""
        with self._lock:
            for slot in self._idle:
                self._fresh(slot)

    def run_here(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(state, *args)` right here, for a small job (the caller vouches for its
        size), while such jobs take at most half of this thread's time; else `NOT_HERE`, and the
        job goes to a process (`run`).  A short message costs less than the hop to a process
        (measured: 11 µs against 117 µs), and the share bounds what a flood of small
        pathological texts can take from everything else the event loop does."""
        if not self._inline.allows():
            return NOT_HERE
        started = time.perf_counter()
        try:
            return _answer(function, self.state(), args)
        finally:
            self._inline.charge(time.perf_counter() - started)

    async def run(self, timeout: float, function: Callable[..., Any], *args: Any) -> Any:
        """`function(state, *args)` in a process; `Busy`, `Expired` or `Lost` when it cannot be."""
        deadline = time.monotonic() + timeout
        slot = await self._take(deadline)
        finished = False
        try:
            answer = await self._fresh(slot).call(function, args, deadline)
            finished = True
            return answer
        finally:
            if not finished:  # expired, lost, or the caller was cancelled: its process may still be at it
                self._stop(slot)
            self._give_back(slot)

    def close(self) -> None:
        """Stop every process (a running job is lost); a later job forks them again."""
        with self._lock:
            processes, self._processes = self._processes, [None] * self.size
        for process in processes:
            if process is not None:
                process.stop()

    async def _take(self, deadline: float) -> int:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if len(self._waiters) >= self.waiting:
                raise Busy()
            waiter: concurrent.futures.Future = concurrent.futures.Future()
            self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(waiter), max(0.0, deadline - time.monotonic()))
        except BaseException as error:  # timed out or cancelled; a slot handed over meanwhile goes back
            with self._lock:
                handed = not waiter.cancel()
                if not handed and waiter in self._waiters:
                    self._waiters.remove(waiter)
            if handed:
                self._give_back(waiter.result())
            if isinstance(error, asyncio.TimeoutError):
                raise Expired() from None
            raise

    def _give_back(self, slot: int) -> None:
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                if waiter.set_running_or_notify_cancel():
                    waiter.set_result(slot)
                    return
            self._idle.append(slot)

    def _fresh(self, slot: int) -> _Process:
        """The slot's process, forked anew if it is missing, dead or has another state."""
        process, state = self._processes[slot], self.state()
        if process is None or not process.process.is_alive() or process.state != state:
            if process is not None:
                process.stop(wait=False)
            process = self._processes[slot] = _Process(state)
        return process

    def _stop(self, slot: int) -> None:
        process, self._processes[slot] = self._processes[slot], None
        if process is not None:
            process.stop(wait=False)


class _Budget:
    """Time a thread may spend on small jobs itself: `share` of it in the long run, at most
    `burst` seconds at a time ahead of that."""

    def __init__(self, share: float, burst: float):
        self.share, self.burst = share, burst
        self.spent, self.at = 0.0, time.monotonic()

    def allows(self) -> bool:
        now = time.monotonic()
        self.spent, self.at = max(0.0, self.spent - (now - self.at) * self.share), now
        return self.spent < self.burst

    def charge(self, seconds: float) -> None:
        self.spent += seconds


NOT_HERE = object()  # `Pool.run_here`: over the share of the loop's time small jobs may take


def _answer(function: Callable[..., Any], state: Any, args: tuple) -> Any:
    try:
        return function(state, *args)
    except Exception as error:  # noqa: BLE001 - reported without its message
        return Crash(type(error).__name__, "".join(traceback.format_tb(error.__traceback__)))


# -- in the forked process -----------------------------------------------------------------------
def _serve(sock: socket.socket, parents_end: socket.socket, state: Any, parent: int) -> None:
    """Answer jobs until the parent closes its end or goes away."""
    parents_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.freeze()  # what was inherited is never collected here, so collections leave its pages shared
    os.nice(_NICENESS)  # on a busy machine the event loop (and `/healthz`) gets the CPU first
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    reader = sock.makefile("rb")
    while True:
        try:
            header = reader.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return  # the parent closed its end
            function, args = pickle.loads(reader.read(_HEADER.unpack(header)[0]))
        except (OSError, EOFError, pickle.UnpicklingError):
            return  # the parent went away mid-message
        data = pickle.dumps(_answer(function, state, args), pickle.HIGHEST_PROTOCOL)
        try:
            sock.sendall(_HEADER.pack(len(data)) + data)
        except OSError:
            return  # nobody to answer: the parent went away


def _exit_with(parent: int) -> None:
    """Exit when the parent is gone, even in the middle of a job (`kill -9` of the service)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
