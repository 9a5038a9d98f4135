"""Every rule a checker applies, phrase and conversation rules alike, as the evidence it would
produce: what a reviewer's hand-added (missed) or re-named hit is priced as, and what the report
offers when a reviewer adds a missed violation."""

from __future__ import annotations

from dataclasses import dataclass

from .checker import Checker


@dataclass(frozen=True, slots=True)
class RuleInfo:
    rule: str
    kind: str  # "utterance" or the conversation rule's kind
    category: str  # a conversation rule's evidence carries its title here, as the scorer gives it
    severity: str
    title: str  # one line for a person: the category and scenario, or the conversation rule's title
    message: str
    suggestion: str | None


def rule_catalog(checker: Checker) -> dict[str, RuleInfo]:
    """Rule id → RuleInfo, phrase rules first, in pack order."""
    found: dict[str, RuleInfo] = {}
    for compiled in checker.rules:
        rule = compiled.rule
        found[rule.id] = RuleInfo(rule.id, "utterance", rule.category, rule.severity, f"{rule.category}：{rule.scenario}",
                                  rule.why, rule.suggest[0] if rule.suggest else None)
    for compiled in checker.conversation_rules:
        rule = compiled.rule
        found[rule.id] = RuleInfo(rule.id, rule.kind, rule.title, rule.severity, rule.title, rule.title,
                                  compiled.suggestions[0] if compiled.suggestions else None)
    return found


def catalog_for_report(checker: Checker) -> list[dict[str, str]]:
    """[{rule, title}] for report.html's list of rules a reviewer may add as missed."""
    return [{"rule": info.rule, "title": info.title} for info in rule_catalog(checker).values()]
