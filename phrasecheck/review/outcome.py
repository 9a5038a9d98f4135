"""One conversation reviewed: its hits marked by the review verdicts, then by each round of
appeals, each stage priced by the run's template exactly as the scorer prices it.

How a verdict moves the score (the template's own model: one charge per incident, per-hit,
per-turn and once items, dimension caps, vetoes):
- `confirmed`: the hit stays; nothing moves.
- `false`: the hit is no longer evidence: its deduction (or veto) goes.
- `missed`: the reviewer's hit becomes evidence of the rule it names, priced like any hit of it.
- `partly`: a real problem the machine overstated: the hit stays, charged as the corrected rule
  when the reviewer names one, else one severity lower (critical → error, error → warning,
  warning → info).  A template that prices the rule by severity charges less (in seed-003 an
  error 禁语 −2 becomes a warning −1, a critical veto becomes a −2); one that prices it by kind
  (the conversation rules in seed-003) charges the same.
Appeals: `accepted` dismisses the hit (as `false`; a reviewer-added hit is withdrawn),
`rejected` leaves it (a hit no reviewer had marked counts as confirmed from then on), `partly`
makes it `partly`; an open appeal (no resolution) changes nothing.
The n-th appeal of each hit is round n; after a `final` resolution later appeals are not applied.
Each stage is priced anew, so a change also shows its knock-on effects (a hit that was charged
as part of a dismissed incident, a cap that now leaves room), each explained.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from ..qa.catalog import RuleInfo
from ..qa.scoring import Deduction, price
from ..qa.template import Template
from .hits import Hit, as_rule, check_place, hit_key, lesser, locate, missed_hit, run_hits
from .verdicts import Verdict, in_order

CHARGED = ("machine", "confirmed", "partly", "missed")  # statuses whose hit is evidence


@dataclass
class Mark:
    """The review state of one hit."""

    hit: Hit
    machine: bool  # found by the scorer (False: added by a reviewer as missed)
    status: str = "machine"  # machine (not reviewed) | confirmed | false | partly | missed | withdrawn
    corrected: RuleInfo | None = None
    review: Verdict | None = None  # the review verdict in force
    last: Verdict | None = None  # the verdict or appeal that set the status
    appeals: int = 0
    closed: Verdict | None = None  # the final resolution, after which no appeal applies

    def charged(self) -> Hit | None:
        if self.status not in CHARGED:
            return None
        if self.status == "partly":
            return as_rule(self.hit, self.corrected) if self.corrected else lesser(self.hit)
        return self.hit


@dataclass(frozen=True)
class Change:
    """One deduction that a stage added, removed or re-priced, and why."""

    stage: str
    rule: str
    turn: int | None
    start: int | None
    end: int | None
    item: str
    title: str
    before: int | None  # points before (None: not charged); for a veto, None or 0
    after: int | None
    veto: bool
    reason: str

    def text(self) -> str:
        place = "whole conversation" if self.turn is None else f"turn {self.turn}"
        if self.veto:
            what = f"veto {self.title} {'lifted' if self.after is None else 'applied'}"
        else:
            what = f"{self.title} {_points(self.before)} → {_points(self.after)}"
        return f"{what} ({self.rule}, {place}): {self.reason}"


@dataclass
class Stage:
    name: str  # machine | review | appeal-1, appeal-2 …
    label: str  # as the report shows it
    score: int
    grade: str
    passed: bool
    vetoed: bool
    deductions: list[Deduction]
    changes: list[Change] = field(default_factory=list)


@dataclass
class Applied:
    """What became of one verdict row: applied, duplicate, superseded, stale, open, after-final."""

    verdict: Verdict
    outcome: str
    detail: str = ""
    stage: str = ""


@dataclass
class ConversationReview:
    result: dict[str, Any]
    marks: list[Mark]
    stages: list[Stage]
    applied: list[Applied]
    notes: list[str]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def changes(self) -> list[Change]:
        return [change for stage in self.stages[1:] for change in stage.changes]


def review_conversation(result: dict[str, Any], rows: list[Verdict], template: Template,
                        rule_info: Callable[[str], RuleInfo | None], titles: dict[str, str]) -> ConversationReview:
    """The stages of one conversation under its verdicts (rules in the module docstring)."""
    hits = run_hits(result, titles)
    marks = [Mark(hit, True) for hit in hits]
    applied: list[Applied] = []
    notes: list[str] = []
    stages = [_stage("machine", "机检", template, marks, result, {})]
    if (stages[0].score, stages[0].vetoed) != (result["score"], bool(result.get("vetoed"))):
        notes.append(f"template {template.template!r} now prices the machine hits {stages[0].score}, the run says "
                     f"{result['score']}: the template changed since the run; reviewed scores use it as it is now")
    decided: dict[int, Verdict] = {}
    for verdict in in_order([v for v in rows if v.kind == "review"]):
        _review(verdict, result, marks, rule_info, decided, applied)
    if rows and any(v.kind == "review" for v in rows):
        stages.append(_stage("review", "复核", template, marks, result, decided, stages[-1]))
    for round_no, batch in enumerate(_rounds([v for v in rows if v.kind == "appeal"], result, marks, applied), 1):
        decided = {}
        for index, appeal in batch:
            _appeal(appeal, marks[index], index, rule_info, decided, applied, f"appeal-{round_no}")
        stages.append(_stage(f"appeal-{round_no}", f"申诉{round_no}", template, marks, result, decided, stages[-1]))
    for entry in applied:
        if entry.outcome == "applied" and not entry.stage:
            entry.stage = "review"
    return ConversationReview(result, marks, stages, applied, notes)


def _review(verdict: Verdict, result: dict[str, Any], marks: list[Mark], rule_info: Callable[[str], RuleInfo | None],
            decided: dict[int, Verdict], applied: list[Applied]) -> None:
    problem = check_place(verdict, result)
    if problem is not None:
        applied.append(Applied(verdict, "stale", problem))
        return
    machine = [m.hit for m in marks if m.machine]
    hit, why = locate(verdict, machine)
    corrected = None
    if verdict.verdict == "missed":
        if hit is None:
            info = rule_info(verdict.rule)
            if info is None:
                applied.append(Applied(verdict, "stale", f"rule {verdict.rule!r} is not in the pack (renamed?)"))
                return
            new = missed_hit(verdict, info, result)
            index = next((i for i, m in enumerate(marks) if not m.machine and hit_key(m.hit) == hit_key(new)), None)
            if index is None:
                marks.append(Mark(new, False, "missed"))
                index = len(marks) - 1
            _set(marks, index, "missed", None, verdict, decided, applied)
            return
        verdict_status, detail = "confirmed", "the machine now finds this hit: counted as confirmed"
    elif hit is None:
        added, _ = locate(verdict, [m.hit for m in marks if not m.machine])
        if added is None:
            applied.append(Applied(verdict, "stale", why))
            return
        # another reviewer's verdict on a hit a reviewer added: false withdraws it, partly lessens it
        index = next(i for i, m in enumerate(marks) if m.hit is added)
        status = {"false": "withdrawn", "confirmed": "missed"}.get(verdict.verdict, verdict.verdict)
        _set(marks, index, status, None, verdict, decided, applied)
        return
    else:
        verdict_status, detail = verdict.verdict, ""
        if verdict.corrected_rule is not None:
            corrected = rule_info(verdict.corrected_rule)
            if corrected is None:
                applied.append(Applied(verdict, "stale", f"corrected rule {verdict.corrected_rule!r} is not in the pack"))
                return
    index = next(i for i, m in enumerate(marks) if m.machine and m.hit is hit)
    _set(marks, index, verdict_status, corrected, verdict, decided, applied, detail)


def _set(marks: list[Mark], index: int, status: str, corrected: RuleInfo | None, verdict: Verdict,
         decided: dict[int, Verdict], applied: list[Applied], detail: str = "") -> None:
    mark = marks[index]
    if mark.review is not None:
        if mark.review.same_decision(verdict):
            applied.append(Applied(verdict, "duplicate", f"repeats {mark.review.where}"))
            return
        earlier = next(a for a in applied if a.verdict is mark.review)
        earlier.outcome, earlier.detail = "superseded", f"by {verdict.where}"
    mark.status, mark.corrected, mark.review, mark.last = status, corrected, verdict, verdict
    decided[index] = verdict
    applied.append(Applied(verdict, "applied", detail))


def _rounds(appeals: list[Verdict], result: dict[str, Any], marks: list[Mark],
            applied: list[Applied]) -> list[list[tuple[int, Verdict]]]:
    """Appeals grouped by hit and put in order; round n holds each hit's n-th appeal."""
    by_mark: dict[int, list[Verdict]] = defaultdict(list)
    hits = [m.hit for m in marks if m.status != "withdrawn"]
    for appeal in appeals:
        problem = check_place(appeal, result)
        hit, why = (None, problem) if problem else locate(appeal, hits)
        if hit is None:
            applied.append(Applied(appeal, "stale", why))
            continue
        by_mark[next(i for i, m in enumerate(marks) if m.hit is hit)].append(appeal)
    rounds: list[list[tuple[int, Verdict]]] = []
    for index, listed in by_mark.items():
        for n, appeal in enumerate(in_order(listed)):
            while len(rounds) <= n:
                rounds.append([])
            rounds[n].append((index, appeal))
    return rounds


def _appeal(appeal: Verdict, mark: Mark, index: int, rule_info: Callable[[str], RuleInfo | None],
            decided: dict[int, Verdict], applied: list[Applied], stage: str) -> None:
    if mark.closed is not None:
        applied.append(Applied(appeal, "after-final", f"the appeal {mark.closed.where} was final", stage))
        return
    if appeal.resolution is None:
        applied.append(Applied(appeal, "open", "no resolution yet", stage))
        return
    if appeal.final:
        mark.closed = appeal
    if appeal.resolution == "accepted":
        mark.status = "false" if mark.machine else "withdrawn"
    elif appeal.resolution == "rejected" and mark.status == "machine":
        mark.status = "confirmed"  # a person looked at the hit and let it stand
    elif appeal.resolution == "partly":
        if appeal.corrected_rule is not None:
            mark.corrected = rule_info(appeal.corrected_rule)
            if mark.corrected is None:
                applied.append(Applied(appeal, "stale", f"corrected rule {appeal.corrected_rule!r} is not in the pack", stage))
                return
        mark.status = "partly"
    mark.last = appeal
    decided[index] = appeal
    applied.append(Applied(appeal, "applied", "", stage))


def _stage(name: str, label: str, template: Template, marks: list[Mark], result: dict[str, Any],
           decided: dict[int, Verdict], before: Stage | None = None) -> Stage:
    charged = [hit for hit in (m.charged() for m in marks) if hit is not None]
    said = [hit for hit in charged if hit.kind == "utterance"]
    found = [hit for hit in charged if hit.kind != "utterance"]
    # Items the scorer found not applicable (every rule behind them skipped) stay so on review.
    not_applicable = frozenset(item for d in result.get("dimensions") or () for item in d.get("not_applicable") or ())
    score, vetoed, _, deductions = price(template, said, found, len(result.get("turns") or ()), not_applicable)
    stage = Stage(name, label, score, template.grade(score), score >= template.pass_mark and not vetoed, vetoed, deductions)
    if before is not None:
        stage.changes = _changes(name, before.deductions, deductions, marks, decided)
    return stage


def _changes(stage: str, before: list[Deduction], after: list[Deduction], marks: list[Mark],
             decided: dict[int, Verdict]) -> list[Change]:
    """Every deduction added, removed or re-priced between two stages, with the verdict behind it."""
    def keyed(deductions: list[Deduction]) -> dict[tuple, Deduction]:
        return {(d.item, d.veto, *_place(d)): d for d in deductions}

    old, new = keyed(before), keyed(after)
    owner = {}
    for index, mark in enumerate(marks):
        for hit in (mark.hit, mark.charged()):
            if hit is not None:
                owner.setdefault((hit.rule, hit.turn, hit.start, hit.end), index)
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        was, now = old.get(key), new.get(key)
        if was is not None and now is not None and (was.points == now.points or was.veto):
            continue
        d = now or was
        index = owner.get(_place(d))
        verdict = decided.get(index) if index is not None else None
        reason = describe(verdict) if verdict is not None else \
            "follows from the other changes (one charge per incident, per-turn and once items, dimension caps)"
        changes.append(Change(stage, d.evidence.rule, d.evidence.turn, d.evidence.start, d.evidence.end, d.item,
                              d.title or d.item, None if was is None else was.points, None if now is None else now.points, d.veto, reason))
    return changes


def _place(d: Deduction) -> tuple[Any, ...]:
    e = d.evidence
    return e.rule, e.turn, e.start, e.end


def _points(points: int | None) -> str:
    return "not charged" if points is None else f"−{points}" if points else "0"


def describe(verdict: Verdict) -> str:
    """One line on who decided what, and where it is written."""
    if verdict.kind == "appeal":
        text = f"appeal by {verdict.appellant} {verdict.resolution}"
        text += f" by {verdict.reviewer}" if verdict.reviewer else ""
        text += " (final)" if verdict.final else ""
        text += f": {verdict.reason}" if verdict.reason else ""
    elif verdict.verdict == "missed":
        text = f"{verdict.who()} added it as missed"
    else:
        text = f"{verdict.who()} marked it {verdict.verdict}"
        text += f" as {verdict.corrected_rule}" if verdict.corrected_rule else ""
    text += f" — {verdict.note}" if verdict.note else ""
    return f"{text} ({verdict.where})"
