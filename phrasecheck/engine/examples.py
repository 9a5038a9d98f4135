"""A pack's own examples run through the compiled checker, as LanguageTool tests its rules:
every `flag` example must fire its rule and every `clean` one no rule, or the pack does not load
(`Checker.load`, `phrasecheck lexicon test`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from ..lexicon.selftest import ExampleFailure
from .judge import judge
from .results import Violation

if TYPE_CHECKING:
    from .checker import Checker


def example_failures(checker: Checker, rule_ids: Iterable[str] | None = None) -> list[ExampleFailure]:
    """Each rule's flag examples against that rule alone, its clean ones against every rule
    (a clean text is checked once however many rules give it): testing a pack of many rules
    that share a phrase costs each example its own hits, not every rule's."""
    wanted = set(rule_ids) if rule_ids is not None else None
    failures = []
    checked: dict[str, tuple[Violation, ...]] = {}
    own_values = RuleValues()
    for index, compiled in enumerate(checker.rules):
        rule = compiled.rule
        if wanted is not None and rule.id not in wanted:
            continue
        home = checker.rule_home[rule.id]
        if rule.examples is None:  # a house word list needs none
            continue
        for example in dict.fromkeys(rule.examples.flag):  # an example written twice is one test
            if not fired_before_overlaps(checker, example, index, own_values):
                failures.append(ExampleFailure(home, rule.id, example, "flag", ()))
        for example in dict.fromkeys(rule.examples.clean):
            if example not in checked:
                checked[example] = checker.check(example).violations
            # Another rule's house-list word in a clean example is the team's choice, not a
            # fault of this rule: a list must not stop the packs it extends from loading.
            fired = tuple(v.rule for v in checked[example] if v.entry is None or v.rule == rule.id)
            if fired:
                failures.append(ExampleFailure(home, rule.id, example, "clean", fired))
    return failures


def fired_before_overlaps(checker: Checker, text: str, rule: int | None = None,
                          own_values: RuleValues | None = None) -> tuple[str, ...]:
    """Rules that judge a text a violation, before overlapping hits are reduced to one: a
    rule's own example counts even where a more specific rule wins the span.  Given `rule`
    (an index), only that rule's hits are verified (a hit's values are `(kind, rule, …)`), picked
    out by `own_values`, which a caller testing many rules keeps across them."""
    normalized = checker.normalizer.full(text)
    hits = checker.matcher.scan(normalized.phon, normalized.norm)
    if rule is not None:
        own = own_values if own_values is not None else RuleValues()
        hits = [(end, mine) for end, values in hits if (mine := own(values, rule))]
    candidates = checker.matcher.verify(normalized, hits) if hits else []
    kept = judge(candidates, normalized, "agent", checker.rules, checker.judging, resolve_overlaps=False)
    return tuple(checker.rules[c.rule].id for c in kept)


class RuleValues:
    """A hit's values of one rule.  Rules sharing a phrase share its one tuple of values, so
    picking a rule's own out of it for each rule's examples was quadratic in those rules (600
    rules on one phrase: 360,000 values read); each tuple is now split by rule once, and kept
    with its split so that its id names it while this lives."""

    def __init__(self) -> None:
        self._split: dict[int, tuple[tuple, dict[int, tuple]]] = {}

    def __call__(self, values: tuple, rule: int) -> tuple:
        found = self._split.get(id(values))
        if found is None:
            by_rule: dict[int, list] = {}
            for value in values:
                by_rule.setdefault(value[1], []).append(value)
            found = self._split[id(values)] = (values, {r: tuple(own) for r, own in by_rule.items()})
        return found[1].get(rule, ())
