"""The root group: --version, the configuration file (one `default_map` for every command's
defaults), and the output settings -q / --no-color."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .. import __version__
from ..config import ConfigError, default_map, find, read
from ..output import tolerate_surrogates
from .base import HELP_ASKED, Command, Group, Settings, fail, remember
from .options import CONFIG_KEYS, CONFIGURED_COMMANDS, SHARED_KEYS

app = typer.Typer(
    cls=Group,
    name="phrasecheck",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def command(*args, **kwargs):
    """`app.command` with plain help."""
    return app.command(*args, cls=Command, **kwargs)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"phrasecheck {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version, help="Print the version and exit."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE",
                                          help="Read settings from this phrasecheck.toml or pyproject.toml instead of the "
                                               "nearest one above the working directory."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every configuration file."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour or other styling (also when $NO_COLOR is set)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only results and errors: no summaries, no progress bar."),
) -> None:
    """Service-language linter for Chinese customer service: banned phrases, standard lines, scores.

    Settings come from the command line, then the nearest phrasecheck.toml (or [tool.phrasecheck]
    in pyproject.toml) above the working directory, then the built-in defaults.
    """
    tolerate_surrogates(sys.stdout)  # an undecodable file name or odd input field never stops the output
    if config is not None and isolated:
        raise fail("--config and --isolated exclude each other")
    no_color = no_color or os.environ.get("NO_COLOR", "") != ""
    try:
        if isolated:
            found = None
        elif config is not None:
            found = read(config)
        else:
            found = find(Path.cwd())
        if found is not None:
            ctx.default_map = default_map(found, CONFIG_KEYS, SHARED_KEYS, _configurable(ctx))
    except ConfigError as error:
        if not ctx.meta.get(HELP_ASKED):  # --help still works beside a broken file
            raise fail(str(error)) from None
        found = None
    remember(ctx, Settings(quiet=quiet, no_color=no_color, config=found.path if found else None))


def _configurable(ctx: typer.Context) -> dict[str, dict[str, str]]:
    """{command: {config key: parameter name}} for each option a configuration file may set."""
    commands = {}
    for name in CONFIGURED_COMMANDS:
        options = {}
        for param in ctx.command.commands[name].params if name in ctx.command.commands else ():
            for opt in param.opts:
                if opt.startswith("--") and opt[2:] in CONFIG_KEYS:
                    options[opt[2:]] = param.name
        commands[name] = options
    return commands
