"""Timing operators: silence, response time, talking over the other side, speech rate.

They read `begin_ms`/`end_ms` (and hold events); input without the times they need makes the
rule `skipped` with the reason, never silently passed.  Characters are those of the folded text
(letters, digits and Chinese characters; punctuation and spaces do not count).
"""

from __future__ import annotations

from .operators import NEEDS_TIMES, Hit, Op, Scope, Skip, View, _role
NEEDS_TIMES_OR_HOLDS = "需要时间戳（begin_ms/end_ms）或保持事件，输入中没有：未检查"
NEEDS_SPANS = "需要每句的开始和结束时间（begin_ms 和 end_ms），输入中没有：未检查"


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.0f}"


def _other(role: str) -> str:
    return "customer" if role == "agent" else "agent"


class Silence(Op):
    """A gap longer than the threshold before a turn of `role` that follows a turn of `after`
    (never before the first turn); with `holds`, a held turn counts whatever the gap."""

    def __init__(self, spec):
        self.ms = round(spec.seconds * 1000)
        self.role, self.after, self.holds_count = _role(spec.role), _role(spec.after), spec.holds

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        holds = self.holds_count and any(t.hold for t in view.turns)
        if not view.timed and not holds:
            raise Skip(NEEDS_TIMES_OR_HOLDS if self.holds_count else NEEDS_TIMES)
        found = []
        for index in view.of_role(scope.turns, self.role):
            if index == 0 or (self.after is not None and view.roles[index - 1] != self.after):
                continue
            turn, previous = view.turns[index], view.turns[index - 1]
            held = self.holds_count and turn.hold
            waited = None
            if turn.begin_ms is not None:
                before = previous.end_ms if previous.end_ms is not None else previous.begin_ms
                if before is not None:
                    waited = turn.begin_ms - before
            if held:
                found.append(Hit(index))
            elif waited is not None and waited > self.ms:
                found.append(Hit(index, details={"seconds": _seconds(waited)}))
        return found


class ResponseTime(Op):
    """`role` replies more than the threshold after the other side's first unanswered turn
    (its end, else its begin: a chat message's time); bot and system turns neither wait nor answer."""

    def __init__(self, spec):
        self.ms, self.role = round(spec.seconds * 1000), spec.role

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        if not view.timed:
            raise Skip(NEEDS_TIMES)
        wanted, other = set(scope.turns), _other(self.role)
        waiting_since = None
        found = []
        for index, turn in enumerate(view.turns):
            if turn.role == other and waiting_since is None:
                waiting_since = turn.end_ms if turn.end_ms is not None else turn.begin_ms
            elif turn.role == self.role:
                if waiting_since is not None and turn.begin_ms is not None and index in wanted:
                    waited = turn.begin_ms - waiting_since
                    if waited > self.ms:
                        found.append(Hit(index, details={"seconds": _seconds(waited)}))
                waiting_since = None
        return found


class Interrupt(Op):
    """`role` begins while the other side's latest turn is still running, overlapping it by more
    than `overlap_ms`, in a turn of at least `min_chars` characters (a short 嗯 is listening)."""

    def __init__(self, spec):
        self.role, self.overlap_ms, self.min_chars = spec.role, spec.overlap_ms, spec.min_chars

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        if not any(t.begin_ms is not None and t.end_ms is not None for t in view.turns):
            raise Skip(NEEDS_SPANS)
        wanted, other = set(scope.turns), _other(self.role)
        talking = None  # the other side's latest turn so far
        found = []
        for index, turn in enumerate(view.turns):
            if turn.role == other:
                talking = turn
                continue
            if turn.role != self.role or index not in wanted or talking is None or turn.begin_ms is None:
                continue
            if talking.begin_ms is None or talking.end_ms is None or turn.begin_ms < talking.begin_ms:
                continue
            until = talking.end_ms if turn.end_ms is None else min(talking.end_ms, turn.end_ms)
            overlap = until - turn.begin_ms
            if overlap > self.overlap_ms and len(view.text(index).norm) >= self.min_chars:
                found.append(Hit(index, details={"overlap_ms": str(overlap), "seconds": f"{overlap / 1000:.1f}"}))
        return found


class SpeechRate(Op):
    """Characters a minute of each measured turn of `role` (or, with `average`, of all of them
    together) above `above` or below `below`."""

    def __init__(self, spec):
        self.role, self.above, self.below = spec.role, spec.above, spec.below
        self.min_chars, self.average = spec.min_chars, spec.average

    def _out_of_bounds(self, rate: float) -> bool:
        return (self.above is not None and rate > self.above) or (self.below is not None and rate < self.below)

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        measured = []  # (turn, characters, minutes)
        for index in view.of_role(scope.turns, self.role):
            turn = view.turns[index]
            if turn.begin_ms is None or turn.end_ms is None or turn.end_ms <= turn.begin_ms:
                continue
            chars = len(view.text(index).norm)
            if chars >= self.min_chars:
                measured.append((index, chars, (turn.end_ms - turn.begin_ms) / 60_000))
        if not measured:
            if not any(t.begin_ms is not None and t.end_ms is not None for t in view.turns):
                raise Skip(NEEDS_SPANS)
            return []
        if self.average:
            rate = sum(c for _, c, _ in measured) / sum(m for _, _, m in measured)
            if not self._out_of_bounds(rate):
                return []
            hit = Hit(scope.focus.turn if scope.focus else None, details={"rate": f"{rate:.0f}"})
            return [hit]
        return [Hit(i, details={"rate": f"{c / m:.0f}"}) for i, c, m in measured if self._out_of_bounds(c / m)]
