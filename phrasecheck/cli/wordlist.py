"""`phrasecheck lexicon import`: a team's word list becomes a pack in one step."""

from __future__ import annotations

import os
import shutil
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import PhrasecheckError
from ..lexicon import SEVERITY_RANK
from ..lexicon.wordlist import list_pack_text
from .base import fail, load, settings
from .lexicon import command
from .options import metavar

SeverityOption = Enum("SeverityOption", {name: name for name in SEVERITY_RANK}, type=str)


@command("import", short_help="Turn a word list (TXT or CSV) into a pack.")
def lexicon_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="The list: TXT one entry a line, or CSV (entry in the first column)."),
    category: str = typer.Option(..., "--category", metavar="CATEGORY", help="Category of every entry, e.g. 禁语."),
    severity: SeverityOption = typer.Option(..., "--severity", metavar=metavar(SeverityOption), help="Severity of every entry."),
    rule_id: str = typer.Option("house-words", "--id", metavar="ID", help="The rule's id (kebab-case)."),
    pack_name: Optional[str] = typer.Option(None, "--pack-name", metavar="NAME", help="The pack's name (default: the output file's name)."),
    extends: List[str] = typer.Option(["core"], "--extends", metavar="PACK",
                                      help="Packs the new one extends (repeat it); 'none' for a pack of its own."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="PACK.yaml", help="Where to write (default: FILE beside itself as .yaml)."),
    copy: bool = typer.Option(False, "--copy", help="Copy the list beside the pack instead of referring to it where it is."),
    phonetic: bool = typer.Option(False, "--phonetic", help="Match homophones of the entries too (slower to load)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing pack file (or copied list)."),
) -> None:
    """Write a pack whose one rule bans every entry of FILE, and check that it loads."""
    if not file.is_file():
        raise fail(f"{file}: no such word list file")
    out = out or file.with_suffix(".yaml")
    if out.suffix not in (".yaml", ".yml"):
        raise fail(f"{out}: the pack file must end in .yaml")
    if out.resolve() == file.resolve():
        raise fail(f"{out}: would overwrite the word list itself; give --out")
    if out.exists() and not force:
        raise fail(f"{out}: already exists (use --force to overwrite it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, bytes | None]] = []  # what to put back if the pack does not load
    listed = file
    if copy:
        listed = out.parent / file.name
        if listed.resolve() != file.resolve():
            if listed.exists() and not force:
                raise fail(f"{listed}: already exists (use --force to overwrite it)")
            written.append((listed, listed.read_bytes() if listed.exists() else None))
            shutil.copyfile(file, listed)
    reference = Path(os.path.relpath(listed.resolve(), out.parent.resolve())).as_posix()
    parents = [] if extends == ["none"] else extends
    text = list_pack_text(pack_name or out.stem, reference, rule_id, category, severity.value, parents, phonetic)
    written.append((out, out.read_bytes() if out.exists() else None))
    out.write_text(text, encoding="utf-8")
    try:
        checker = load(str(out))
    except (typer.Exit, PhrasecheckError):
        for path, previous in reversed(written):
            path.unlink() if previous is None else path.write_bytes(previous)
        raise
    words = checker.rule(rule_id).words
    dropped = f", {words.duplicates} duplicate(s) after folding dropped" if words.duplicates else ""
    typer.echo(f"wrote {out}: rule {rule_id!r} [{severity.value}] {category}, {words.size} entries from {reference}{dropped}"
               + (f", extends {', '.join(parents)}" if parents else ""))
    if not settings(ctx).quiet:
        typer.echo(f"use it:  phrasecheck check --pack {out} \"…\"")
        typer.echo(f"         phrasecheck scan --pack {out} replies.txt")
