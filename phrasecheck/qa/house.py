"""House rules: a team's conversation rules given with a request (REST, Python) or as a file.

An inline document is `{conversation_rules: [...]}` in the pack schema; a file or pack name is
read as a pack, whose conversation rules are added.  The rules are compiled with the scoring
checker (its word classes, courtesy lines and phrase rules) and must pass their own examples,
as in a pack.  Every problem is one `HouseRulesError` naming the rule and the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from pydantic import Field, ValidationError

from ..errors import LexiconError
from ..lexicon import ConversationRule, read_pack, resolve
from ..lexicon.schema import StrictModel
from .rules import CompiledConversationRule

if TYPE_CHECKING:
    from .checker import Checker

HOUSE_CACHE = 32  # compiled documents a checker keeps (a service sees the same few over and over)


class HouseRulesError(LexiconError):
    """A house rule that cannot be used: `rule` and `field` say where (either may be None)."""

    def __init__(self, message: str, rule: str | None = None, field: str | None = None):
        super().__init__(message)
        self.rule, self.field = rule, field


class HouseDocument(StrictModel):
    conversation_rules: list[ConversationRule] = Field(min_length=1)


@dataclass(frozen=True)
class HouseRules:
    rules: tuple[CompiledConversationRule, ...]
    source: str


def read_house_rules(checker: "Checker", document: Mapping[str, Any] | str | os.PathLike, where: str) -> HouseRules:
    if isinstance(document, (str, os.PathLike)):
        path = resolve(os.fspath(document))
        where = str(path)
        rules = read_pack(Path(path)).pack.conversation_rules
        if not rules:
            raise HouseRulesError(f"{where}: no conversation_rules to add", None, "conversation_rules")
    else:
        rules = _validated(document, where)
    compiled = []
    seen: set[str] = set()
    for rule in rules:
        if rule.id in checker.rule_home or rule.id in seen:
            home = checker.rule_home.get(rule.id, where)
            raise HouseRulesError(f"{where}: conversation rule {rule.id!r}: id: already defined in {home}", rule.id, "id")
        seen.add(rule.id)
        try:
            compiled.append(checker.compile_conversation_rule(rule))
        except ValueError as error:
            field, _, message = str(error).partition(": ")
            raise HouseRulesError(f"{where}: conversation rule {rule.id!r}: {error}", rule.id,
                                  field if message and field.startswith("check") else None) from None
    for rule in compiled:
        failures = checker.conversation_example_failures(rule, Path(where))
        if failures:
            raise HouseRulesError(str(failures[0]), rule.rule.id, f"examples.{failures[0].expected}")
    return HouseRules(tuple(compiled), where)


def _validated(document: Any, where: str) -> list[ConversationRule]:
    try:
        return HouseDocument.model_validate(document).conversation_rules
    except ValidationError as error:
        first = error.errors()[0]
        location = [str(p) for p in first["loc"]]
        rule = None
        if len(location) >= 2 and location[0] == "conversation_rules" and location[1].isdigit():
            items = document.get("conversation_rules") if isinstance(document, Mapping) else None
            item = items[int(location[1])] if isinstance(items, list) and int(location[1]) < len(items) else None
            rule = item.get("id") if isinstance(item, Mapping) else None
            rule = str(rule) if rule is not None else f"#{int(location[1]) + 1}"
            location = location[2:]
        field = ".".join(location) or None
        message = first["msg"].removeprefix("Value error, ")
        named = f"conversation rule {rule!r}: " if rule else ""
        raise HouseRulesError(f"{where}: {named}{field + ': ' if field else ''}{message}", rule, field) from None
