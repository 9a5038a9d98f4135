"""`phrasecheck cache info | clean`: what phrasecheck keeps between runs (see README, Caches)."""

from __future__ import annotations

import shutil

import typer
from rich.table import Table

from ..lexicon.cache import KINDS, cache_root, enabled
from .app import app
from .base import Command, Group, console, fail

cache_app = typer.Typer(cls=Group, help="Show or remove what phrasecheck keeps between runs (compiled packs, the word trie).",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(cache_app, name="cache")


@cache_app.command("info", cls=Command)
def cache_info(ctx: typer.Context) -> None:
    """The cache folder, and the entries and bytes of each kind it holds."""
    out = console(ctx)
    root = cache_root()
    out.print(f"{root}" + ("" if enabled() else "  (off: PHRASECHECK_CACHE)"))
    grid = Table(header_style="bold")
    for column in ("kind", "what", "entries", "MB"):
        grid.add_column(column, justify="right" if column in ("entries", "MB") else "left")
    for kind, what in KINDS.items():
        files = [p for p in (root / kind).glob("*") if p.is_file()] if (root / kind).is_dir() else []
        grid.add_row(kind, what, str(len(files)), f"{sum(p.stat().st_size for p in files) / 1e6:.1f}")
    out.print(grid)


@cache_app.command("clean", cls=Command)
def cache_clean(ctx: typer.Context) -> None:
    """Remove the cache folder: the next run compiles its packs again (and builds the word trie)."""
    root = cache_root()
    if not root.exists():
        console(ctx).print(f"nothing to remove: {root} does not exist")
        return
    try:
        shutil.rmtree(root)
    except OSError as error:
        raise fail(f"{root}: cannot remove the cache folder ({error.strerror})") from None
    console(ctx).print(f"removed {root}")
