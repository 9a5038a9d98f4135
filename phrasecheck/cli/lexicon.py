"""`phrasecheck lexicon list | show | test | validate`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..qa.checker import Checker
from ..errors import PhrasecheckError
from ..lexicon import available_packs, load_packs
from ..reports.terminal import SEVERITY_STYLE, highlighted
from .app import app
from .base import Command, Group, console, fail, load, settings

lexicon_app = typer.Typer(cls=Group, help="List, show, test and validate lexicon packs.", no_args_is_help=True,
                          rich_markup_mode=None)
app.add_typer(lexicon_app, name="lexicon")


LIST_SHOWN = 12  # entries of a house word list that `lexicon show` prints


def command(name: str, **kwargs):
    return lexicon_app.command(name, cls=Command, **kwargs)


@command("list")
def lexicon_list(ctx: typer.Context,
                 pack: Optional[str] = typer.Option(None, "--pack", "-p", metavar="PACK", help="List this pack's rules.")) -> None:
    """Installed packs, or the rules of one pack."""
    out = console(ctx)
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
        out.print(grid)
        return
    checker = load(pack, verify=False)
    grid = Table(header_style="bold")
    for column in ("rule", "pair", "severity", "category", "pack", "scenario"):
        grid.add_column(column, overflow="fold")
    for compiled in checker.rules:
        rule = compiled.rule
        grid.add_row(rule.id, rule.pair or "", Text(rule.severity, style=SEVERITY_STYLE[rule.severity]),
                     rule.category, compiled.pack, rule.scenario)
    out.print(grid)


@command("show", short_help="One rule documented: what, why, an example, what to say.")
def lexicon_show(ctx: typer.Context,
                 rule_id: str = typer.Argument(..., metavar="RULE", help="Rule id, e.g. counter-next-one."),
                 pack: Optional[str] = typer.Option(None, "--pack", "-p", metavar="PACK", help="Look only in this pack.")) -> None:
    """One rule documented: what it flags, why, an example, what to say instead, the source."""
    names = [pack] if pack else list(available_packs())
    for name in names:
        checker = load(name, verify=False)
        try:
            compiled = checker.rule(rule_id)
        except PhrasecheckError:
            if any(c.rule.id == rule_id for c in checker.conversation_rules):
                return _show_conversation_rule(console(ctx), checker, checker.conversation_rule(rule_id))
            continue
        rule = compiled.rule
        out = console(ctx)
        title = f"{rule.id}" + (f" ({rule.pair})" if rule.pair else "")
        out.print(Text(title, style="bold"), Text(f"  {rule.severity} · {rule.category} · pack {compiled.pack}", style="dim"))
        out.print(Text("\nWhat it does", style="bold"))
        out.print(f"Flags agent lines in the scenario 「{rule.scenario}」 that match:")
        for phrase in rule.phrases:
            out.print(Text(f"  「{phrase}」"))
        if compiled.words is not None:
            _show_list(out, compiled)
        for pattern in rule.patterns:
            out.print(Text(f"  {pattern}", style="cyan"))
        if rule.unless:
            out.print("Not when:")
            for unless in rule.unless:
                only = "; pattern hits only" if unless.patterns_only else ""
                reach = f", {unless.reach} characters of the hit in a long call" if unless.reach else ""
                out.print(Text(f"  {unless.pattern}  (within the {unless.scope}{reach}{only})", style="dim"))
        out.print(Text("\nWhy is this bad?", style="bold"))
        out.print(rule.why)
        if rule.examples:
            out.print(Text("\nExample", style="bold"))
            for example in rule.examples.flag:
                out.print(explain_line(checker, example))
        if rule.suggest:
            out.print(Text("\nUse instead", style="bold"))
            for line in rule.suggest:
                out.print(Text(f"  {line}", style="green"))
        if rule.examples:
            out.print(Text("\nFine", style="bold"))
            for example in rule.examples.clean:
                out.print(Text(f"  {example}"))
        note = f" ({rule.source.note})" if rule.source and rule.source.note else ""
        out.print(Text(f"\nSource: {rule.origin}{note}", style="dim"))
        return
    raise fail(f"unknown rule {rule_id!r}" + (f" in pack {pack!r}" if pack else " in any installed pack"))


def _show_conversation_rule(out, checker: Checker, compiled) -> None:
    """A conversation rule the way `show` documents a phrase rule: its check (the operators), why,
    a flagged example conversation with what it finds, what to say, a clean example."""
    import yaml

    from ..conversation import Conversation, Turn
    from ..qa.rules import evaluate

    rule = compiled.rule
    home = checker.rule_home[rule.id].stem
    out.print(Text(rule.id, style="bold"), Text(f"  {rule.severity} · {rule.kind} · {compiled.category} · pack {home}", style="dim"))
    out.print(Text("\nWhat it does", style="bold"))
    filters = ", ".join(f"{name} is {' or '.join(values)}" for name, values in rule.when.fields.items()) if rule.when else ""
    out.print(rule.title + (f" (only when {filters})" if filters else ""))
    check = yaml.safe_dump({"check": _written(rule.check.model_dump(exclude_none=True, by_alias=True))}, allow_unicode=True, sort_keys=False,
                           default_flow_style=None, width=120)
    out.print(Text(check.rstrip(), style="cyan"))
    out.print(Text("\nWhy is this bad?", style="bold"))
    out.print(rule.why)
    out.print(Text("\nExample", style="bold"))
    for example in rule.examples.flag:
        conversation = Conversation(id="example", channel=example.channel or rule.channels[0], meta=example.meta,
                                    turns=[Turn(**t.model_dump()) for t in example.turns])
        for turn in example.turns:
            out.print(Text(f"  {'坐席' if turn.role == 'agent' else '客户'}: {turn.text}"))
        findings, _ = evaluate((compiled,), conversation, checker.normalizer,
                               lambda i: checker.check_turn(conversation.turns[i].text, conversation.turns[i].role).violations)
        for finding in findings:
            where = f"turn {finding.turn + 1}" if finding.turn is not None else "the conversation"
            out.print(Text(f"  → {where}: {finding.message}", style=SEVERITY_STYLE[rule.severity]))
    if compiled.suggestions:
        out.print(Text("\nUse instead", style="bold"))
        for line in compiled.suggestions:
            out.print(Text(f"  {line}", style="green"))
    out.print(Text("\nFine", style="bold"))
    for example in rule.examples.clean:
        out.print(Text("  " + " / ".join(f"{'坐席' if t.role == 'agent' else '客户'}: {t.text}" for t in example.turns)))
    if rule.source:
        note = f" ({rule.source.note})" if rule.source.note else ""
        out.print(Text(f"\nSource: {rule.source}{note}", style="dim"))


def _written(value):
    """A dumped check without the empty lists every `say` carries, so it reads as written."""
    if isinstance(value, dict):
        return {k: _written(v) for k, v in value.items() if v != [] and v != {}}
    return [_written(v) for v in value] if isinstance(value, list) else value


def _show_list(out, compiled) -> None:
    """A house list rule's entries: how many, from where, the first few."""
    words = compiled.words
    shown = ", ".join(f"「{text}」" for text in words.texts[:min(LIST_SHOWN, words.size)])
    more = f" … ({words.size - LIST_SHOWN} more)" if words.size > LIST_SHOWN else ""
    dropped = f", {words.duplicates} duplicate(s) after folding dropped" if words.duplicates else ""
    kind = "homophones too" if compiled.rule.phonetic else "folded exact"
    regional = f", {len(words.texts) - words.size} regional forms" if len(words.texts) > words.size else ""
    out.print(Text(f"  any of {words.size} entries of {words.words.path.name} ({kind}{dropped}{regional}):"))
    out.print(Text(f"  {shown}{more}"))


def explain_line(checker: Checker, example: str) -> Text:
    return Text.assemble("  ", highlighted(checker.check(example)))


@command("test")
def lexicon_test(ctx: typer.Context,
                 packs: Optional[List[str]] = typer.Argument(None, metavar="PACK",
                                                             help="Packs to test (default: all; with --regression, the packs its examples name)."),
                 regression: Optional[List[Path]] = typer.Option(
                     None, "--regression", metavar="FILE",
                     help="Also run reviewed hits (`phrasecheck review --export-tests`): confirmed must still flag, false stay clean.")) -> None:
    """Run every rule's own flag and clean examples, and the reviewed hits of --regression files."""
    from ..review.regression import packs_of

    quiet = settings(ctx).quiet
    names = packs or (packs_of(regression) if regression else list(available_packs()))
    seen = set()
    failures = 0
    examples = 0
    checkers: dict[str, Checker] = {}
    for name in names:
        checker = load(name, verify=False)
        checkers.setdefault(checker.lexicon["pack"], checker)
        for compiled in (*checker.rules, *checker.conversation_rules):
            if compiled.rule.examples is not None:
                examples += len(compiled.rule.examples.flag) + len(compiled.rule.examples.clean)
        for failure in checker.test_examples():
            key = (failure.pack, failure.rule, failure.example, failure.expected)
            if key not in seen:
                seen.add(key)
                failures += 1
                typer.echo(f"FAIL {failure}")
        if not quiet:
            typer.echo(f"{name}: {len(checker.rules)} rules and {len(checker.conversation_rules)} conversation rules checked")
    broken, errors = _regression(regression, checkers, quiet) if regression else (0, 0)
    if not quiet:
        typer.echo(f"{failures} failing example(s)" if failures else f"all examples pass ({examples} example runs)")
    raise typer.Exit(2 if errors else 1 if failures or broken else 0)


def _regression(paths: List[Path], checkers: dict[str, Checker], quiet: bool) -> tuple[int, int]:
    """Run the regression files: one FAIL line per broken reviewed verdict; (broken, bad lines)."""
    from ..review.regression import run_regression

    def checker_for(pack: str) -> Checker:
        if pack not in checkers:
            checkers[pack] = Checker.load(pack, verify_examples=False)
        return checkers[pack]

    outcomes, errors = run_regression(paths, checker_for)
    broken = [o for o in outcomes if not o.passed]
    for outcome in broken:
        typer.echo(f"FAIL {outcome.line}")
    fixed = [o for o in outcomes if o.known and o.line]
    if not quiet:
        for outcome in fixed:
            typer.echo(f"note: {outcome.line}")
        known = sum(o.known for o in outcomes)
        typer.echo(f"regression: {len(outcomes) - known} reviewed verdict(s), {len(broken)} broken; "
                   f"{known} already wrong when exported (known), {len(fixed)} of them now right")
    for error in errors:
        typer.echo(f"phrasecheck: error: {error}", err=True)
    return len(broken), len(errors)


@command("validate")
def lexicon_validate(packs: List[str] = typer.Argument(..., metavar="PACK", help="Pack names or YAML files.")) -> None:
    """Check schema, patterns and `extends` without running examples."""
    for name in packs:
        checker = load(name, verify=False)
        typer.echo(f"ok {name}: {len(checker.rules)} rules, {len(checker.courtesy)} courtesy entries "
                   f"({', '.join(p.pack.pack for p in checker.packs)})")
