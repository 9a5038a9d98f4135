"""`phrasecheck review RUN_DIR VERDICTS…`: reviewers' verdicts and appeals applied to a scored run."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .app import command
from .base import fail, settings


@command(short_help="Apply reviewers' verdicts and appeals to a scored run: reviewed scores, rule precision.")
def review(
    ctx: typer.Context,
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="A folder `phrasecheck score --out` wrote."),
    verdicts: List[Path] = typer.Argument(..., metavar="VERDICTS", help="Verdict files (CSV or JSONL), applied in this order."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="DIR", help="Folder for the review (default RUN_DIR/review)."),
    template: Optional[str] = typer.Option(None, "--template", "-t", metavar="TEMPLATE",
                                           help="The run's scoring template, when it is a file (default: the one the run names)."),
    pack: Optional[str] = typer.Option(None, "--pack", "-p", metavar="PACK",
                                       help="Pack that prices missed and corrected rules (default: the one the run names)."),
    export_tests: Optional[Path] = typer.Option(None, "--export-tests", metavar="FILE",
                                                help="Write confirmed, false and missed hits as examples for `lexicon test --regression`."),
    html_detail: int = typer.Option(300, metavar="N", help="Conversations shown in full in report.html (reviewed ones first)."),
) -> None:
    """Apply verdict files (hit verdicts confirmed / false / partly / missed, and appeals) to a
    scored run: machine and reviewed scores side by side, every change explained, a snapshot of
    each stage, per-rule precision and recall.  Exit 2 when a verdict file or row is bad (every
    good verdict is still applied), 1 when a verdict no longer matches the run, else 0."""
    from ..review import ReviewError, review_run
    from ..review.regression import examples_of, label, write_examples

    examples: list[dict] = []
    try:
        summary = review_run(run_dir, verdicts, out=out, template=template, pack=pack, html_detail=html_detail,
                             keep=(lambda r: examples.extend(examples_of(r))) if export_tests else None)
    except ReviewError as error:
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(f"{error.filename}: {error.strerror}") from None
    for record in summary.reviews_shown():
        typer.echo(record)
    quiet = settings(ctx).quiet
    if export_tests is not None:
        try:
            count = write_examples(export_tests, label(examples, summary.rules.checker))
        except OSError as error:
            raise fail(f"{export_tests}: cannot write the regression examples ({error.strerror})") from None
        if not quiet:
            typer.echo(f"{count} regression example(s) written to {export_tests}", err=True)
    if not quiet:
        typer.echo(summary.line(), err=True)
        for path in summary.written:
            if path.parent.name != "stages":
                typer.echo(f"  {path}", err=True)
        typer.echo(f"  {summary.written[0].parent / 'stages'}/ ({sum(p.parent.name == 'stages' for p in summary.written)} stage files)", err=True)
    for note in summary.notes:
        typer.echo(f"phrasecheck: note: {note}", err=True)
    for stale in summary.stale:
        typer.echo(f"phrasecheck: stale: {stale}", err=True)
    for error in summary.errors:
        typer.echo(f"phrasecheck: error: {error}", err=True)
    raise typer.Exit(2 if summary.errors else 1 if summary.stale else 0)


@command(short_help="Trends across scored runs: by day, week, month, team, skill group, lexicon version.")
def trends(
    run_dirs: List[Path] = typer.Argument(..., metavar="RUN_DIR", help="Folders `phrasecheck score --out` wrote."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the CSV here (default: stdout)."),
) -> None:
    """trends.csv over several runs together, so a rule edit (a new lexicon version) or a coaching
    effect shows across the weeks the runs cover."""
    import sys

    from ..errors import PhrasecheckError
    from ..readers.jsondoc import load_json
    from ..reports.trends import Trends

    grouped, errors = Trends(), []
    for run_dir in run_dirs:
        source = run_dir / "conversations.jsonl"
        if not source.is_file():
            raise fail(f"{run_dir}: no conversations.jsonl (expected a folder `phrasecheck score --out` wrote)")
        with open(source, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    if line.strip():
                        grouped.add(load_json(line, str(source), number))
                except PhrasecheckError as error:
                    errors.append(str(error))
    if output is None:
        grouped.write_to(sys.stdout)
    else:
        grouped.write(output)
    for error in errors:
        typer.echo(f"phrasecheck: error: {error}", err=True)
    raise typer.Exit(2 if errors else 0)
