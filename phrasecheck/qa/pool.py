"""A process pool whose workers never outlive the run that started them.

An idle worker waits on the task queue's pipe, and its siblings hold that pipe open too, so it
never sees the parent die: without help, `kill -9` of `phrasecheck score --jobs 2` leaves both
workers waiting for ever.  So each worker asks the kernel to SIGKILL it when its parent dies
(Linux `prctl(PR_SET_PDEATHSIG)`), or elsewhere watches its parent's pid from a thread.  Workers
are forked where the platform can (they inherit the loaded checker), else spawned; both have the
run itself as their parent (a forkserver would stand between them, and it is not used).

Ctrl-C is the run's to handle: workers ignore SIGINT, so a terminal's Ctrl-C, which reaches the
whole process group, prints no worker traceback.  A run that stops early (an exception, Ctrl-C, a
consumer closing the results) kills its workers instead of waiting for the tasks in flight.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 0.5  # how often a worker without PR_SET_PDEATHSIG looks for its parent


def start_method() -> str:
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


@contextmanager
def worker_pool(jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of `jobs` workers that die with this process.  `initializer` runs in each worker
    (after it is bound to its parent); forked workers may not need one.  Submit from one thread
    that outlives the pool: Linux sends the death signal when the thread that started a worker ends."""
    method = start_method()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_init, initargs=(os.getpid(), initializer, initargs))
    try:
        yield pool
    except BaseException:  # GeneratorExit included: whoever stops early does not wait for the tasks
        kill_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def kill_workers(pool: ProcessPoolExecutor) -> None:
    killer = getattr(pool, "kill_workers", None)  # Python 3.14
    if killer is not None:
        killer()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _worker_init(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):  # a forked worker would inherit the run's own handlers
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    bind_to_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def bind_to_parent(parent: int) -> None:
    """End this process when `parent` ends: at once by the kernel's signal where there is one, else
    within WATCH_SECONDS by a watching thread."""
    if not kill_on_parent_death():
        threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def kill_on_parent_death() -> bool:
    """Ask Linux for SIGKILL when the parent dies; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
