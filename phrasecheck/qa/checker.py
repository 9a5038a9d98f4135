"""The `Checker` most callers use: the engine's utterance checker plus the packs' conversation
rules and scoring templates, so one object checks a message and scores a whole call.

    from phrasecheck import Checker
    checker = Checker.load("bank-counter")
    checker.score_conversation(conversation).to_dict()
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..conversation import Conversation, Turn
from ..engine.checker import Checker as UtteranceChecker
from ..engine.results import Violation
from ..errors import LexiconError
from ..lexicon import ConversationRule, LoadedPack
from ..lexicon.selftest import ExampleFailure
from .house import HOUSE_CACHE, HouseRules, read_house_rules
from .operators import Env
from .rules import CompiledConversationRule, evaluate
from .scoring import ConversationResult, finding_evidence, price, utterance_evidence
from .template import DEFAULT_TEMPLATE, Template, load_template


class Checker(UtteranceChecker):
    def __init__(self, packs: Sequence[LoadedPack]):
        super().__init__(packs)
        lines: dict[str, list[str]] = {}
        for courtesy in self.courtesy:
            lines.setdefault(courtesy.kind, []).extend(courtesy.phrases)
        self._env = Env(self.normalizer, self.classes, {kind: tuple(found) for kind, found in lines.items()},
                        frozenset(c.rule.id for c in self.rules), frozenset(c.rule.category for c in self.rules))
        self.conversation_rules = tuple(
            self._compile_conversation_rule(rule, loaded.path) for loaded in self.packs for rule in loaded.pack.conversation_rules
        )
        self._templates: dict[str, Template] = {}
        self._applicability: dict[int, tuple[Template, tuple[str, ...], dict[str, frozenset[str]]]] = {}
        self._house: dict[str, HouseRules] = {}

    def _compile_conversation_rule(self, rule: ConversationRule, where: object) -> CompiledConversationRule:
        try:
            return self.compile_conversation_rule(rule)
        except ValueError as error:
            raise LexiconError(f"{where}: conversation rule {rule.id!r}: {error}") from None

    def compile_conversation_rule(self, rule: ConversationRule) -> CompiledConversationRule:
        """A conversation rule compiled against this checker's folding, word classes, courtesy
        lines and phrase rules (ValueError naming the field if it cannot be)."""
        return CompiledConversationRule.compile(rule, self._env)

    def conversation_rule(self, rule_id: str) -> CompiledConversationRule:
        for compiled in self.conversation_rules:
            if compiled.rule.id == rule_id:
                return compiled
        raise LexiconError(f"unknown conversation rule {rule_id!r}")

    def template(self, template: str | os.PathLike | Template | None = None) -> Template:
        """A scoring template by name or path (loaded once per checker), `call-centre` by default."""
        if isinstance(template, Template):
            return template
        key = os.fspath(template or DEFAULT_TEMPLATE)
        if key not in self._templates:
            self._templates[key] = load_template(key)
        return self._templates[key]

    def house_rules(self, document: HouseRules | Mapping[str, Any] | str | os.PathLike, where: str = "house_rules") -> HouseRules:
        """Conversation rules to score with besides the packs' own: an inline document
        (`{conversation_rules: [...]}`, the pack schema) or a YAML file of them; compiled and run
        against their own examples once per checker.  A bad rule is a `HouseRulesError` naming
        the rule and the field."""
        if isinstance(document, HouseRules):
            return document
        key = os.fspath(document) if isinstance(document, (str, os.PathLike)) else json.dumps(document, sort_keys=True, default=str)
        if key not in self._house:
            if len(self._house) >= HOUSE_CACHE:
                self._house.pop(next(iter(self._house)))
            self._house[key] = read_house_rules(self, document, where)
        return self._house[key]

    def score_conversation(
        self,
        conversation: Conversation | Sequence[Turn | Mapping[str, Any]],
        template: str | os.PathLike | Template | None = None,
        disabled_rules: Iterable[str] = (),
        house_rules: HouseRules | Mapping[str, Any] | str | os.PathLike | None = None,
    ) -> ConversationResult:
        """Check every turn, run the conversation rules (the packs' and any `house_rules`), and
        score both on the template.  `disabled_rules` (phrase or conversation rule ids) neither
        fire nor count."""
        if not isinstance(conversation, Conversation):
            conversation = Conversation(id="conversation", turns=list(conversation))
        scoring = self.template(template)
        disabled = frozenset(disabled_rules)
        results = [self.check_turn(t.text, t.role, str(t.seq) if t.seq is not None else None, disabled_rules=disabled)
                   for t in conversation.turns]
        extra = self.house_rules(house_rules).rules if house_rules is not None else ()
        rules = tuple(c for c in (*self.conversation_rules, *extra) if c.rule.id not in disabled)
        findings, not_applied = evaluate(rules, conversation, self.normalizer, lambda i: results[i].violations)
        categories = {c.rule.id: c.category for c in rules}
        found = [finding_evidence(f, categories[f.rule]) for f in findings if f.status == "violated"]
        said = [e for i, (t, r) in enumerate(zip(conversation.turns, results)) for e in utterance_evidence(i, t, r)]
        takes = self._takes(scoring, rules)
        not_applicable = frozenset(item for item, ids in takes.items() if ids <= not_applied)
        score, vetoed, dimensions, deductions = price(scoring, said, found, len(results), not_applicable)
        begins = [t.begin_ms for t in conversation.turns if t.begin_ms is not None]
        ends = [t.end_ms if t.end_ms is not None else t.begin_ms for t in conversation.turns if t.begin_ms is not None]
        stats = {
            "turns": len(results),
            "agent_turns": sum(t.role == "agent" for t in conversation.turns),
            "duration_ms": max(ends) - min(begins) if begins else None,
        }
        return ConversationResult(
            conversation, results, findings, deductions, dimensions, score, scoring.grade(score),
            score >= scoring.pass_mark and not vetoed, vetoed, scoring, self.lexicon, stats,
        )

    def _takes(self, template: Template, rules: Sequence[CompiledConversationRule]) -> dict[str, frozenset[str]]:
        """The template's items that may be N/A and the rules (of those scored with) each prices."""
        ids = tuple(c.rule.id for c in rules)
        cached = self._applicability.get(id(template))
        if cached is None or cached[0] is not template or cached[1] != ids:
            takes = template.applicability(
                [(c.rule.id, c.rule.kind, c.category, c.rule.severity) for c in rules],
                [(c.rule.id, c.rule.category, c.rule.severity) for c in self.rules])
            cached = (template, ids, takes)
            self._applicability[id(template)] = cached
        return cached[2]

    def test_examples(self, rule_ids: Iterable[str] | None = None) -> list[ExampleFailure]:
        """The phrase rules' examples, then each conversation rule's example conversations."""
        wanted = set(rule_ids) if rule_ids is not None else None
        failures = super().test_examples(wanted)
        for compiled in self.conversation_rules:
            if wanted is None or compiled.rule.id in wanted:
                failures += self.conversation_example_failures(compiled, self.rule_home[compiled.rule.id])
        return failures

    def conversation_example_failures(self, compiled: CompiledConversationRule, home: Path) -> list[ExampleFailure]:
        """A conversation rule's flag examples it misses and clean ones it fires on."""
        rule = compiled.rule
        failures = []
        for expected, examples in (("flag", rule.examples.flag), ("clean", rule.examples.clean)):
            for example in examples:
                conversation = Conversation(id="example", channel=example.channel or rule.channels[0], meta=example.meta,
                                            turns=[Turn(**t.model_dump()) for t in example.turns])
                checked: dict[int, Sequence[Violation]] = {}

                def violations(i: int, turns=conversation.turns, checked=checked) -> Sequence[Violation]:
                    if i not in checked:
                        checked[i] = self.check_turn(turns[i].text, turns[i].role).violations
                    return checked[i]

                findings, _ = evaluate((compiled,), conversation, self.normalizer, violations)
                fired = tuple(f.rule for f in findings if f.status == "violated")
                if (rule.id in fired) != (expected == "flag"):
                    text = " / ".join(f"{t.role}: {t.text}" for t in example.turns)
                    failures.append(ExampleFailure(home, rule.id, text, expected, fired))
        return failures
