"""Conversation rules: what is wrong over a whole call or chat, as findings.

Each rule's `check` (operators, `operators.py` and `timing.py`) runs over the conversation's
turns; its hits become findings with the rule's message.  A rule whose `when` filter the
conversation does not meet does not apply; one that needs what the input lacks (timestamps, the
channel, a metadata field) is reported as skipped with the reason, never silently passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..conversation import Conversation
from ..engine.normalize import Normalizer
from ..engine.results import Violation
from ..lexicon import ConversationRule
from ..lexicon.conversation import Node
from . import operators as op
from . import timing
from .anchor import Anchor


@dataclass(frozen=True, slots=True)
class Finding:
    """A conversation rule's verdict: `violated`, or `skipped` with the reason in `message`."""

    rule: str
    kind: str
    severity: str
    status: str
    message: str
    turn: int | None = None
    start: int | None = None
    end: int | None = None
    matched: str | None = None
    time_ms: int | None = None
    suggestions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "kind": self.kind, "severity": self.severity, "status": self.status,
            "turn": self.turn, "start": self.start, "end": self.end, "matched": self.matched,
            "time_ms": self.time_ms, "message": self.message, "suggestions": list(self.suggestions),
        }


# -- compiling -------------------------------------------------------------------------------------


def compile_node(node: Node, env: op.Env, field: str = "check") -> op.Op:
    """A schema node as the operator that evaluates it; `field` names it in error messages."""
    name, spec = node.operator, node.value
    where = f"{field}.{name}"
    if name == "say":
        compiled: op.Op = op.Say(spec, env, where)
    elif name in ("absent", "not"):
        compiled = op.Absent(compile_node(spec, env, where))
    elif name == "present":
        compiled = compile_node(spec, env, where)
    elif name == "count":
        compiled = op.Count(spec, compile_node(spec.of, env, f"{where}.of"))
    elif name == "anchor":
        compiled = Anchor(spec, compile_node(spec.to, env, f"{where}.to"), compile_node(spec.check, env, f"{where}.check"))
    elif name in ("all", "any"):
        compiled = op.Combine([compile_node(n, env, f"{where}[{i}]") for i, n in enumerate(spec)], every=name == "all")
    else:
        compiled = _SINGLE[name](spec)
    return compiled if node.range is None and node.label is None else op.Ranged(compiled, node.range, node.label)


_SINGLE: dict[str, Callable[[Any], op.Op]] = {
    "repeat": op.Repeat, "silence": timing.Silence, "response_time": timing.ResponseTime,
    "interrupt": timing.Interrupt, "speech_rate": timing.SpeechRate,
}


@dataclass(frozen=True)
class CompiledConversationRule:
    rule: ConversationRule
    root: op.Op
    suggestions: tuple[str, ...]

    @classmethod
    def compile(cls, rule: ConversationRule, env: op.Env) -> "CompiledConversationRule":
        root = compile_node(rule.check, env)
        return cls(rule, root, tuple(rule.suggest or dict.fromkeys(root.courtesy))[:3])

    @property
    def category(self) -> str:
        return self.rule.category or self.rule.title

    def applies(self, conversation: Conversation) -> bool | str:
        """Whether the `when` filters hold: True, False, or why they cannot be judged."""
        if self.rule.when is None:
            return True
        for name, values in self.rule.when.fields.items():
            found = _field(conversation, name)
            if found is None:
                return _unknown_field(name, values)
            if str(found) not in values:
                return False
        return True


def _field(conversation: Conversation, name: str) -> Any:
    """A metadata field: the conversation's own (channel, agent_id…), its `meta`, else a turn's `meta`."""
    if name in ("channel", "agent_id", "agent_name", "id", "source"):
        return getattr(conversation, name)
    if name in conversation.meta:
        return conversation.meta[name]
    return next((t.meta[name] for t in conversation.turns if name in t.meta), None)


def _unknown_field(name: str, values: list[str]) -> str:
    if name == "channel":
        return f"只适用于{'、'.join({'call': '电话', 'chat': '在线会话'}.get(v, v) for v in values)}，输入未说明渠道（--channel）：未检查"
    return f"只适用于 {name} 为 {'、'.join(values)} 的会话，输入中没有 {name}：未检查"


# -- evaluating ------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"{([a-z_]+)}")


def _message(rule: CompiledConversationRule, hit: op.Hit) -> str:
    """The first of the rule's messages whose placeholders this hit can fill."""
    values = {"title": rule.rule.title, **hit.details}
    if hit.labels:
        values["labels"] = "、".join(hit.labels)
    for text in rule.rule.messages:
        if all(name in values for name in _PLACEHOLDER.findall(text)):
            return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    return rule.rule.title


def _finding(rule: CompiledConversationRule, view: op.View, message: str, hit: op.Hit | None = None,
             status: str = "violated") -> Finding:
    turn = hit.turn if hit is not None else None
    start = end = matched = time_ms = None
    if turn is not None:
        time_ms = view.turns[turn].begin_ms
        if hit.span is not None:
            start, end = hit.span
            matched = view.turns[turn].text[start:end]
    r = rule.rule
    return Finding(r.id, r.kind, r.severity, status, message, turn, start, end, matched, time_ms, rule.suggestions)


def evaluate(rules: Sequence[CompiledConversationRule], conversation: Conversation, normalizer: Normalizer,
             violations: Callable[[int], Sequence[Violation]] | None = None) -> tuple[list[Finding], frozenset[str]]:
    """Every rule's findings, in rule order, and the ids of the rules that did not apply (filtered
    out by `when`, or skipped).  `violations(i)` gives turn i's utterance violations, for rules that
    name phrase rules or categories."""
    view = op.View(conversation, normalizer, violations)
    everything = op.Scope(view.everything, None)
    findings: list[Finding] = []
    not_applied: list[str] = []
    for rule in rules:
        applies = rule.applies(conversation)
        if applies is not True:
            not_applied.append(rule.rule.id)
            if applies is not False:
                findings.append(_finding(rule, view, applies, status="skipped"))
            continue
        try:
            hits = rule.root.hits(view, everything)
        except op.Skip as skip:
            not_applied.append(rule.rule.id)
            findings.append(_finding(rule, view, skip.reason, status="skipped"))
            continue
        if rule.rule.report == "first":
            hits = hits[:1]
        findings.extend(_finding(rule, view, _message(rule, hit), hit) for hit in hits)
    return findings, frozenset(not_applied)
