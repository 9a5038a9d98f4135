"""`phrasecheck score`: transcripts and chat logs on the 100-point template, with reports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import PhrasecheckError
from .app import command
from .base import console, fail, load, settings
from .options import ChannelOption, IgnoreOption, InputFormat, InputFormatOption, PackOption, SelectOption, metavar, rules_off


@command(short_help="Score conversations on the 100-point template; write reports.")
def score(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(..., metavar="PATH", help="Transcript files or folders (searched recursively)."),
    pack: str = PackOption,
    template: Optional[str] = typer.Option(None, "--template", "-t", metavar="TEMPLATE", help="Scoring template name or YAML file (default call-centre; seed-003 is the other shipped one)."),
    out: Path = typer.Option(Path("phrasecheck-report"), "--out", "-o", metavar="DIR", help="Folder for conversations.jsonl, agents.csv, rules.csv, report.html."),
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
    fires nor costs points.
    """
    from ..qa.batch import FileError, Reading, ScoreJob, default_jobs, score_paths
    from ..reports.qa import QAReport

    checker = load(pack)
    off = rules_off(ctx, checker, select, ignore)
    try:
        checker.template(template)
    except PhrasecheckError as error:
        raise fail(str(error)) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise fail(f"{out}: cannot create the output folder ({error.strerror})") from None
    quiet = settings(ctx).quiet
    workers = jobs if jobs > 0 else default_jobs()
    report = QAReport(detail_limit=html_detail)
    errors: list[FileError] = []

    def failed(error: FileError) -> None:
        errors.append(error)
        report.add_error(error.source, error.message)

    reading = Reading(input_format.value, agent_channel, channel.value if channel else None)
    job = ScoreJob((pack,), template, reading, off)
    below = False
    progress = _progress(ctx, quiet)
    with progress, open(out / "conversations.jsonl", "wb") as jsonl:
        task = progress.add_task("scoring", total=None)
        for result, line in score_paths(paths, job, workers, checker, on_error=failed):
            jsonl.write(line)
            report.add(result)
            below = below or (fail_under is not None and result["score"] < fail_under)
            progress.update(task, advance=1)
    written = report.write(out)
    if not quiet:
        typer.echo(report.summary_line(), err=True)
        for name in ("conversations.jsonl", *[p.name for p in written.values()]):
            typer.echo(f"  {out / name}", err=True)
    for error in errors:
        typer.echo(f"phrasecheck: error: {error.message}", err=True)
    if errors and not quiet:
        typer.echo(f"phrasecheck: {len(errors)} file(s) could not be read; every other conversation was scored", err=True)
    raise typer.Exit(2 if errors else 1 if below else 0)


def _progress(ctx: typer.Context, quiet: bool):
    """A progress bar on an interactive terminal; nothing in CI, with -q, or when stderr is a file."""
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = console(ctx, stderr=True)
    off = quiet or not bar.is_terminal or bool(os.environ.get("CI"))
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TextColumn("conversations"),
                    TimeElapsedColumn(), console=bar, disable=off, transient=True)
