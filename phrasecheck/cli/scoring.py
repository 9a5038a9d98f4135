"""`phrasecheck score`: transcripts and chat logs on the 100-point template, with reports."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import typer

from ..errors import OutputError, PhrasecheckError
from .app import command
from .base import console, fail, load, settings
from .options import (ChannelOption, IgnoreOption, InputFormat, InputFormatOption, PackOption, ScoreFormat, SelectOption,
                      metavar, rules_off)


@command(short_help="Score conversations on the 100-point template; write reports.")
def score(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(..., metavar="PATH", help="Transcript files or folders (searched recursively)."),
    pack: str = PackOption,
    template: Optional[str] = typer.Option(None, "--template", "-t", metavar="TEMPLATE", help="Scoring template name or YAML file (default call-centre; seed-003 is the other shipped one)."),
    out: Path = typer.Option(Path("phrasecheck-report"), "--out", "-o", metavar="DIR", help="Folder for conversations.jsonl, agents.csv, rules.csv, trends.csv, report.html."),
    force: bool = typer.Option(False, "--force", help="Replace the earlier run that --out holds."),
    output_format: ScoreFormat = typer.Option(ScoreFormat.jsonl, "--format", "-f", metavar=metavar(ScoreFormat),
                                              help="parquet: also write Parquet tables for BI tools (conversations, turns, violations…)."),
    jobs: int = typer.Option(0, "--jobs", "-j", metavar="N", help="Worker processes (0: one per core)."),
    input_format: InputFormatOption = InputFormat,
    agent_channel: Optional[int] = typer.Option(
        None, metavar="N", help="The agent's track, numbered as the file numbers it: Alibaba ChannelId (else SpeakerId) "
        "and Tencent SpeakerId from 0, iFlytek rl from 1, a canonical file's numeric channel column. "
        "Default: the format's first track (0; iFlytek rl 1)."),
    channel: Optional[ChannelOption] = typer.Option(None, metavar=metavar(ChannelOption), help="Treat every conversation as a phone call or a chat."),
    select: Optional[List[str]] = SelectOption,
    ignore: Optional[List[str]] = IgnoreOption,
    html_detail: int = typer.Option(300, metavar="N", help="Conversations shown in full in report.html (the lowest scores and every veto)."),
    fail_under: Optional[int] = typer.Option(None, metavar="SCORE", help="Exit 1 when any conversation scores below this."),
) -> None:
    """Score call transcripts and chat logs on the 100-point template; write per-agent and per-rule reports.

    --select / --ignore apply to phrase and conversation rules alike: a rule switched off neither
    fires nor costs points.  The files appear in --out only when the run finishes; until then they
    are written beside it, in DIR.partial with a PARTIAL file saying how far the run got.
    """
    from ..qa.batch import FileError, Reading, ScoreJob, default_jobs, score_paths
    from ..qa.catalog import catalog_for_report
    from ..reports.parquet import ScoreTables
    from ..reports.qa import QAReport
    from ..reports.run import RunFolder

    checker = load(pack)
    off = rules_off(ctx, checker, select, ignore)
    try:
        checker.template(template)
    except PhrasecheckError as error:
        raise fail(str(error)) from None
    try:
        run = RunFolder.start(out, force=force, command=shlex.join(["phrasecheck", *sys.argv[1:]]))
    except OutputError as error:
        raise fail(str(error)) from None
    quiet = settings(ctx).quiet
    workers = jobs if jobs > 0 else default_jobs()
    report = QAReport(detail_limit=html_detail, rules=[r for r in catalog_for_report(checker) if r["rule"] not in off])
    errors: list[FileError] = []

    def failed(error: FileError) -> None:
        errors.append(error)
        run.files_with_errors += 1
        report.add_error(error.source, error.message)

    reading = Reading(input_format.value, agent_channel, channel.value if channel else None)
    job = ScoreJob((pack,), template, reading, off)
    below = False
    progress = _progress(ctx, quiet)
    with _on_stop_signals(_interrupt):
        try:
            tables = ScoreTables(run.work) if output_format is ScoreFormat.parquet else None
            with progress, closing(score_paths(paths, job, workers, checker, on_error=failed)) as results:
                task = progress.add_task("scoring", total=None)
                for result, line in results:
                    run.add_line(line)
                    if tables is not None:
                        tables.write(result)
                    report.add(result)
                    below = below or (fail_under is not None and result["score"] < fail_under)
                    progress.update(task, advance=1)
            run.complete(lambda work: [*(tables.close() if tables else ()), *report.write(work).values()])
        except Interrupted as stop:
            run.stop(f"interrupted by {stop.name}")
            typer.echo(f"phrasecheck: interrupted by {stop.name} after {run.conversations} conversations; partial result "
                       f"in {run.work} (see its PARTIAL file); nothing was moved into {out}", err=True)
            raise typer.Exit(128 + stop.number) from None
        except PhrasecheckError as error:  # a file that cannot be written; Parquet without pyarrow
            run.stop("stopped: a file could not be written")
            raise fail(str(error)) from None
        except BaseException:
            run.stop("stopped by an error (see the message it printed)")
            raise
    with _on_stop_signals(signal.SIG_IGN):  # a few renames: not worth leaving half done
        try:
            written = run.publish()
        except OutputError as error:
            raise fail(str(error)) from None
    if not quiet:
        typer.echo(report.summary_line(), err=True)
        for path in written:
            typer.echo(f"  {path}", err=True)
    for error in errors:
        typer.echo(f"phrasecheck: error: {error.message}", err=True)
    if errors and not quiet:
        typer.echo(f"phrasecheck: {len(errors)} file(s) could not be read; every other conversation was scored", err=True)
    raise typer.Exit(2 if errors else 1 if below else 0)


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(Exception):
    """A stop signal arrived while the run was going on."""

    def __init__(self, number: int):
        super().__init__(signal.Signals(number).name)
        self.number = number
        self.name = signal.Signals(number).name


def _interrupt(number: int, frame) -> None:
    for other in STOP_SIGNALS:  # the clean-up runs once, undisturbed by a second Ctrl-C
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(number)


@contextmanager
def _on_stop_signals(handler: Callable | int) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP go to `handler` inside the block (in the main thread; a signal
    ignored on entry, as under nohup or in a background job, stays ignored)."""
    installed = {}
    if threading.current_thread() is threading.main_thread():
        for number in STOP_SIGNALS:
            if signal.getsignal(number) is not signal.SIG_IGN:
                installed[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, previous in installed.items():
            signal.signal(number, signal.SIG_DFL if previous is None else previous)


def _progress(ctx: typer.Context, quiet: bool):
    """A progress bar on an interactive terminal; nothing in CI, with -q, or when stderr is a file."""
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = console(ctx, stderr=True)
    off = quiet or not bar.is_terminal or bool(os.environ.get("CI"))
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TextColumn("conversations"),
                    TimeElapsedColumn(), console=bar, disable=off, transient=True)
