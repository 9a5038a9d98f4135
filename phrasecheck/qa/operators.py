"""Conversation-rule operators, compiled: each node of a rule's `check` finds its hits in a scope.

A hit is where something stands (a turn, a span of its original text, or the whole conversation)
with what it carries for the message (`seconds`, `count`…) and the labels of the nodes that
produced it.  A scope is the turns a node looks at plus its focus: where an absence is reported
(the first or last turn of a `range`, an anchor's hit).  Every node over an empty scope has no
hits: there is nothing to judge.  An operator that needs what the input lacks raises `Skip`, and
the rule is reported skipped with the reason.  `anchor` is in `anchor.py`, the timing operators
in `timing.py`.
"""

from __future__ import annotations

import fnmatch
import operator
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, NamedTuple, Sequence

from rapidfuzz import fuzz, process

from ..conversation import Conversation
from ..engine.regions import Regions
from ..engine.normalize import NormalizedText, Normalizer
from ..engine.pattern import CompiledPattern
from ..engine.results import Violation
from ..engine.rules import expand


NEEDS_TIMES = "需要时间戳（begin_ms/end_ms），输入中没有：未检查"


class Skip(Exception):
    """The input lacks what an operator needs (times, a hold event, a metadata field)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Hit:
    turn: int | None
    span: tuple[int, int] | None = None  # offsets into the turn's original text
    details: dict[str, str] = field(default_factory=dict)
    labels: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        return self.turn, self.span


class Scope(NamedTuple):
    turns: tuple[int, ...]
    focus: Hit | None  # where an absence in this scope is reported


class View:
    """A conversation as the operators read it: roles, folded texts (cached), the utterance
    violations of each turn (asked for only when a rule refers to utterance rules)."""

    def __init__(self, conversation: Conversation, normalizer: Normalizer,
                 violations: Callable[[int], Sequence[Violation]] | None = None):
        self.conversation = conversation
        self.turns = conversation.turns
        self.roles = [t.role for t in self.turns]
        self.everything = tuple(range(len(self.turns)))
        self._by_role: dict[str, list[int]] = {}
        self.timed = any(t.begin_ms is not None for t in self.turns)
        self._normalizer = normalizer
        self._texts: dict[int, NormalizedText] = {}
        self._violations = violations

    def text(self, index: int) -> NormalizedText:
        if index not in self._texts:
            self._texts[index] = self._normalizer.full(self.turns[index].text)
        return self._texts[index]

    def violations(self, index: int) -> Sequence[Violation]:
        return self._violations(index) if self._violations else ()

    def of_role(self, turns: Sequence[int], role: str | None) -> list[int]:
        if role is None:
            return list(turns)
        if turns is self.everything:  # the common case, asked by most rules: once per conversation
            if role not in self._by_role:
                self._by_role[role] = [i for i in turns if self.roles[i] == role]
            return self._by_role[role]
        return [i for i in turns if self.roles[i] == role]


def merged(hits: Sequence[Hit]) -> list[Hit]:
    """One hit per place (labels and details joined), in conversation order, the whole conversation last."""
    places: dict[tuple, Hit] = {}
    for hit in hits:
        kept = places.get(hit.key)
        if kept is None:
            places[hit.key] = replace(hit, details=dict(hit.details))
        else:
            kept.labels += tuple(label for label in hit.labels if label not in kept.labels)
            kept.details = {**hit.details, **kept.details}
    return sorted(places.values(), key=lambda h: (h.turn is None, h.turn or 0, h.span or (0, 0)))


def focus_hit(scope: Scope) -> Hit:
    focus = scope.focus
    return Hit(None) if focus is None else Hit(focus.turn, focus.span, dict(focus.details))


class Op:
    """A compiled node."""

    courtesy: tuple[str, ...] = ()  # courtesy lines it names: a rule's standard lines by default

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        raise NotImplementedError

    def holds(self, view: View, scope: Scope) -> bool:
        return bool(self.hits(view, scope))


def _role(role: str) -> str | None:
    return None if role == "any" else role


class Say(Op):
    """Turns that say a phrase, pattern or courtesy line, or carry a violation of a named rule or
    category; the first span in a turn that no `unless` pattern overlaps is its hit."""

    def __init__(self, spec, env: "Env", field: str):
        self.role = _role(spec.role)
        self.courtesy = tuple(p for kind in spec.courtesy for p in env.courtesy.get(kind, ()))
        self.sources = tuple(dict.fromkeys([*spec.patterns, *(_literal(p) for p in (*spec.phrases, *self.courtesy))]))
        self.patterns = tuple(env.pattern(s, f"{field}.patterns") for s in self.sources)
        self.unless = tuple(env.pattern(s, f"{field}.unless") for s in spec.unless)
        self.rules = tuple(env.known_rules(spec.rules, f"{field}.rules"))
        self.categories = frozenset(env.known_categories(spec.categories, f"{field}.categories"))
        self.anything = not (self.patterns or self.rules or self.categories)

    def span(self, view: View, index: int) -> tuple[int, int] | None:
        """The first unexcused span in turn `index` (original offsets), or None.  The `unless`
        patterns are searched only in a turn that has something to excuse (most turns have not)."""
        text = view.text(index)
        found = sorted((m.start, m.end) for p in self.patterns for m in p.search(text))
        flagged = sorted((v.start, v.end) for v in view.violations(index) if self._names(v)) if self.rules or self.categories else []
        if not found and not flagged:
            return None
        excused = [(m.start, m.end) for p in self.unless for m in p.search(text)]
        for start, end in found:
            if not any(a < end and start < b for a, b in excused):
                return text.original_span(start, end)
        excused = [text.original_span(a, b) for a, b in excused]
        return next(((s, e) for s, e in flagged if not any(a < e and s < b for a, b in excused)), None)

    def _names(self, violation: Violation) -> bool:
        return violation.category in self.categories or any(fnmatch.fnmatchcase(violation.rule, r) for r in self.rules)

    def _said(self, view: View, index: int) -> bool:
        if self.unless or self.rules or self.categories:
            return self.span(view, index) is not None
        text = view.text(index)
        return any(p.search(text) for p in self.patterns)

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        found = []
        for index in view.of_role(scope.turns, self.role):
            if self.anything:
                found.append(Hit(index))
                continue
            span = self.span(view, index)
            if span is not None:
                found.append(Hit(index, span, {"matched": view.turns[index].text[span[0]:span[1]]}))
        return found

    def holds(self, view: View, scope: Scope) -> bool:
        turns = view.of_role(scope.turns, self.role)
        return bool(turns) if self.anything else any(self._said(view, i) for i in turns)

    def used(self, view: View, scope: Scope) -> list[str]:
        """The sources said (and not excused) at least once in the scope (`count: {distinct: true}`)."""
        turns = view.of_role(scope.turns, self.role)

        def said(pattern: CompiledPattern, index: int) -> bool:
            text = view.text(index)
            found = pattern.search(text)
            if not found or not self.unless:
                return bool(found)
            excused = [(m.start, m.end) for p in self.unless for m in p.search(text)]
            return any(not any(a < m.end and m.start < b for a, b in excused) for m in found)

        return [s for s, p in zip(self.sources, self.patterns) if any(said(p, i) for i in turns)]


def _literal(phrase: str) -> str:
    """A phrase (or courtesy line) as a one-element pattern: its punctuation is folded away anyway."""
    return "".join(ch for ch in phrase if not ch.isspace() and ch not in "[]{}|?…^$")


class Absent(Op):
    """Holds (at the scope's focus) when `inner` has no hit in a non-empty scope; `not` too."""

    def __init__(self, inner: Op):
        self.inner = inner
        self.courtesy = inner.courtesy

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        if not scope.turns or self.inner.holds(view, scope):
            return []
        return [focus_hit(scope)]


_COMPARE = {"at_least": operator.ge, "more_than": operator.gt, "at_most": operator.le, "fewer_than": operator.lt}


class Count(Op):
    """How many hits (or distinct phrases) `of` has; holds when every bound holds."""

    def __init__(self, spec, inner: Op):
        self.inner, self.distinct = inner, spec.distinct
        self.courtesy = inner.courtesy
        self.bounds = [(name, value) for name in ("at_least", "more_than", "at_most", "fewer_than")
                       if (value := getattr(spec, name)) is not None]

    def _limit(self, value: int | str, total: int) -> float:
        return float(value[:-1]) / 100 * total if isinstance(value, str) else value

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        if not scope.turns:
            return []
        details: dict[str, str] = {}
        found: list[Hit] = []
        if self.distinct:
            sources = self.inner.sources  # type: ignore[attr-defined]  (a say, perhaps ranged: the schema sees to it)
            said = self.inner.used(view, scope)  # type: ignore[attr-defined]
            total, n = len(sources), len(said)
            details = {"total": str(total), "missing": "、".join(s for s in sources if s not in said)}
        else:
            found = self.inner.hits(view, scope)
            total, n = len(found), len(found)
        if not all(_COMPARE[name](n, self._limit(value, total)) for name, value in self.bounds):
            return []
        details["count"] = str(n)
        name, value = self.bounds[0]
        if found and name in ("at_least", "more_than"):  # reported where the count was reached
            reached = found[int(value) - 1 if name == "at_least" else int(value)]
            return [replace(reached, details={**reached.details, **details})]
        hit = focus_hit(scope)
        hit.details.update(details)
        return [hit]


class Repeat(Op):
    """`role` says near-identical sentences `times` times: reported at the sentence that makes it so."""

    def __init__(self, spec):
        self.role, self.times, self.min_chars = spec.role, spec.times, spec.min_chars
        self.cutoff = spec.similarity * 100

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        groups: list[list] = []  # [folded first sentence, times said]
        found = []
        for index in view.of_role(scope.turns, self.role):
            text = view.text(index)
            for start, end in Regions(text).sentences():
                sentence = text.norm[start:end]
                if len(sentence) < self.min_chars:
                    continue
                best = process.extractOne(sentence, [g[0] for g in groups], scorer=fuzz.ratio, score_cutoff=self.cutoff)
                if best is None:
                    groups.append([sentence, 1])
                    continue
                group = groups[best[2]]
                group[1] += 1
                if group[1] == self.times:
                    a, b = text.original_span(start, end)
                    found.append(Hit(index, (a, b), {"times": str(self.times), "matched": text.original[a:b]}))
        return found


class Combine(Op):
    """`all` (every branch has a hit: the placed hits) or `any` (the hits of every branch)."""

    def __init__(self, branches: Sequence[Op], every: bool):
        self.branches, self.every = tuple(branches), every
        self.courtesy = tuple(line for b in self.branches for line in b.courtesy)

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        collected: list[Hit] = []
        for branch in self.branches:
            found = branch.hits(view, scope)
            if self.every and not found:
                return []
            collected += found
        placed = [h for h in collected if h.turn is not None]
        if self.every and placed and len(placed) < len(collected):
            labels = tuple(label for h in collected if h.turn is None for label in h.labels)
            placed = [replace(h, labels=h.labels + labels) for h in placed]
        return merged(placed or collected)


class Ranged(Op):
    """A node with a `range` (narrowing its turns) or a `label` (naming its hits in the message)."""

    def __init__(self, inner: Op, spec, label: str | None):
        self.inner, self.spec, self.label = inner, spec, label
        self.courtesy = inner.courtesy

    def _scope(self, view: View, scope: Scope) -> Scope:
        spec = self.spec
        if spec is None:
            return scope
        turns = view.of_role(scope.turns, _role(spec.role))
        if spec.first is not None:
            turns = turns[:spec.first]
            return Scope(tuple(turns), Hit(turns[0]) if turns else None)
        if spec.last is not None:
            turns = turns[-spec.last:]
            return Scope(tuple(turns), Hit(turns[-1]) if turns else None)
        if spec.turns is not None:
            turns = turns[spec.turns[0] - 1:spec.turns[1]]
        elif spec.seconds is not None:
            if not view.timed:
                raise Skip(NEEDS_TIMES)
            low, high = spec.seconds[0] * 1000, spec.seconds[1] * 1000
            turns = [i for i in turns if view.turns[i].begin_ms is not None and low <= view.turns[i].begin_ms <= high]
        return Scope(tuple(turns), scope.focus)

    def hits(self, view: View, scope: Scope) -> list[Hit]:
        found = self.inner.hits(view, self._scope(view, scope))
        if self.label is None:
            return found
        return [replace(h, labels=(*h.labels, self.label)) if self.label not in h.labels else h for h in found]

    def holds(self, view: View, scope: Scope) -> bool:
        return self.inner.holds(view, self._scope(view, scope))

    @property
    def sources(self) -> tuple[str, ...]:  # a ranged `say` under `count: {distinct: true}`
        return self.inner.sources  # type: ignore[attr-defined]

    def used(self, view: View, scope: Scope) -> list[str]:
        return self.inner.used(view, self._scope(view, scope))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Env:
    """What compiling a node needs from the checker: folding, word classes, courtesy lines, and
    the utterance rules and categories a `say` may name."""

    normalizer: Normalizer
    classes: Mapping[str, Sequence[str]]
    courtesy: Mapping[str, tuple[str, ...]]
    rule_ids: frozenset[str]
    categories: frozenset[str]

    def pattern(self, source: str, field: str) -> CompiledPattern:
        """Searched in a turn's folded text (no phonetic matching: a homophone of 您好 is no greeting)."""
        return CompiledPattern(expand(source, self.classes, field), self.normalizer, phonetic=False)

    def known_rules(self, names: Sequence[str], field: str) -> list[str]:
        for name in names:
            if not any(fnmatch.fnmatchcase(rule, name) for rule in self.rule_ids):
                raise ValueError(f"{field}: {name!r} names no phrase rule of the loaded packs")
        return list(names)

    def known_categories(self, names: Sequence[str], field: str) -> list[str]:
        for name in names:
            if name not in self.categories:
                raise ValueError(f"{field}: no phrase rule of the loaded packs has the category {name!r}")
        return list(names)
