"""Options that several commands share, what a configuration file may set, and rule selection."""

from __future__ import annotations

import os
from enum import Enum
from typing import Iterable, Optional

import typer

from ..qa.checker import Checker
from ..config import Key
from ..lexicon import SEVERITY_RANK
from ..readers import FORMATS
from ..selection import SelectionError, disabled_rules, selectors
from .base import fail, settings


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
    parquet = "parquet"


class ScoreFormat(str, Enum):
    """What `score` writes the conversation results as: conversations.jsonl, or Parquet tables."""

    jsonl = "jsonl"
    parquet = "parquet"


class ChannelOption(str, Enum):
    call = "call"
    chat = "chat"


InputFormatOption = Enum("InputFormatOption", {name: name for name in FORMATS}, type=str)  # the readers' registry


def choices(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def metavar(enum: type[Enum]) -> str:
    return "[" + "|".join(choices(enum)) + "]"


def env_pack() -> str:
    return os.environ.get("PHRASECHECK_PACK", "core")


PackOption = typer.Option(env_pack, "--pack", "-p", metavar="PACK", show_default=False,
                          help="Pack name or path to a pack YAML (default: $PHRASECHECK_PACK, else core).")
FailOnOption = typer.Option(FailOn.warning, "--fail-on", metavar=metavar(FailOn),
                            help="Exit 1 when a violation is at least this severe.")
InputFormat = typer.Option(InputFormatOption.auto, "--input-format", metavar="FORMAT",
                           help=f"Override format detection: {', '.join(FORMATS)}.")
SelectOption = typer.Option(None, "--select", metavar="RULES",
                            help="Only these rules: ids, categories (推诿) or id globs (counter-*); repeatable, comma-separated.")
IgnoreOption = typer.Option(None, "--ignore", metavar="RULES",
                            help="Not these rules (ids, categories or globs, as for --select).")

# What a configuration file may set, by option name (see phrasecheck/config.py).  SHARED keys may
# stand at the top level and apply to every command that has the option; all of them may stand
# in a command's own table ([check], [scan], [score], [serve]).
CONFIG_KEYS = {
    "pack": Key(str, path="yaml"),
    "fail-on": Key(str, choices(FailOn)),
    "select": Key(list),
    "ignore": Key(list),
    "template": Key(str, path="yaml"),
    "input-format": Key(str, tuple(FORMATS)),
    "agent-channel": Key(int),
    "channel": Key(str, choices(ChannelOption)),
    "role": Key(str),
    "format": Key(str, tuple(dict.fromkeys((*choices(OutputFormat), *choices(ScoreFormat))))),
    "output": Key(str, path="always"),
    "out": Key(str, path="always"),
    "jobs": Key(int),
    "html-detail": Key(int),
    "fail-under": Key(int),
    "host": Key(str),
    "port": Key(int),
    "workers": Key(int),
    "reload-lexicons": Key(bool),
    "access-log": Key(bool),
}
SHARED_KEYS = ("pack", "fail-on", "select", "ignore", "template", "input-format", "agent-channel", "channel")
CONFIGURED_COMMANDS = ("check", "scan", "score", "serve")


def over_threshold(result, fail_on: FailOn) -> bool:
    if fail_on is FailOn.never:
        return False
    return any(SEVERITY_RANK[v.severity] >= SEVERITY_RANK[fail_on.value] for v in result.violations)


def rules_off(ctx: typer.Context, checker: Checker, select: Optional[Iterable[str]], ignore: Optional[Iterable[str]]) -> frozenset[str]:
    """The rule ids --select / --ignore switch off; a selector that matches nothing is exit 2,
    named with the configuration file when it came from there."""
    try:
        return disabled_rules(checker, selectors(select), selectors(ignore))
    except SelectionError as error:
        source = ctx.get_parameter_source(error.option)
        config = settings(ctx).config
        where = f"{config}: " if config is not None and source is not None and source.name == "DEFAULT_MAP" else "--"
        raise fail(f"{where}{error}") from None
