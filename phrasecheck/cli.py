"""The `phrasecheck` command line.

Exit codes: 0 nothing at or above `--fail-on`, 1 violations at or above it, 2 usage, lexicon or
input error (one line naming the file and line; results for lines before a bad one are printed).
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .checker import Checker
from .errors import InputError, PhrasecheckError
from .lexicon import SEVERITY_RANK, available_packs, load_packs
from .readers import FORMATS, read_utterances
from .report import SEVERITY_STYLE, Checked, Summary, dump_json, explain, highlighted, sarif, table, write_csv

app = typer.Typer(
    help="Service-language linter for Chinese customer service: banned phrases, standard lines, scores.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
lexicon_app = typer.Typer(help="List, show, test and validate lexicon packs.", no_args_is_help=True)
app.add_typer(lexicon_app, name="lexicon")

DEFAULT_PACK = os.environ.get("PHRASECHECK_PACK", "core")
PackOption = typer.Option(DEFAULT_PACK, "--pack", "-p", help="Pack name or path to a pack YAML ($PHRASECHECK_PACK).")


class FailOn(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"
    critical = "critical"
    never = "never"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    sarif = "sarif"


InputFormatOption = Enum("InputFormatOption", {name: name for name in FORMATS}, type=str)  # the readers' registry


def _fail(message: str) -> typer.Exit:
    typer.echo(f"phrasecheck: error: {message}", err=True)
    return typer.Exit(2)


def _load(pack: str, verify: bool = True) -> Checker:
    try:
        return Checker.load(pack, verify_examples=verify)
    except PhrasecheckError as error:
        raise _fail(str(error)) from None


def _over_threshold(result, fail_on: FailOn) -> bool:
    if fail_on is FailOn.never:
        return False
    return any(SEVERITY_RANK[v.severity] >= SEVERITY_RANK[fail_on.value] for v in result.violations)


@app.command()
def check(
    text: str = typer.Argument(..., help="The message to check; '-' reads it from standard input."),
    pack: str = PackOption,
    role: str = typer.Option("agent", help="agent or customer (customer turns are not scored)."),
    as_json: bool = typer.Option(False, "--json", help="Print the phrasecheck/1 JSON result."),
    fail_on: FailOn = typer.Option(FailOn.warning, help="Exit 1 when a violation is at least this severe."),
    explain_trace: bool = typer.Option(False, "--explain", help="Also list every candidate and the stage that kept or dropped it."),
) -> None:
    """Check one message: highlighted spans, why, the standard line and a rewrite."""
    if text == "-":
        text = sys.stdin.read().strip()
    checker = _load(pack)
    try:
        result = checker.check(text, role=role, explain=explain_trace)
    except PhrasecheckError as error:
        raise _fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        explain(Console(highlight=False), result)
    raise typer.Exit(1 if _over_threshold(result, fail_on) else 0)


@app.command()
def scan(
    files: List[str] = typer.Argument(..., help="Exports, transcripts or reply libraries in any input format ('-' for standard input)."),
    pack: str = PackOption,
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="Output format."),
    input_format: InputFormatOption = typer.Option(InputFormatOption.auto, help="Override format detection."),
    fail_on: FailOn = typer.Option(FailOn.warning, help="Exit 1 when a violation is at least this severe."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout."),
) -> None:
    """Lint exports, transcripts and canned-reply libraries: one result per utterance, in input order."""
    checker = _load(pack)
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    summary = Summary()
    collected = []
    errors = []
    over = False
    try:
        for path in files:
            try:
                for record in read_utterances(path, input_format.value):
                    result = checker.check_turn(record.text, record.role, record.id, meta=record.meta)
                    summary.add(result)
                    over = over or _over_threshold(result, fail_on)
                    if output_format is OutputFormat.jsonl:
                        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
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
            dump_json(out, sarif(collected, checker.rules))
        elif output_format is OutputFormat.table:
            table(Console(file=out, highlight=False), collected, summary)
    finally:
        if output:
            out.close()
    for message in errors:
        typer.echo(f"phrasecheck: error: {message}", err=True)
    raise typer.Exit(2 if errors else 1 if over else 0)


class ChannelOption(str, Enum):
    call = "call"
    chat = "chat"


@app.command()
def score(
    paths: List[str] = typer.Argument(..., help="Transcript files or folders (searched recursively)."),
    pack: str = PackOption,
    template: Optional[str] = typer.Option(None, "--template", "-t", help="Scoring template name or YAML file (default seed-003)."),
    out: Path = typer.Option(Path("phrasecheck-report"), "--out", "-o", help="Folder for conversations.jsonl, agents.csv, rules.csv, report.html."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (0: one per core)."),
    input_format: InputFormatOption = typer.Option(InputFormatOption.auto, help="Override format detection."),
    agent_channel: int = typer.Option(0, help="ASR channel or speaker number that is the agent."),
    channel: Optional[ChannelOption] = typer.Option(None, help="Treat every conversation as a phone call or a chat."),
    html_detail: int = typer.Option(300, help="Conversations shown in full in report.html (the lowest scores and every veto)."),
    fail_under: Optional[int] = typer.Option(None, help="Exit 1 when any conversation scores below this."),
) -> None:
    """Score call transcripts and chat logs on the 100-point template; write per-agent and per-rule reports."""
    from .batch import FileError, Reading, ScoreJob, default_jobs, score_paths
    from .qa_report import QAReport

    checker = _load(pack)
    try:
        checker.template(template)
    except PhrasecheckError as error:
        raise _fail(str(error)) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _fail(f"{out}: cannot create the output folder ({error.strerror})") from None
    workers = jobs if jobs > 0 else default_jobs()
    report = QAReport(detail_limit=html_detail)
    errors: list[FileError] = []

    def failed(error: FileError) -> None:
        errors.append(error)
        report.add_error(error.source, error.message)

    job = ScoreJob((pack,), template, Reading(input_format.value, agent_channel, channel.value if channel else None))
    below = False
    progress = _progress()
    with progress, open(out / "conversations.jsonl", "wb") as jsonl:
        task = progress.add_task("scoring", total=None)
        for result, line in score_paths(paths, job, workers, checker, on_error=failed):
            jsonl.write(line)
            report.add(result)
            below = below or (fail_under is not None and result["score"] < fail_under)
            progress.update(task, advance=1)
    written = report.write(out)
    typer.echo(report.summary_line(), err=True)
    for name in ("conversations.jsonl", *[p.name for p in written.values()]):
        typer.echo(f"  {out / name}", err=True)
    for error in errors:
        typer.echo(f"phrasecheck: error: {error.message}", err=True)
    if errors:
        typer.echo(f"phrasecheck: {len(errors)} file(s) could not be read; every other conversation was scored", err=True)
    raise typer.Exit(2 if errors else 1 if below else 0)


def _progress():
    """A progress bar on an interactive terminal; nothing in CI or when stderr is a file."""
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    quiet = not console.is_terminal or bool(os.environ.get("CI"))
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TextColumn("conversations"),
                    TimeElapsedColumn(), console=console, disable=quiet, transient=True)


@lexicon_app.command("list")
def lexicon_list(pack: Optional[str] = typer.Option(None, "--pack", "-p", help="List this pack's rules.")) -> None:
    """Installed packs, or the rules of one pack."""
    console = Console(highlight=False)
    if pack is None:
        grid = Table(header_style="bold")
        for column in ("pack", "title", "version", "extends", "rules", "courtesy"):
            grid.add_column(column)
        for name, path in available_packs().items():
            try:
                loaded = load_packs([str(path)])[-1].pack
            except PhrasecheckError as error:
                grid.add_row(name, Text(f"error: {error}", style="red"), "", "", "", "")
                continue
            grid.add_row(name, loaded.title, loaded.version, ", ".join(loaded.extends) or "-",
                         str(len(loaded.rules)), str(len(loaded.courtesy)))
        console.print(grid)
        return
    checker = _load(pack, verify=False)
    grid = Table(header_style="bold")
    for column in ("rule", "pair", "severity", "category", "pack", "scenario"):
        grid.add_column(column, overflow="fold")
    for compiled in checker.rules:
        rule = compiled.rule
        grid.add_row(rule.id, rule.pair or "", Text(rule.severity, style=SEVERITY_STYLE[rule.severity]),
                     rule.category, compiled.pack, rule.scenario)
    console.print(grid)


@lexicon_app.command("show")
def lexicon_show(rule_id: str = typer.Argument(..., help="Rule id, e.g. counter-next-one."),
                 pack: Optional[str] = typer.Option(None, "--pack", "-p")) -> None:
    """One rule documented: what it flags, why, an example, what to say instead, the source."""
    names = [pack] if pack else list(available_packs())
    for name in names:
        checker = _load(name, verify=False)
        try:
            compiled = checker.rule(rule_id)
        except PhrasecheckError:
            continue
        rule = compiled.rule
        console = Console(highlight=False)
        title = f"{rule.id}" + (f" ({rule.pair})" if rule.pair else "")
        console.print(Text(title, style="bold"), Text(f"  {rule.severity} · {rule.category} · pack {compiled.pack}", style="dim"))
        console.print(Text("\nWhat it does", style="bold"))
        console.print(f"Flags agent lines in the scenario 「{rule.scenario}」 that match:")
        for phrase in rule.phrases:
            console.print(Text(f"  「{phrase}」"))
        for pattern in rule.patterns:
            console.print(Text(f"  {pattern}", style="cyan"))
        if rule.unless:
            console.print("Not when:")
            for unless in rule.unless:
                console.print(Text(f"  {unless.pattern}  (within the {unless.scope})", style="dim"))
        console.print(Text("\nWhy is this bad?", style="bold"))
        console.print(rule.why)
        console.print(Text("\nExample", style="bold"))
        for example in rule.examples.flag:
            console.print(explain_line(checker, example))
        console.print(Text("\nUse instead", style="bold"))
        for line in rule.suggest:
            console.print(Text(f"  {line}", style="green"))
        console.print(Text("\nFine", style="bold"))
        for example in rule.examples.clean:
            console.print(Text(f"  {example}"))
        console.print(Text(f"\nSource: {rule.source}" + (f" ({rule.source.note})" if rule.source.note else ""), style="dim"))
        return
    raise _fail(f"unknown rule {rule_id!r}" + (f" in pack {pack!r}" if pack else " in any installed pack"))


def explain_line(checker: Checker, example: str) -> Text:
    return Text.assemble("  ", highlighted(checker.check(example)))


@lexicon_app.command("test")
def lexicon_test(packs: Optional[List[str]] = typer.Argument(None, help="Packs to test (default: all).")) -> None:
    """Run every rule's own flag and clean examples."""
    names = packs or list(available_packs())
    seen = set()
    failures = 0
    examples = 0
    for name in names:
        checker = _load(name, verify=False)
        for compiled in (*checker.rules, *checker.conversation_rules):
            examples += len(compiled.rule.examples.flag) + len(compiled.rule.examples.clean)
        for failure in checker.test_examples():
            key = (failure.pack, failure.rule, failure.example, failure.expected)
            if key not in seen:
                seen.add(key)
                failures += 1
                typer.echo(f"FAIL {failure}")
        typer.echo(f"{name}: {len(checker.rules)} rules and {len(checker.conversation_rules)} conversation rules checked")
    typer.echo(f"{failures} failing example(s)" if failures else f"all examples pass ({examples} example runs)")
    raise typer.Exit(1 if failures else 0)


@lexicon_app.command("validate")
def lexicon_validate(packs: List[str] = typer.Argument(..., help="Pack names or YAML files.")) -> None:
    """Check schema, patterns and `extends` without running examples."""
    for name in packs:
        checker = _load(name, verify=False)
        typer.echo(f"ok {name}: {len(checker.rules)} rules, {len(checker.courtesy)} courtesy entries "
                   f"({', '.join(p.pack.pack for p in checker.packs)})")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each compiles its own packs)."),
    pack: str = PackOption,
    reload_lexicons: bool = typer.Option(True, help="Recompile a pack when its YAML files change (a broken edit keeps the old rules)."),
    access_log: bool = typer.Option(True, help="Log one line per request (method, path, status; never the body)."),
) -> None:
    """Run the REST service (POST /v1/check …, the page at /, OpenAPI at /docs); needs `pip install 'phrasecheck\\[api]'`."""
    try:
        import uvicorn
    except ImportError:
        raise _fail("the REST service needs its extras: pip install 'phrasecheck[api]'") from None
    # Workers import the app by name and build it from the environment, so the options travel there.
    os.environ["PHRASECHECK_PACK"] = pack
    os.environ["PHRASECHECK_RELOAD_LEXICONS"] = "1" if reload_lexicons else "0"
    from uvicorn.config import LOGGING_CONFIG

    loggers = {**LOGGING_CONFIG["loggers"], "phrasecheck": {"handlers": ["default"], "level": "INFO", "propagate": False}}
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, access_log=access_log,
                log_config={**LOGGING_CONFIG, "loggers": loggers})  # pack reloads and their errors beside uvicorn's lines


if __name__ == "__main__":  # pragma: no cover
    app()
