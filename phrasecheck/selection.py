"""Which rules run: `--select` / `--ignore` (`select` / `ignore` in a config file), as in Ruff.

A selector is a rule id (`counter-next-one`), a category (`推诿`, `辱骂`; a conversation rule's
category is its kind: `opening`, `refusal`…) or a glob on rule ids (`counter-*`, `conv-?reeting`).
`select` narrows the pack to the rules its selectors match (every rule when none is given);
`ignore` then removes the rules its selectors match.  A selector that matches no rule of the pack
is an error rather than nothing: a typo must not quietly switch every rule off, or none.
"""

from __future__ import annotations

import difflib
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Iterable, Sequence

from .errors import PhrasecheckError

if TYPE_CHECKING:
    from .qa.checker import Checker

_GLOB = frozenset("*?[")


class SelectionError(PhrasecheckError):
    """A selector that matches no rule; `option` is "select" or "ignore"."""

    def __init__(self, option: str, selector: str, message: str):
        super().__init__(message)
        self.option = option
        self.selector = selector


def selectors(values: Iterable[str] | None) -> list[str]:
    """Repeated and comma-separated values as one list: ["a,b", "c"] → ["a", "b", "c"]."""
    return [part.strip() for value in values or () for part in value.replace("，", ",").split(",") if part.strip()]


def rule_labels(checker: Checker) -> list[tuple[str, str]]:
    """(id, category) of every rule of the checker's packs, utterance and conversation rules."""
    return [(c.rule.id, c.rule.category) for c in checker.rules] + [(c.rule.id, c.rule.kind) for c in checker.conversation_rules]


def matches(selector: str, rule_id: str, category: str) -> bool:
    if _GLOB & set(selector):
        return fnmatchcase(rule_id, selector)
    return selector in (rule_id, category)


def disabled_rules(checker: Checker, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> frozenset[str]:
    """The ids of the rules that `select` and `ignore` switch off (empty when both are empty)."""
    labels = rule_labels(checker)
    pack = checker.lexicon["pack"]
    chosen = _matching(labels, select, "select", pack) if select else {rule_id for rule_id, _ in labels}
    ignored = _matching(labels, ignore, "ignore", pack)
    return frozenset(rule_id for rule_id, _ in labels if rule_id not in chosen or rule_id in ignored)


def _matching(labels: list[tuple[str, str]], given: Sequence[str], option: str, pack: str) -> set[str]:
    found: set[str] = set()
    for selector in given:
        hit = {rule_id for rule_id, category in labels if matches(selector, rule_id, category)}
        if not hit:
            names = sorted({name for label in labels for name in label})
            close = difflib.get_close_matches(selector, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (a rule id, a category such as 推诿, or a glob such as counter-*)"
            raise SelectionError(option, selector, f"{option} {selector!r} matches no rule of pack {pack!r}{hint}")
        found |= hit
    return found
