"""Conversation rules: what the agent must say over a whole call or chat, as findings.

The packs' conversation rules (greeting in the first agent turn, farewell in the last, apology
after a long wait, refusals without apology, reason or alternative, 「不知道」 left unresolved,
civility coverage, 你 without 您) run over a conversation's turns; a rule that needs what the input
lacks (timestamps, whether it was a call) is reported as skipped, never silently passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from ..conversation import Conversation
from ..engine.normalize import NormalizedText, Normalizer
from ..engine.rules import PatternCompiler
from ..lexicon import ConversationRule, Courtesy


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


# -- conversation rules ----------------------------------------------------------------------------


class _Cues:
    """Patterns searched in a turn's folded text (no phonetic matching: cues are what the agent
    should say, and a homophone of 您好 is not a greeting)."""

    def __init__(self, sources: Sequence[str], compiler: PatternCompiler, field: str):
        self.sources = tuple(dict.fromkeys(sources))
        self.patterns = tuple(compiler.pattern(s, field, phonetic=False) for s in self.sources)

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
    def compile(cls, rule: ConversationRule, courtesy: Sequence[Courtesy], compiler: PatternCompiler) -> "CompiledConversationRule":
        """Each rule draws on every courtesy line of its kinds: the compiler builds a line's
        spellings once and counts each rule's use of it against the lexicon's limit."""
        courtesy_lines = [p for c in courtesy if c.kind in rule.courtesy for p in c.phrases]
        return cls(
            rule,
            _Cues([*rule.cues, *(_literal(p) for p in courtesy_lines)], compiler, "cues"),
            _Cues(rule.triggers, compiler, "triggers"),
            _Cues(rule.unless, compiler, "unless"),
            tuple((slot, _Cues(patterns, compiler, f"require.{slot}")) for slot, patterns in rule.require.items()),
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
