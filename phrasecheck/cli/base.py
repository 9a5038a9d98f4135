"""What every command shares: plain help, global options anywhere, output settings, errors.

Help is Click's plain layout with readable metavars (`TEXT`, `FILE...`, `[info|warning|…]`), not
Typer's `<str>` / `{text}` type labels.  The root group's options (`--config`, `--isolated`,
`--no-color`, `-q`) may also follow the command, as in Ruff: `phrasecheck check -q TEXT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from ..qa.checker import Checker
from ..errors import PhrasecheckError

PIPE_WIDTH = 100_000  # columns for a pipe or a file: long messages and tables come out whole
_SETTINGS = "phrasecheck.settings"
HELP_ASKED = "phrasecheck.help"


@dataclass(frozen=True)
class Settings:
    """The root group's options, for every command of one invocation."""

    quiet: bool = False
    no_color: bool = False
    config: Path | None = None  # the configuration file in use


def settings(ctx: typer.Context) -> Settings:
    return ctx.meta.get(_SETTINGS, Settings())


def remember(ctx: typer.Context, value: Settings) -> None:
    ctx.meta[_SETTINGS] = value


def console(ctx: typer.Context, *, stderr: bool = False, file=None) -> Console:
    """A rich console that honours --no-color / $NO_COLOR (no styling at all, not only no colour)
    and, when it does not write to a terminal, does not wrap."""
    out = Console(file=file, stderr=stderr, highlight=False, color_system=None if settings(ctx).no_color else "auto")
    if not out.is_terminal:
        out.width = PIPE_WIDTH
    return out


def fail(message: str) -> typer.Exit:
    """A usage, lexicon or input error: one line on stderr, exit code 2."""
    typer.echo(f"phrasecheck: error: {message}", err=True)
    return typer.Exit(2)


def load(pack: str, verify: bool = True) -> Checker:
    try:
        return Checker.load(pack, verify_examples=verify)
    except PhrasecheckError as error:
        raise fail(str(error)) from None


def _metavar(param) -> str:
    name = param.metavar or param.name.upper()
    return f"{name}..." if param.nargs != 1 else name


class Command(TyperCommand):
    """Plain help: `Usage: phrasecheck check [OPTIONS] TEXT`, arguments by metavar, then the
    global options (they work after the command too)."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(_metavar(param) if param.required else f"[{_metavar(param)}]")
        return pieces

    def format_options(self, ctx, formatter) -> None:
        _format_params(self, ctx, formatter)
        root = ctx.find_root()
        records = [r for p in root.command.get_params(root) if p.name not in ("help", "version") and (r := p.get_help_record(root))]
        if records:
            with formatter.section("Global options (before or after the command)"):
                formatter.write_dl(records)


class Group(TyperGroup):
    """The root and `lexicon` groups: plain help; the root moves its own options that follow the
    command in front of it, so `phrasecheck check --config F …` means `phrasecheck --config F check …`."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = self._hoisted(ctx, args)
            options = args[: args.index("--")] if "--" in args else args
            ctx.meta[HELP_ASKED] = "--help" in options  # the root callback lets --help through a broken config
        return super().parse_args(ctx, args)

    def format_options(self, ctx, formatter) -> None:
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def _hoisted(self, ctx, args: list[str]) -> list[str]:
        options = [p for p in self.get_params(ctx) if p.param_type_name == "option" and p.name not in ("help", "version")]
        flags = {opt for p in options if p.is_flag for opt in p.opts}
        valued = {opt for p in options if not p.is_flag for opt in p.opts}
        head = 0
        while head < len(args) and args[head].startswith("-") and args[head] != "--":
            head += 2 if args[head] in valued else 1
        moved, rest, index = [], [], head
        while index < len(args):
            token = args[index]
            if token == "--":
                rest += args[index:]
                break
            if token in flags or token.split("=", 1)[0] in valued:
                moved.append(token)
                if token in valued and index + 1 < len(args):
                    moved.append(args[index + 1])
                    index += 1
            else:
                rest.append(token)
            index += 1
        return [*args[:head], *moved, *rest]


def _format_params(command, ctx, formatter) -> None:
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if param.param_type_name == "argument":
            arguments.append((_metavar(param), record[1]))
        else:
            options.append(record)
    for title, records in (("Arguments", arguments), ("Options", options)):
        if records:
            with formatter.section(title):
                formatter.write_dl(records)
