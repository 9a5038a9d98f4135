"""Anything the OpenAPI document allows, and much it does not: schemathesis, every check and every
phase, against a real server.  Bounded here (a fixed seed, few examples per operation) to keep
the suite quick; `python benchmarks/fuzz_api.py` runs the same for longer with fresh seeds.
A 422 for a generated house rule is the one rejection excused (`schemathesis_hooks.py` says why)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from live import LiveServer

TESTS = Path(__file__).resolve().parent


def run_schemathesis(base: str, max_examples: int, seed: int | None, cwd: Path, **run: object) -> subprocess.CompletedProcess:
    """The one schemathesis run the test and the benchmark make: every check, every phase."""
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json", "--checks", "all",
               "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(max_examples),
               "--request-timeout", "60", "--generation-database", "none", "--no-color"]
    command += ["--seed", str(seed)] if seed is not None else []
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(command, cwd=cwd, env=env, **run)


def test_schemathesis_finds_nothing(tmp_path):
    server = LiveServer(tmp_path / "server.log", pack="bank-counter")
    try:
        run = run_schemathesis(server.base, max_examples=15, seed=13, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    logged = server.logged()
    assert "ERROR" not in logged and "Traceback" not in logged, logged[-5000:]
