"""`phrasecheck check` (one message) and `phrasecheck scan` (files of utterances)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import InputError, OutputError, PhrasecheckError
from ..output import json_text, keep_partial, open_partial
from ..readers import failure, read_utterances
from ..reports.parquet import write_scan
from ..reports.terminal import Checked, Summary, dump_json, explain, sarif, table, write_csv
from .app import command
from .base import console, fail, load, settings
from .options import (FailOn, FailOnOption, IgnoreOption, InputFormat, InputFormatOption, OutputFormat, PackOption,
                      SelectOption, metavar, over_threshold, rules_off)


@command(short_help="Check one message: spans, why, the standard line, a rewrite.")
def check(
    ctx: typer.Context,
    text: str = typer.Argument(..., metavar="TEXT", help="The message to check; '-' reads it from standard input."),
    pack: str = PackOption,
    role: str = typer.Option("agent", metavar="ROLE", help="agent or customer (customer turns are not scored)."),
    as_json: bool = typer.Option(False, "--json", help="Print the phrasecheck/1 JSON result."),
    fail_on: FailOn = FailOnOption,
    select: Optional[List[str]] = SelectOption,
    ignore: Optional[List[str]] = IgnoreOption,
    explain_trace: bool = typer.Option(False, "--explain", help="Also list every candidate and the stage that kept or dropped it."),
) -> None:
    """Check one message: highlighted spans, why, the standard line and a rewrite."""
    if text == "-":
        text = sys.stdin.read().strip()
    checker = load(pack)
    off = rules_off(ctx, checker, select, ignore)
    try:
        result = checker.check(text, role=role, explain=explain_trace, disabled_rules=off)
    except PhrasecheckError as error:
        raise fail(str(error)) from None
    if as_json:
        typer.echo(json_text(result.to_dict(), indent=2))
    else:
        explain(console(ctx), result)
    raise typer.Exit(1 if over_threshold(result, fail_on) else 0)


@command(short_help="Lint exports, transcripts and canned-reply libraries.")
def scan(
    ctx: typer.Context,
    files: List[str] = typer.Argument(..., metavar="FILE", help="Exports, transcripts or reply libraries in any input format ('-' for standard input)."),
    pack: str = PackOption,
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", metavar=metavar(OutputFormat), help="Output format."),
    input_format: InputFormatOption = InputFormat,
    fail_on: FailOn = FailOnOption,
    select: Optional[List[str]] = SelectOption,
    ignore: Optional[List[str]] = IgnoreOption,
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the report here instead of stdout."),
) -> None:
    """Lint exports, transcripts and canned-reply libraries: one result per utterance, in input order."""
    binary = output_format is OutputFormat.parquet
    if binary and output is None:
        raise fail("--format parquet writes a binary file: give it with --output FILE")
    checker = load(pack)
    off = rules_off(ctx, checker, select, ignore)
    try:
        out = open_partial(output) if output and not binary else sys.stdout  # renamed to OUTPUT when the scan ends
    except OutputError as error:
        raise fail(str(error)) from None
    summary = Summary()
    collected = []
    errors = []
    over = False
    try:
        for path in files:
            try:
                for record in read_utterances(path, input_format.value):
                    try:
                        result = checker.check_turn(record.text, record.role, record.id, meta=record.meta, disabled_rules=off)
                    except Exception as error:  # an engine bug costs this file only, like an unreadable line
                        raise InputError(failure(f"{record.source}: {record.id}", error, "checking")) from None
                    summary.add(result)
                    over = over or over_threshold(result, fail_on)
                    if output_format is OutputFormat.jsonl:
                        out.write(json_text(result.to_dict()) + "\n")
                        out.flush()
                    else:
                        collected.append(Checked(record, result))
            except InputError as error:
                errors.append(str(error))
        if output_format is OutputFormat.json:
            dump_json(out, [item.result.to_dict() for item in collected])
        elif output_format is OutputFormat.csv:
            write_csv(out, collected)
        elif output_format is OutputFormat.sarif:
            dump_json(out, sarif(collected, [rule for rule in checker.rules if rule.id not in off]))
        elif output_format is OutputFormat.table:
            table(console(ctx, file=out), collected, None if settings(ctx).quiet else summary)
        elif binary:
            write_scan(output, collected)
    except PhrasecheckError as error:
        raise fail(str(error)) from None
    finally:
        if output and not binary:
            out.close()
    if output and not binary:
        try:
            keep_partial(output)
        except OutputError as error:
            raise fail(str(error)) from None
    for message in errors:
        typer.echo(f"phrasecheck: error: {message}", err=True)
    raise typer.Exit(2 if errors else 1 if over else 0)
