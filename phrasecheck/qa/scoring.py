"""Conversation scoring: utterance violations and conversation findings become evidence, and a
template turns the evidence into deductions, a total, a grade and pass/fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from ..conversation import Conversation, Turn
from ..engine.results import SCHEMA, UtteranceResult
from .context import conversation_context
from .rules import Finding
from .template import Template, Veto


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


def apply_template(template: Template, evidence: Sequence[Evidence], not_applicable: frozenset[str] = frozenset()
                   ) -> tuple[int, bool, list[dict[str, Any]], list[Deduction]]:
    """(score, vetoed, dimension breakdown, deductions); every point taken is one deduction.
    `not_applicable` items (see `Template.applicability`) leave the potential score."""
    deductions: list[Deduction] = []
    vetoes = []
    taken: dict[str, int] = {}  # points per item
    counted: set[tuple[str, int | None]] = set()  # (item, turn) already charged for per-turn/once items
    potential = {d.id: max(d.cap - sum(i.cap or 0 for i in d.items if i.id in not_applicable), 0) for d in template.dimensions}
    by_dimension = {d.id: 0 for d in template.dimensions}
    for e in evidence:
        found = template.taker(e.rule, e.kind, e.category, e.severity)
        if found is None:
            continue  # evidence no item prices (info-level notes): shown, not charged
        dimension, entry = found
        if dimension is None:
            vetoes.append((entry, e))
            continue
        room = potential[dimension.id] - by_dimension[dimension.id]
        if isinstance(entry, Veto):  # the dimension scores 0; later hits are on record at no cost
            by_dimension[dimension.id] += room
            deductions.append(Deduction(entry.id, entry.title, dimension.id, room, True, e))
            continue
        item = entry
        key = (item.id, None if item.per == "conversation" else e.turn if item.per == "turn" else id(e))
        if key in counted:
            continue
        counted.add(key)
        if item.cap is not None:
            room = min(room, item.cap - taken.get(item.id, 0))
        points = min(item.deduct, max(room, 0))
        if points > 0:
            taken[item.id] = taken.get(item.id, 0) + points
            by_dimension[dimension.id] += points
            deductions.append(Deduction(item.id, item.title, dimension.id, points, False, e))
    score = _scaled(template.total, sum(potential.values()), sum(by_dimension.values()))
    breakdown = [
        {"id": d.id, "title": d.title, "cap": d.cap, "potential": potential[d.id], "deducted": by_dimension[d.id],
         "score": potential[d.id] - by_dimension[d.id], "not_applicable": [i.id for i in d.items if i.id in not_applicable]}
        for d in template.dimensions
    ]
    if vetoes:
        for n, (veto, e) in enumerate(vetoes):
            deductions.append(Deduction(veto.id, veto.title, None, score if n == 0 else 0, True, e))
        score = 0
    return score, bool(vetoes), breakdown, deductions


def _scaled(total: int, potential: int, deducted: int) -> int:
    """The total from what the applicable items kept: `total − deducted` when nothing was N/A,
    else scaled to the total (rounded half up), as forms that drop N/A items do."""
    if potential == total:
        return total - deducted
    if potential <= 0:
        return total
    return int(total * (potential - deducted) / potential + 0.5)


def utterance_evidence(index: int, turn: Turn, result: UtteranceResult) -> Iterator[Evidence]:
    for v in result.violations:
        yield Evidence(v.rule, "utterance", v.category, v.severity, index, v.start, v.end, v.matched,
                       turn.begin_ms, v.message, v.suggestions[0] if v.suggestions else None)


def one_charge_per_incident(utterance: list[Evidence], findings: list[Evidence],
                            price: Callable[[Evidence], tuple[int, int]]) -> list[Evidence]:
    """An utterance violation inside a violated conversation rule's span on the same turn is the
    same incident (办不了 as a flat refusal and as an incomplete refusal, 我不知道 as a banned
    excuse and as an unresolved question): it is charged once, by whichever costs more on the
    template (a veto over points, so 「你有病」 still vetoes where the 你-not-您 rule points at its
    你); on a tie, by the conversation rule, which knows the turns around it."""
    dropped: set[int] = set()
    kept: list[Evidence] = []
    for finding in findings:
        if finding.turn is None or finding.start is None:
            kept.append(finding)
            continue
        same = [i for i, e in enumerate(utterance) if i not in dropped and e.turn == finding.turn
                and e.start < finding.end and finding.start < e.end]
        best = max(same, key=lambda i: price(utterance[i]), default=None)
        if best is not None and price(utterance[best]) > price(finding):
            dropped.update(i for i in same if i != best)
        else:
            kept.append(finding)
            dropped.update(same)
    return [e for i, e in enumerate(utterance) if i not in dropped] + kept


def price(template: Template, said: Sequence[Evidence], found: Sequence[Evidence], turns: int,
          not_applicable: frozenset[str] = frozenset()) -> tuple[int, bool, list[dict[str, Any]], list[Deduction]]:
    """Utterance and conversation evidence of one conversation of `turns` turns, charged once per
    incident in turn order (conversation-wide evidence last), priced by the template."""
    evidence = one_charge_per_incident(list(said), list(found), lambda e: template.price(e.rule, e.kind, e.category, e.severity))
    evidence.sort(key=lambda e: (e.turn if e.turn is not None else turns, e.start or 0))
    return apply_template(template, evidence, not_applicable)


def finding_evidence(finding: Finding, category: str) -> Evidence:
    return Evidence(finding.rule, finding.kind, category, finding.severity, finding.turn, finding.start, finding.end,
                    finding.matched, finding.time_ms, finding.message, finding.suggestions[0] if finding.suggestions else None)
