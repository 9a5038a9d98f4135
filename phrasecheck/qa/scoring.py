"""Conversation scoring: utterance violations and conversation findings become evidence, and a
template turns the evidence into deductions, a total, a grade and pass/fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from ..conversation import Conversation, Turn
from ..engine.results import SCHEMA, UtteranceResult
from .context import conversation_context
from .rules import Finding
from .template import Template


@dataclass(frozen=True, slots=True)
class Evidence:
    """Something that may cost points: an utterance violation or a violated conversation rule."""

    rule: str
    kind: str  # "utterance" or the conversation rule's kind
    category: str
    severity: str
    turn: int | None
    start: int | None
    end: int | None
    matched: str | None
    time_ms: int | None
    message: str
    suggestion: str | None


@dataclass(frozen=True, slots=True)
class Deduction:
    item: str
    title: str
    dimension: str | None  # None for a veto
    points: int
    veto: bool
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        e = self.evidence
        return {
            "item": self.item, "title": self.title, "dimension": self.dimension, "points": self.points,
            "veto": self.veto, "rule": e.rule, "category": e.category, "severity": e.severity,
            "turn": e.turn, "start": e.start, "end": e.end, "matched": e.matched, "time_ms": e.time_ms,
            "message": e.message, "suggestion": e.suggestion,
        }


@dataclass(slots=True)
class ConversationResult:
    conversation: Conversation
    turns: list[UtteranceResult]
    findings: list[Finding]
    deductions: list[Deduction]
    dimensions: list[dict[str, Any]]
    score: int
    grade: str
    passed: bool
    vetoed: bool
    template: Template
    lexicon: dict[str, str]
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        c = self.conversation
        return {
            "schema": SCHEMA, "kind": "conversation", "id": c.id, "source": c.source, "channel": c.channel,
            "agent_id": c.agent_id, "agent_name": c.agent_name, **conversation_context(c),
            "score": self.score, "grade": self.grade, "passed": self.passed, "vetoed": self.vetoed,
            "template": {"id": self.template.template, "title": self.template.title, "pass_mark": self.template.pass_mark},
            "lexicon": dict(self.lexicon),
            "dimensions": self.dimensions,
            "deductions": [self._with_seq(d.to_dict()) for d in self.deductions],
            "findings": [self._with_seq(f.to_dict()) for f in self.findings],
            "turns": [_turn_dict(i, turn, result) for i, (turn, result) in enumerate(zip(c.turns, self.turns))],
            "stats": self.stats,
        }

    def _with_seq(self, evidence: dict[str, Any]) -> dict[str, Any]:
        """The turn's own `seq` beside its index, so evidence can be found in the source file too."""
        turn = evidence["turn"]
        evidence["seq"] = self.conversation.turns[turn].seq if turn is not None else None
        return evidence


def _turn_dict(index: int, turn: Turn, result: UtteranceResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "index": index, "seq": turn.seq, "role": turn.role, "speaker": turn.speaker, "text": turn.text,
        "begin_ms": turn.begin_ms, "end_ms": turn.end_ms, "scored": result.scored,
    }
    if result.scored:
        data["score"] = result.score
    data["decision"] = result.decision
    data["violations"] = [v.to_dict() for v in result.violations]
    data["rewrite"] = result.rewrite
    return data


# -- the template ----------------------------------------------------------------------------------


def apply_template(template: Template, evidence: Sequence[Evidence]) -> tuple[int, bool, list[dict[str, Any]], list[Deduction]]:
    """(score, vetoed, dimension breakdown, deductions); every point taken is one deduction."""
    deductions: list[Deduction] = []
    vetoes = []
    taken: dict[str, int] = {}  # points per item
    counted: set[tuple[str, int | None]] = set()  # (item, turn) already charged for per-turn/once items
    by_dimension = {d.id: 0 for d in template.dimensions}
    for e in evidence:
        veto = next((v for v in template.veto if v.match.accepts(e.rule, e.kind, e.category, e.severity)), None)
        if veto is not None:
            vetoes.append((veto, e))
            continue
        for dimension in template.dimensions:
            item = next((i for i in dimension.items if i.match.accepts(e.rule, e.kind, e.category, e.severity)), None)
            if item is not None:
                break
        else:
            continue  # evidence no item prices (info-level notes): shown, not charged
        key = (item.id, None if item.per == "conversation" else e.turn if item.per == "turn" else id(e))
        if key in counted:
            continue
        counted.add(key)
        room = dimension.cap - by_dimension[dimension.id]
        if item.cap is not None:
            room = min(room, item.cap - taken.get(item.id, 0))
        points = min(item.deduct, max(room, 0))
        if points > 0:
            taken[item.id] = taken.get(item.id, 0) + points
            by_dimension[dimension.id] += points
            deductions.append(Deduction(item.id, item.title, dimension.id, points, False, e))
    score = template.total - sum(by_dimension.values())
    breakdown = [
        {"id": d.id, "title": d.title, "cap": d.cap, "deducted": by_dimension[d.id], "score": d.cap - by_dimension[d.id]}
        for d in template.dimensions
    ]
    if vetoes:
        for n, (veto, e) in enumerate(vetoes):
            deductions.append(Deduction(veto.id, veto.title, None, score if n == 0 else 0, True, e))
        score = 0
    return score, bool(vetoes), breakdown, deductions


def utterance_evidence(index: int, turn: Turn, result: UtteranceResult) -> Iterator[Evidence]:
    for v in result.violations:
        yield Evidence(v.rule, "utterance", v.category, v.severity, index, v.start, v.end, v.matched,
                       turn.begin_ms, v.message, v.suggestions[0] if v.suggestions else None)


def one_charge_per_incident(utterance: list[Evidence], findings: list[Evidence]) -> list[Evidence]:
    """An utterance violation inside a violated conversation rule's span on the same turn is the
    same incident (办不了 as a flat refusal and as an incomplete refusal): the conversation rule,
    which knows the turns around it, charges it once."""
    claimed = [(f.turn, f.start, f.end) for f in findings if f.turn is not None and f.start is not None]
    return [e for e in utterance
            if not any(e.turn == turn and e.start < end and start < e.end for turn, start, end in claimed)]


def price(template: Template, said: Sequence[Evidence], found: Sequence[Evidence],
          turns: int) -> tuple[int, bool, list[dict[str, Any]], list[Deduction]]:
    """Utterance and conversation evidence of one conversation of `turns` turns, charged once per
    incident in turn order (conversation-wide evidence last), priced by the template."""
    evidence = [*one_charge_per_incident(list(said), list(found)), *found]
    evidence.sort(key=lambda e: (e.turn if e.turn is not None else turns, e.start or 0))
    return apply_template(template, evidence)


def finding_evidence(finding: Finding, category: str) -> Evidence:
    return Evidence(finding.rule, finding.kind, category, finding.severity, finding.turn, finding.start, finding.end,
                    finding.matched, finding.time_ms, finding.message, finding.suggestions[0] if finding.suggestions else None)
