"""Conversation scoring: the packs' conversation rules over a whole call or chat, then a template.

Each utterance is checked as `Checker.check` would; the conversation rules (greeting in the first
agent turn, farewell in the last, apology after a long wait, refusals without apology, reason or
alternative, 「不知道」 left unresolved, civility coverage, 你 without 您) add findings; the
template turns both into deductions, a total, a grade and pass/fail.  A rule that needs what the
input lacks (timestamps, whether it was a call) is reported as skipped, never silently passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from .conversation import Conversation, Turn
from .lexicon import ConversationRule, Courtesy
from .match import CompiledPattern
from .normalize import NormalizedText, Normalizer
from .rules import expand
from .results import SCHEMA, UtteranceResult
from .template import Template


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
            "agent_id": c.agent_id, "agent_name": c.agent_name,
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


# -- conversation rules ----------------------------------------------------------------------------


class _Cues:
    """Patterns searched in a turn's folded text (no phonetic matching: cues are what the agent
    should say, and a homophone of 您好 is not a greeting)."""

    def __init__(self, sources: Sequence[str], normalizer: Normalizer, classes: Mapping[str, Sequence[str]], field: str):
        self.sources = tuple(dict.fromkeys(sources))
        self.patterns = tuple(CompiledPattern(expand(s, classes, field), normalizer, phonetic=False) for s in self.sources)

    def spans(self, text: NormalizedText) -> list[tuple[int, int]]:
        return sorted((m.start, m.end) for p in self.patterns for m in p.search(text))

    def found(self, text: NormalizedText) -> bool:
        return any(p.search(text) for p in self.patterns)

    def __bool__(self) -> bool:
        return bool(self.patterns)


@dataclass(frozen=True)
class CompiledConversationRule:
    rule: ConversationRule
    cues: _Cues
    triggers: _Cues
    unless: _Cues
    require: tuple[tuple[str, _Cues], ...]
    suggestions: tuple[str, ...]

    @classmethod
    def compile(cls, rule: ConversationRule, courtesy: Sequence[Courtesy], normalizer: Normalizer,
                classes: Mapping[str, Sequence[str]]) -> "CompiledConversationRule":
        courtesy_lines = [p for c in courtesy if c.kind in rule.courtesy for p in c.phrases]
        return cls(
            rule,
            _Cues([*rule.cues, *(_literal(p) for p in courtesy_lines)], normalizer, classes, "cues"),
            _Cues(rule.triggers, normalizer, classes, "triggers"),
            _Cues(rule.unless, normalizer, classes, "unless"),
            tuple((slot, _Cues(patterns, normalizer, classes, f"require.{slot}")) for slot, patterns in rule.require.items()),
            tuple(rule.suggest or dict.fromkeys(courtesy_lines))[:3],
        )


def _literal(phrase: str) -> str:
    """A courtesy line as a one-element pattern: its punctuation is folded away anyway."""
    return "".join(ch for ch in phrase if not ch.isspace() and ch not in "[]{}|?…^$")


class _View:
    """A conversation as the rules read it: agent turns, their folded texts, the turn times."""

    def __init__(self, conversation: Conversation, normalizer: Normalizer):
        self.conversation = conversation
        self.turns = conversation.turns
        self.agent = [i for i, t in enumerate(self.turns) if t.role == "agent"]
        self._normalizer = normalizer
        self._texts: dict[int, NormalizedText] = {}
        self.timed = any(t.begin_ms is not None for t in self.turns)

    def text(self, index: int) -> NormalizedText:
        if index not in self._texts:
            self._texts[index] = self._normalizer.full(self.turns[index].text)
        return self._texts[index]

    def original(self, index: int, start: int, end: int) -> tuple[int, int, str]:
        text = self.text(index)
        a, b = text.original_span(start, end)
        return a, b, text.original[a:b]


def _finding(rule: CompiledConversationRule, view: _View, message: str, turn: int | None = None,
             span: tuple[int, int] | None = None, status: str = "violated") -> Finding:
    start = end = matched = None
    if turn is not None and span is not None:
        start, end, matched = view.original(turn, *span)
    time_ms = view.turns[turn].begin_ms if turn is not None else None
    r = rule.rule
    return Finding(r.id, r.kind, r.severity, status, message, turn, start, end, matched, time_ms, rule.suggestions)


def _triggered(rule: CompiledConversationRule, view: _View, index: int) -> tuple[int, int] | None:
    """The first trigger span in a turn that no `unless` pattern overlaps."""
    text = view.text(index)
    excused = rule.unless.spans(text) if rule.unless else []
    for start, end in rule.triggers.spans(text):
        if not any(a < end and start < b for a, b in excused):
            return start, end
    return None


def _window(view: _View, index: int, size: int) -> list[int]:
    """The turn and the next `size` agent turns: where a trigger's missing slots may still be filled."""
    later = [i for i in view.agent if i > index][:size]
    return [index, *later]


def _opening(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    turns = view.agent[: rule.rule.within]
    if turns and not any(rule.cues.found(view.text(i)) for i in turns):
        yield _finding(rule, view, rule.rule.title, turns[0])


def _closing(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    turns = view.agent[-rule.rule.within :]
    if turns and not any(rule.cues.found(view.text(i)) for i in turns):
        yield _finding(rule, view, rule.rule.title, turns[-1])


def _after_wait(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    holds = any(t.hold for t in view.turns)
    if not view.timed and not holds:
        yield _finding(rule, view, "需要时间戳（begin_ms/end_ms）或保持事件，输入中没有：未检查", status="skipped")
        return
    threshold = rule.rule.threshold_ms
    for index in view.agent:
        turn = view.turns[index]
        if index == 0:
            continue
        previous = view.turns[index - 1]
        waited = None
        if turn.begin_ms is not None:
            before = previous.end_ms if previous.end_ms is not None else previous.begin_ms
            if before is not None:
                waited = turn.begin_ms - before
        if not turn.hold and (waited is None or waited <= threshold):
            continue
        if rule.cues.found(view.text(index)):
            continue
        reason = "保持后" if turn.hold else f"客户等待 {waited / 1000:.0f} 秒后"
        yield _finding(rule, view, f"{reason}回复，未致歉（{rule.rule.title}）", index)


def _refusal(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    for index in view.agent:
        span = _triggered(rule, view, index)
        if span is None:
            continue
        nearby = _window(view, index, rule.rule.window)
        missing = [slot for slot, cues in rule.require if not any(cues.found(view.text(i)) for i in nearby)]
        if missing:
            yield _finding(rule, view, f"{rule.rule.title}（缺少：{'、'.join(missing)}）", index, span)


def _unresolved(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    for index in view.agent:
        span = _triggered(rule, view, index)
        if span is not None and not any(rule.cues.found(view.text(i)) for i in _window(view, index, rule.rule.window)):
            yield _finding(rule, view, rule.rule.title, index, span)


def _coverage(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    if not view.agent:
        return
    used = [
        source for source, pattern in zip(rule.cues.sources, rule.cues.patterns)
        if any(pattern.search(view.text(i)) for i in view.agent)
    ]
    if len(used) < rule.rule.min_share * len(rule.cues.sources):
        missing = [s for s in rule.cues.sources if s not in used]
        yield _finding(rule, view, f"{rule.rule.title}：用了 {len(used)}/{len(rule.cues.sources)}，未用 {'、'.join(missing)}")


def _address_style(rule: CompiledConversationRule, view: _View) -> Iterator[Finding]:
    first = None
    for index in view.agent:
        if rule.cues.found(view.text(index)):
            return
        if first is None:
            span = _triggered(rule, view, index)
            if span is not None:
                first = (index, span)
    if first is not None:
        yield _finding(rule, view, rule.rule.title, first[0], first[1])


_KINDS: dict[str, Callable[[CompiledConversationRule, _View], Iterator[Finding]]] = {
    "opening": _opening,
    "closing": _closing,
    "after_wait": _after_wait,
    "refusal": _refusal,
    "unresolved_unknown": _unresolved,
    "coverage": _coverage,
    "address_style": _address_style,
}


def evaluate(rules: Sequence[CompiledConversationRule], conversation: Conversation, normalizer: Normalizer) -> list[Finding]:
    """Every conversation rule's findings, in rule order."""
    view = _View(conversation, normalizer)
    findings: list[Finding] = []
    for rule in rules:
        channels = rule.rule.channels
        if conversation.channel is None and len(channels) < 2:
            message = f"只适用于{'电话' if channels == ['call'] else '在线会话'}，输入未说明渠道（--channel）：未检查"
            findings.append(_finding(rule, view, message, status="skipped"))
        elif conversation.channel is None or conversation.channel in channels:
            findings.extend(_KINDS[rule.rule.kind](rule, view))
    return findings


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


def finding_evidence(finding: Finding, category: str) -> Evidence:
    return Evidence(finding.rule, finding.kind, category, finding.severity, finding.turn, finding.start, finding.end,
                    finding.matched, finding.time_ms, finding.message, finding.suggestions[0] if finding.suggestions else None)
