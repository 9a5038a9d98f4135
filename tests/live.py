"""A real `phrasecheck serve` on a free loopback port, for what only a real server shows: other
requests while one is heavy, a client that stalls or leaves, the log, the check processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


class LiveServer:
    def __init__(self, log: Path, pack: str = "core", **environment: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, **{f"PHRASECHECK_{k.upper()}": str(v) for k, v in environment.items()}}
        command = [sys.executable, "-m", "phrasecheck.cli", "serve", "--port", str(self.port), "--pack", pack, "--no-reload-lexicons"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server exited:\n{self.log.read_text()}"
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server was not ready within {timeout} s:\n{self.log.read_text()}")

    def children(self) -> set[int]:
        """The server's living child processes (the check processes)."""
        return children_of(self.process.pid)

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _parents() -> dict[int, int]:
    """Every process's parent, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def children_of(pid: int) -> set[int]:
    return {child for child, parent in _parents().items() if parent == pid and alive(child)}


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent to read its exit."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_until(condition, timeout: float = 30.0, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message or "timed out"
        time.sleep(0.05)
