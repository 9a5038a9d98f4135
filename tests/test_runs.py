"""`phrasecheck score` runs that are safe to stop: --out holds one whole run or the earlier one,
never a mix; a stopped run leaves a marked partial result beside it; workers die with the run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from phrasecheck.cli import app
from phrasecheck.errors import OutputError
from phrasecheck.qa import batch
from phrasecheck.reports import run as run_module
from phrasecheck.reports.run import RunFolder
from test_score_cli import BAD_CALL, GOOD_CALL, write_jsonl

runner = CliRunner()
RUN_FILES = ("conversations.jsonl", "agents.csv", "rules.csv", "trends.csv", "report.html")


def calls(folder: Path, count: int) -> Path:
    rows = [{**row, "conv_id": f"c{n:03d}"} for n in range(count) for row in (GOOD_CALL if n % 2 else BAD_CALL)]
    path = folder / f"calls-{count}.jsonl"
    write_jsonl(path, rows)
    return path


def score(*args):
    return runner.invoke(app, ["score", "--jobs", "1", "-q", *map(str, args)])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_finished_run_is_replaced_only_with_force(tmp_path):
    out = tmp_path / "qa"
    assert score(calls(tmp_path, 2), "--out", out).exit_code == 0
    first = snapshot(out)
    assert sorted(first) == sorted(RUN_FILES)

    again = score(calls(tmp_path, 3), "--out", out)
    assert again.exit_code == 2
    assert again.output.count("\n") == 1 and "--force" in again.output and "earlier run" in again.output
    assert snapshot(out) == first

    forced = score(calls(tmp_path, 3), "--out", out, "--force")
    assert forced.exit_code == 0, forced.output
    assert len((out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls-2.jsonl", "calls-3.jsonl", "qa"]  # no work folder left


def test_an_out_that_cannot_be_written_is_one_line_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    source = calls(tmp_path, 1)
    for out in (blocker, blocker / "qa"):
        result = score(source, "--out", out)
        assert result.exit_code == 2
        assert result.output.count("\n") == 1 and str(out) in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "calls-1.jsonl"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_out_keeps_its_earlier_run(tmp_path):
    out = tmp_path / "qa"
    assert score(calls(tmp_path, 1), "--out", out).exit_code == 0
    first = snapshot(out)
    out.chmod(0o555)
    try:
        result = score(calls(tmp_path, 2), "--out", out, "--force")
    finally:
        out.chmod(0o755)
    assert result.exit_code == 2 and "Permission denied" in result.output
    assert snapshot(out) == first


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_run_leaves_a_marked_partial_and_the_earlier_run_whole(tmp_path, monkeypatch, stop):
    out = tmp_path / "qa"
    assert score(calls(tmp_path, 2), "--out", out).exit_code == 0
    first = snapshot(out)
    real = batch.score_paths

    def stopped_after_three(*args, **kwargs):
        for n, item in enumerate(real(*args, **kwargs), 1):
            yield item
            if n == 3:
                signal.raise_signal(stop)  # a real signal, to the real handler, between two conversations

    monkeypatch.setattr(batch, "score_paths", stopped_after_three)
    result = score(calls(tmp_path, 10), "--out", out, "--force")

    assert result.exit_code == 128 + stop
    assert result.output.count("\n") == 1 and f"interrupted by {stop.name}" in result.output
    assert snapshot(out) == first
    partial = tmp_path / "qa.partial"
    assert sorted(p.name for p in partial.iterdir()) == ["PARTIAL", "conversations.jsonl"]
    marker = (partial / "PARTIAL").read_text(encoding="utf-8")
    assert f"interrupted by {stop.name}" in marker and "conversations: 3 whole lines" in marker
    lines = (partial / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["c000", "c001", "c002"]
    assert signal.getsignal(stop) in (signal.default_int_handler, signal.SIG_DFL)  # handlers given back

    monkeypatch.setattr(batch, "score_paths", real)
    rerun = score(calls(tmp_path, 4), "--out", out, "--force")  # the leftover partial is no obstacle
    assert rerun.exit_code == 0, rerun.output
    assert not partial.exists() and len((out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()) == 4


def test_lines_cut_by_an_interrupted_write_are_written_again_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "NOTE_SECONDS", 3600)  # lines are written only when asked here
    run = RunFolder.start(tmp_path / "qa", force=False, command="test")
    lines = [json.dumps({"n": n, "text": "您好" * 50}).encode() + b"\n" for n in range(40)]
    for line in lines[:30]:
        run.add_line(line)
    real_write = os.write
    cut = []

    def half_then_interrupt(fd, data):
        if not cut:  # the first write puts half its bytes down, then Ctrl-C arrives
            cut.append(real_write(fd, bytes(data[: len(data) // 2])))
            raise KeyboardInterrupt
        return real_write(fd, data)

    monkeypatch.setattr(run_module.os, "write", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run._write_lines()
    for line in lines[30:]:
        run.add_line(line)
    run.stop("interrupted by SIGINT")
    assert cut and (tmp_path / "qa.partial" / "conversations.jsonl").read_bytes() == b"".join(lines)


def test_two_runs_into_one_folder_are_refused_and_a_stranger_folder_is_left_alone(tmp_path):
    first = RunFolder.start(tmp_path / "qa", force=False, command="test")
    with pytest.raises(OutputError, match="another phrasecheck score is writing"):
        RunFolder.start(tmp_path / "qa", force=False, command="test")
    first.stop("interrupted by SIGINT")
    (tmp_path / "other.partial").mkdir()
    (tmp_path / "other.partial" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="not an unfinished phrasecheck run"):
        RunFolder.start(tmp_path / "other", force=False, command="test")
    assert (tmp_path / "other.partial" / "notes.txt").read_text(encoding="utf-8") == "mine"


# -- real processes ----------------------------------------------------------------------------------

def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def held_open(fifo: Path) -> int:
    """Open the FIFO for writing once a worker opens it for reading: the worker is then blocked on a
    transcript that never ends, so the run goes on until it is stopped."""
    def opened():
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: nobody reads it yet
            return None
    return wait_for(opened, 120, "a worker to open the transcript")


SCORE = "from phrasecheck.cli import app; app(prog_name='phrasecheck')"
NO_PDEATHSIG = "import phrasecheck.qa.pool as pool; pool.kill_on_parent_death = lambda: False; " + SCORE


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("entry", [SCORE, NO_PDEATHSIG], ids=["pdeathsig", "watchdog"])
def test_workers_die_when_the_run_is_killed(tmp_path, entry):
    fifo = tmp_path / "calls.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "qa"
    process = subprocess.Popen([sys.executable, "-c", entry, "score", str(fifo), "--out", str(out), "--jobs", "2", "-q"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    writer, workers = None, set()
    try:
        writer = held_open(fifo)
        workers = wait_for(lambda: len(found := children(process.pid)) == 2 and found, 60, "two workers")
        process.kill()
        process.wait()
        wait_for(lambda: not any(alive(pid) for pid in workers), 20, f"workers {sorted(workers)} to die")
    finally:
        process.kill()
        for pid in workers:  # what a failure leaves behind is not left to run
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if writer is not None:
            os.close(writer)
    assert "state: running" in (tmp_path / "qa.partial" / "PARTIAL").read_text(encoding="utf-8")
    assert not out.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_a_parallel_run_at_once_without_tracebacks(tmp_path):
    out = tmp_path / "qa"
    assert score(calls(tmp_path, 2), "--out", out).exit_code == 0
    first = snapshot(out)
    fifo = tmp_path / "calls.jsonl"
    os.mkfifo(fifo)
    process = subprocess.Popen([sys.executable, "-c", SCORE, "score", str(fifo), "--out", str(out), "--jobs", "2", "-q", "--force"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    writer = held_open(fifo)
    workers = set()
    try:
        workers = wait_for(lambda: len(found := children(process.pid)) == 2 and found, 60, "two workers")
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        os.close(writer)
    assert process.returncode == 130
    assert stderr.decode().count("\n") == 1 and "interrupted by SIGINT" in stderr.decode()
    assert not any(alive(pid) for pid in workers)
    assert snapshot(out) == first
    assert "interrupted by SIGINT" in (tmp_path / "qa.partial" / "PARTIAL").read_text(encoding="utf-8")
