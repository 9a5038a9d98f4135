"""The `Checker` most callers use: the engine's utterance checker plus the packs' conversation
rules and scoring templates, so one object checks a message and scores a whole call.

    from phrasecheck import Checker
    checker = Checker.load("bank-counter")
    checker.score_conversation(conversation).to_dict()
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping, Sequence

from ..conversation import Conversation, Turn
from ..engine.checker import Checker as UtteranceChecker
from ..errors import LexiconError
from ..lexicon import ConversationRule, LoadedPack
from ..lexicon.selftest import ExampleFailure
from .rules import CompiledConversationRule, evaluate
from .scoring import ConversationResult, finding_evidence, price, utterance_evidence
from .template import DEFAULT_TEMPLATE, Template, load_template


class Checker(UtteranceChecker):
    def __init__(self, packs: Sequence[LoadedPack]):
        super().__init__(packs)
        self.conversation_rules = tuple(
            self._compile_conversation_rule(rule, loaded) for loaded in self.packs for rule in loaded.pack.conversation_rules
        )
        self._templates: dict[str, Template] = {}

    def _compile_conversation_rule(self, rule: ConversationRule, loaded: LoadedPack) -> CompiledConversationRule:
        try:
            return CompiledConversationRule.compile(rule, self.courtesy, self.compiler)
        except ValueError as error:
            raise LexiconError(f"{loaded.path}: conversation rule {rule.id!r}: {error}") from None

    def template(self, template: str | os.PathLike | Template | None = None) -> Template:
        """A scoring template by name or path (loaded once per checker), `seed-003` by default."""
        if isinstance(template, Template):
            return template
        key = os.fspath(template or DEFAULT_TEMPLATE)
        if key not in self._templates:
            self._templates[key] = load_template(key)
        return self._templates[key]

    def score_conversation(
        self,
        conversation: Conversation | Sequence[Turn | Mapping[str, Any]],
        template: str | os.PathLike | Template | None = None,
        disabled_rules: Iterable[str] = (),
    ) -> ConversationResult:
        """Check every turn, run the conversation rules, and score both on the template.
        `disabled_rules` (phrase or conversation rule ids) neither fire nor count."""
        if not isinstance(conversation, Conversation):
            conversation = Conversation(id="conversation", turns=list(conversation))
        scoring = self.template(template)
        disabled = frozenset(disabled_rules)
        results = [self.check_turn(t.text, t.role, str(t.seq) if t.seq is not None else None, disabled_rules=disabled)
                   for t in conversation.turns]
        rules = tuple(c for c in self.conversation_rules if c.rule.id not in disabled)
        findings = evaluate(rules, conversation, self.normalizer)
        titles = {c.rule.id: c.rule.title for c in self.conversation_rules}
        found = [finding_evidence(f, titles[f.rule]) for f in findings if f.status == "violated"]
        said = [e for i, (t, r) in enumerate(zip(conversation.turns, results)) for e in utterance_evidence(i, t, r)]
        score, vetoed, dimensions, deductions = price(scoring, said, found, len(results))
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

    def test_examples(self, rule_ids: Iterable[str] | None = None) -> list[ExampleFailure]:
        """The phrase rules' examples, then each conversation rule's example conversations."""
        wanted = set(rule_ids) if rule_ids is not None else None
        failures = super().test_examples(wanted)
        for compiled in self.conversation_rules:
            rule = compiled.rule
            if wanted is not None and rule.id not in wanted:
                continue
            home = self.rule_home[rule.id]
            channel = "call" if "call" in rule.channels else "chat"
            for expected, examples in (("flag", rule.examples.flag), ("clean", rule.examples.clean)):
                for turns in dict.fromkeys(map(tuple, examples)):  # a conversation written twice is one test
                    conversation = Conversation(id="example", channel=channel, turns=[Turn(**t.model_dump()) for t in turns])
                    fired = tuple(f.rule for f in evaluate((compiled,), conversation, self.normalizer) if f.status == "violated")
                    if (rule.id in fired) != (expected == "flag"):
                        text = " / ".join(f"{t.role}: {t.text}" for t in turns)
                        failures.append(ExampleFailure(home, rule.id, text, expected, fired))
        return failures
