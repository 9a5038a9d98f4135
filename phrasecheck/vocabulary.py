"""The word tables in `data/vocabulary.yaml`: role words, channel words and export column names.

One table for every layer, so a role word the command line understands is also understood by
`Checker.check`, the readers and the REST service.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import InputError

_FILE = Path(__file__).resolve().parent / "data" / "vocabulary.yaml"


@dataclass(frozen=True)
class Vocabulary:
    roles: dict[str, str]  # spelling (lower case) → agent | customer | bot | system
    channels: dict[str, str]  # spelling → call | chat
    columns: dict[str, str]  # export column name → canonical column
    authors: dict[str, dict[str, str]]  # chat export → its word (or userid prefix) for an author → role
    column_order: dict[str, tuple[str, ...]]  # canonical column → its names, canonical first

    def role_help(self, allowed: Iterable[str]) -> str:
        """`agent/客服/坐席/1, customer/客户/顾客/0`: what an error message offers."""
        return ", ".join("/".join([role, *[w for w in self.spellings(role) if w != role][:3]]) for role in allowed)

    def spellings(self, role: str) -> list[str]:
        return [word for word, canonical in self.roles.items() if canonical == role]

    def column_names(self, column: str) -> tuple[str, ...]:
        """Every name of a canonical column, the canonical one first, then in the file's order."""
        return self.column_order.get(column, (column,))


def _inverted(table: dict[str, list[Any]]) -> dict[str, str]:
    return {str(word).strip().lower(): canonical for canonical, words in table.items() for word in words}


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    authors = {export: _inverted(table) for export, table in (data.get("authors") or {}).items()}
    order = {column: (column, *(str(name).strip().lower() for name in names)) for column, names in data["columns"].items()}
    return Vocabulary(_inverted(data["roles"]), _inverted(data["channels"]), _inverted(data["columns"]), authors, order)


def canonical_role(value: Any, where: str, allowed: tuple[str, ...] = ("agent", "customer")) -> str:
    """`agent` or `customer` (or another allowed role) for any spelling; an unknown one is an
    `InputError` naming `where` and the spellings that are understood."""
    table = vocabulary()
    role = table.roles.get(str(value).strip().lower()) if value is not None else None
    if role is None or role not in allowed:
        raise InputError(f"{where}: unknown role {value!r} (expected {table.role_help(allowed)})")
    return role
