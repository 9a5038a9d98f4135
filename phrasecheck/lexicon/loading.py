"""Finding packs and loading them: search path, YAML reading, schema errors as one line, `extends`.

A pack is data only.  Validation errors name the file, the rule id and the field, so a rule
author can fix a pack without reading Python.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from pydantic import ValidationError

from ..errors import LexiconError
from .cache import cache_path, fetch_pickled, store_pickled
from .limits import field_path, limits, shown
from .reading import parse_yaml_mapping, read_bounded
from .schema import Pack
from .wordlist import WordList, inline_word_list, read_word_list

_PACKAGE = Path(__file__).resolve().parent.parent
_BUNDLED = _PACKAGE.parent / "lexicons"  # a source checkout
_INSTALLED = _PACKAGE / "_lexicons"  # a wheel


@dataclass(frozen=True)
class LoadedPack:
    pack: Pack
    path: Path
    digest: str  # of the pack file's bytes
    lists: Mapping[str, WordList] = field(default_factory=dict)  # rule id → its house word list


def search_path() -> list[Path]:
    """Directories searched for `NAME.yaml`: $PHRASECHECK_LEXICONS first, then the bundled packs."""
    extra = [Path(p) for p in os.environ.get("PHRASECHECK_LEXICONS", "").split(os.pathsep) if p]
    return extra + [p for p in (_BUNDLED, _INSTALLED) if p.is_dir()]


def yaml_files(folder: str = "") -> dict[str, Path]:
    """`NAME.yaml` files in `folder` of every search-path directory; earlier directories win."""
    found: dict[str, Path] = {}
    for directory in reversed(search_path()):
        for path in sorted((directory / folder).glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def available_packs() -> dict[str, Path]:
    return yaml_files()


def resolve(name_or_path: str, packs: Mapping[str, Path] | None = None) -> Path:
    """A pack name's file (from `packs`, else the search path) or a `.yaml` path as it is."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_file():
            raise LexiconError(f"{shown(name_or_path, 200)}: no such lexicon file")
        return candidate
    packs = available_packs() if packs is None else packs
    if name_or_path not in packs:
        known = ", ".join(packs) or "none"
        raise LexiconError(f"unknown pack {shown(name_or_path)} (known packs: {known})")
    return packs[name_or_path]


_LISTS = {"rules": "rule", "courtesy": "courtesy", "conversation_rules": "conversation rule"}


def _describe(error: ValidationError, data: dict) -> str:
    first = error.errors()[0]
    location = list(first["loc"])
    where = ""
    if len(location) >= 2 and location[0] in _LISTS and isinstance(location[1], int):
        items = data.get(location[0]) or []
        item = items[location[1]] if isinstance(items, list) and location[1] < len(items) else {}
        ident = item.get("id", f"#{location[1] + 1}") if isinstance(item, dict) else f"#{location[1] + 1}"
        where = f"{_LISTS[location[0]]} {shown(ident)}: "
        location = location[2:]
    field = field_path(location) or ("" if where else "(pack)")
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}{field}: {message}" if field else f"{where}{message}"


PARSED_KEPT = 64  # parsed packs kept: each edit of a pack file is a new entry


def read_pack(path: Path) -> LoadedPack:
    raw = read_bounded(path, "pack_bytes", "YAML file")
    digest = hashlib.sha256(raw).hexdigest()
    pack = _parsed(path, raw, digest)
    if pack.pack != path.stem and path.parent in search_path():
        raise LexiconError(f"{path}: pack name {shown(pack.pack)} does not match the file name {path.stem!r}")
    lists = {}
    for rule in pack.rules:
        listed = rule.phrase_list
        if listed is not None:
            lists[rule.id] = (read_word_list(rule.id, path.parent / listed.file) if listed.file
                              else inline_word_list(rule.id, path, listed.words))
    return LoadedPack(pack, path, digest, lists)


def _parsed(path: Path, raw: bytes, digest: str) -> Pack:
    """The validated pack of a file's bytes, kept between runs by their digest (and the limits in
    force): parsing and validating the bundled packs' YAML was a fifth of a cold start."""
    where = cache_path("packs", hashlib.sha256(f"{digest}\n{path.resolve()}\n{limits()}".encode()).hexdigest(), ".pickle")
    kept = fetch_pickled(where, Pack)
    if kept is not None:
        return kept
    data = parse_yaml_mapping(path, raw, "`pack`, `title`, `version` and `rules`")
    try:
        pack = Pack.model_validate(data)
    except ValidationError as error:
        raise LexiconError(f"{path}: {_describe(error, data)}") from None
    store_pickled(where, pack, PARSED_KEPT)
    return pack


def load_packs(names: list[str]) -> list[LoadedPack]:
    """Packs in dependency order (every pack after the packs it extends), each once."""
    ordered: list[LoadedPack] = []
    seen: dict[Path, LoadedPack] = {}
    packs = available_packs()
    depth = limits().extends_depth

    def visit(name: str, trail: tuple[str, ...]) -> None:
        path = resolve(name, packs).resolve()
        if path in seen:
            return
        if str(path) in trail:
            raise LexiconError(f"{path}: `extends` forms a cycle ({' → '.join(Path(t).stem for t in trail)})")
        if len(trail) == depth:
            raise LexiconError(f"{path}: `extends` goes too deep; {limits().expected('extends_depth', ' packs')}")
        loaded = read_pack(path)
        for parent in loaded.pack.extends:
            try:
                visit(parent, trail + (str(path),))
            except LexiconError as error:
                raise LexiconError(f"{path}: extends {shown(parent)}: {error}") from None
        seen[path] = loaded
        ordered.append(loaded)

    for name in names:
        visit(name, ())
    rule_homes: dict[str, Path] = {}
    for loaded in ordered:
        for rule in (*loaded.pack.rules, *loaded.pack.conversation_rules):
            if rule.id in rule_homes:
                raise LexiconError(f"{loaded.path}: rule {rule.id!r} is already defined in {rule_homes[rule.id]}")
            rule_homes[rule.id] = loaded.path
    return ordered
