"""`anchor`: a check evaluated in the window around each hit of another condition.

The window holds the anchor's own turn and reaches `after`, `before` or `around` it (or only the
`same` turn), as far as N turns of a role or S seconds; the anchor's hit is the window's focus,
so an absence is reported at the words that made the check apply (the customer's 退款, the
agent's 办不了).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Sequence

from .operators import NEEDS_TIMES, Hit, Op, Scope, Skip, View, _role, merged


class Anchor(Op):
    """`check` in the window around each selected hit of `to`, focused on that hit."""

    def __init__(self, spec, to: Op, check: Op):
        self.to, self.check, self.where, self.within, self.which = to, check, spec.where, spec.within, spec.hit
        self.courtesy = to.courtesy + check.courtesy

    def _selected(self, hits: list[Hit]) -> list[Hit]:
        if self.which == "every" or not hits:
            return hits
        if self.which == "first":
            return hits[:1]
        if self.which == "last":
            return hits[-1:]
        return hits[self.which - 1:self.which]

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        found: list[Hit] = []
        for anchor in self._selected(self.to.hits(view, scope)):
            window = scope.turns if anchor.turn is None else self._window(view, scope.turns, anchor.turn)
            found += self.check.hits(view, Scope(window, anchor))
        return merged(found)

    def _window(self, view: View, turns: tuple[int, ...], at: int) -> tuple[int, ...]:
        if self.where == "same":
            return (at,)
        position = bisect_left(turns, at)
        before = turns[:position] if self.where in ("before", "around") else ()
        after = turns[position + (position < len(turns) and turns[position] == at):] if self.where in ("after", "around") else ()
        within = self.within
        if within is None:
            return (*before, at, *after)
        if within.seconds is not None:
            return self._timed(view, before, at, after, within.seconds * 1000)
        role = _role(within.role)
        return (*_reach(view, before[::-1], within.turns, role)[::-1], at, *_reach(view, after, within.turns, role))

    def _timed(self, view: View, before, at: int, after, reach: float) -> tuple[int, ...]:
        anchor = view.turns[at]
        if anchor.begin_ms is None:
            raise Skip(NEEDS_TIMES)
        start, end = anchor.begin_ms, anchor.end_ms if anchor.end_ms is not None else anchor.begin_ms
        turns = view.turns
        early = [i for i in before if _last_ms(turns[i]) is not None and _last_ms(turns[i]) >= start - reach]
        late = [i for i in after if turns[i].begin_ms is not None and turns[i].begin_ms <= end + reach]
        return (*early, at, *late)


def _last_ms(turn) -> int | None:
    return turn.end_ms if turn.end_ms is not None else turn.begin_ms


def _reach(view: View, turns: Sequence[int], count: int, role: str | None) -> tuple[int, ...]:
    """Turns from the anchor outward up to and including the `count`-th turn of `role`."""
    if count == 0:
        return ()
    seen = 0
    for n, index in enumerate(turns):
        if role is None or view.roles[index] == role:
            seen += 1
            if seen == count:
                return tuple(turns[:n + 1])
    return tuple(turns)
