"""Scoring templates: how a QA team turns evidence into points (YAML, like the packs).

A template has dimensions with point caps that add up to the total; each dimension has items that
deduct per hit, once per turn or once per conversation, up to the item's own `cap` (its points on
the form); veto items (一票否决, 致命项) set the total to 0, a dimension's own `veto` items set that
dimension to 0; grade bands and a pass mark turn the total into a verdict.  Evidence (an utterance
violation or a conversation finding) is taken by the first entry that matches it — conversation
vetoes, then dimension vetoes, then items — so no evidence costs points twice.  An item with a
cap whose conversation rules all did not apply (filtered out or skipped) is N/A: its cap leaves
the potential score, and the total is scaled from what remains.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from pathlib import Path
from typing import Iterable, Literal

from pydantic import Field, ValidationError, model_validator

from ..errors import LexiconError
from ..lexicon import Severity, Source, read_yaml_mapping, yaml_files
from ..lexicon.limits import field_path, shown
from ..lexicon.schema import StrictModel

DEFAULT_TEMPLATE = "call-centre"


class Match(StrictModel):
    """Which evidence an item takes: every given field must match (any of its values)."""

    rules: list[str] = []  # rule ids, shell-style wildcards allowed: "counter-*"
    kinds: list[str] = []  # "utterance" or a conversation rule kind (opening, refusal…)
    categories: list[str] = []
    severities: list[Severity] = []

    @model_validator(mode="after")
    def _not_empty(self) -> "Match":
        if not (self.rules or self.kinds or self.categories or self.severities):
            raise ValueError("`match` needs at least one of rules, kinds, categories, severities")
        return self

    def accepts(self, rule: str, kind: str, category: str, severity: str) -> bool:
        return (
            (not self.rules or any(fnmatch.fnmatchcase(rule, r) for r in self.rules))
            and (not self.kinds or kind in self.kinds)
            and (not self.categories or category in self.categories)
            and (not self.severities or severity in self.severities)
        )


class Item(StrictModel):
    id: str
    title: str
    match: Match
    deduct: int = Field(ge=0)
    per: Literal["hit", "turn", "conversation"] = "hit"
    cap: int | None = Field(None, ge=0)


class Veto(StrictModel):
    id: str
    title: str
    match: Match


class Dimension(StrictModel):
    id: str
    title: str
    cap: int = Field(gt=0)
    items: list[Item] = Field(min_length=1)
    veto: list[Veto] = []  # evidence these take sets the dimension to 0


class Grade(StrictModel):
    name: str
    min: int = Field(ge=0)


class Template(StrictModel):
    template: str
    title: str
    version: str
    description: str = ""
    source: Source | None = None
    total: int = Field(100, gt=0)
    pass_mark: int = Field(85, ge=0)
    grades: list[Grade] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    veto: list[Veto] = []

    @model_validator(mode="after")
    def _consistent(self) -> "Template":
        caps = sum(d.cap for d in self.dimensions)
        if caps != self.total:
            raise ValueError(f"dimension caps add up to {caps}, not the total {self.total}")
        mins = [g.min for g in self.grades]
        if mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ValueError("grades must be listed from the highest `min` down to a band with min 0")
        if self.pass_mark > self.total:
            raise ValueError(f"pass_mark {self.pass_mark} is above the total {self.total}")
        ids = [v.id for v in self.veto] + [e.id for d in self.dimensions for e in (*d.veto, *d.items)]
        duplicated = sorted(i for i, n in Counter(ids).items() if n > 1)  # linear: a template may list thousands
        if duplicated:
            raise ValueError(f"item ids must be unique; repeated: {shown(', '.join(duplicated), 200)}")
        return self

    def grade(self, score: int) -> str:
        return next(g.name for g in self.grades if score >= g.min)

    def taker(self, rule: str, kind: str, category: str, severity: str) -> tuple[Dimension | None, Veto | Item] | None:
        """Who takes this evidence: a conversation veto (no dimension), a dimension's veto or item, or nobody."""
        for veto in self.veto:
            if veto.match.accepts(rule, kind, category, severity):
                return None, veto
        for dimension in self.dimensions:
            for veto in dimension.veto:
                if veto.match.accepts(rule, kind, category, severity):
                    return dimension, veto
        for dimension in self.dimensions:
            for item in dimension.items:
                if item.match.accepts(rule, kind, category, severity):
                    return dimension, item
        return None

    def price(self, rule: str, kind: str, category: str, severity: str) -> tuple[int, int]:
        """How much evidence costs, to compare two views of one incident: veto > dimension veto > points."""
        taken = self.taker(rule, kind, category, severity)
        if taken is None:
            return 0, 0
        dimension, entry = taken
        if isinstance(entry, Veto):
            return (3 if dimension is None else 2), 0
        return 1, entry.deduct

    def applicability(self, conversation_rules: Iterable[tuple[str, str, str, str]],
                      phrase_rules: Iterable[tuple[str, str, str]]) -> dict[str, frozenset[str]]:
        """Items that may be N/A — a cap, and no phrase rule they take — with the conversation
        rules (id, kind, category, severity) they take: N/A when none of those applied."""
        takes: dict[str, set[str]] = {}
        priced_always = set()
        for rule, category, severity in phrase_rules:
            taken = self.taker(rule, "utterance", category, severity)
            if taken is not None:
                priced_always.add(taken[1].id)
        for rule, kind, category, severity in conversation_rules:
            taken = self.taker(rule, kind, category, severity)
            if taken is not None:
                takes.setdefault(taken[1].id, set()).add(rule)
        capped = {i.id for d in self.dimensions for i in d.items if i.cap is not None}
        return {item: frozenset(rules) for item, rules in takes.items() if item in capped and item not in priced_always}


def available_templates() -> dict[str, Path]:
    return yaml_files("templates")


def load_template(name_or_path: str | Path = DEFAULT_TEMPLATE) -> Template:
    """A template by name (`seed-003`, searched in each lexicon directory's `templates/`) or path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        known = available_templates()
        if str(name_or_path) not in known:
            raise LexiconError(f"unknown template {str(name_or_path)!r} (known templates: {', '.join(known) or 'none'})")
        path = known[str(name_or_path)]
    if not path.is_file():
        raise LexiconError(f"{path}: no such template file")
    _, data = read_yaml_mapping(path, "`template`, `dimensions` and `grades`")
    try:
        return Template.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = field_path(first["loc"]) or "(template)"
        raise LexiconError(f"{path}: {field}: {first['msg'].removeprefix('Value error, ')}") from None
