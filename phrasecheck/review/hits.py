"""The hits of a scored conversation, as conversations.jsonl holds it, and finding the hit a
verdict speaks of.

A hit is an utterance violation (`turns[].violations`) or a violated conversation finding
(`findings[]`); it is known by its conversation, turn, rule and span.  A verdict that finds no
hit (the rule was renamed, the transcript changed, the rule no longer fires there) is stale: it
is reported with the reason, never dropped in silence.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..qa.catalog import RuleInfo
from ..qa.scoring import Evidence
from .verdicts import Verdict

SEVERITY_BELOW = {"critical": "error", "error": "warning", "warning": "info", "info": "info"}


Hit = Evidence  # a hit is the evidence the scorer priced (or would price, for one a reviewer adds)


def hit_key(hit: Hit) -> tuple[Any, ...]:
    return hit.turn, hit.rule, hit.start, hit.end


def as_rule(hit: Hit, info: RuleInfo) -> Hit:
    """The same place charged as another rule (a partly verdict's corrected rule)."""
    return replace(hit, rule=info.rule, kind=info.kind, category=info.category, severity=info.severity,
                   message=info.message, suggestion=info.suggestion)


def lesser(hit: Hit) -> Hit:
    """The same hit one severity lower (a partly verdict without a corrected rule)."""
    return replace(hit, severity=SEVERITY_BELOW.get(hit.severity, hit.severity))


def run_hits(result: dict[str, Any], titles: dict[str, str]) -> list[Hit]:
    """Every hit of a conversation result: utterance violations in turn order, then violated
    findings in rule order (the scorer's own order, which the template's pricing depends on).
    `titles`: conversation rule id → title (a finding's evidence carries it as its category)."""
    charged = {(d["rule"], d.get("turn")): d.get("category") for d in result.get("deductions") or ()}
    hits = []
    for turn in result.get("turns") or ():
        for v in turn.get("violations") or ():
            suggestions = v.get("suggestions") or []
            hits.append(Hit(v["rule"], "utterance", v.get("category") or "", v.get("severity") or "info", turn["index"],
                            v.get("start"), v.get("end"), v.get("matched"), turn.get("begin_ms"), v.get("message") or "",
                            suggestions[0] if suggestions else None))
    for f in result.get("findings") or ():
        if f.get("status") != "violated":
            continue
        suggestions = f.get("suggestions") or []
        category = charged.get((f["rule"], f.get("turn"))) or titles.get(f["rule"], "")
        hits.append(Hit(f["rule"], f.get("kind") or "", category, f.get("severity") or "info", f.get("turn"),
                        f.get("start"), f.get("end"), f.get("matched"), f.get("time_ms"), f.get("message") or "",
                        suggestions[0] if suggestions else None))
    return hits


def turn_text(result: dict[str, Any], turn: int | None) -> str | None:
    turns = result.get("turns") or []
    if turn is None or turn >= len(turns):
        return None
    return turns[turn].get("text") or ""


def check_place(verdict: Verdict, result: dict[str, Any]) -> str | None:
    """Why the verdict's turn and span do not fit this run's transcript; None when they do."""
    turns = result.get("turns") or []
    if verdict.turn is not None and verdict.turn >= len(turns):
        return f"turn {verdict.turn} is not in the conversation (it has {len(turns)} turns, from 0)"
    if verdict.start is None or verdict.turn is None:
        return None
    text = turn_text(result, verdict.turn) or ""
    if verdict.end > len(text):
        return f"the span {verdict.start}–{verdict.end} runs past turn {verdict.turn} ({len(text)} characters): the text changed"
    if verdict.matched is not None and text[verdict.start:verdict.end] != verdict.matched:
        return f"the text of turn {verdict.turn} at {verdict.start}–{verdict.end} is not what the verdict saw: the text changed"
    return None


def locate(verdict: Verdict, hits: list[Hit]) -> tuple[Hit | None, str]:
    """The hit a verdict names: (hit, "") or (None, why not).  The same rule at the same turn and
    span; else the one hit of that rule overlapping the span (a pattern edit may move its edges);
    else, without a span, the one hit of that rule in that turn."""
    same_turn = [h for h in hits if h.turn == verdict.turn]
    of_rule = [h for h in same_turn if h.rule == verdict.rule]
    if verdict.start is not None:
        exact = [h for h in of_rule if (h.start, h.end) == verdict.span]
        if exact:
            return exact[0], ""
        overlapping = [h for h in of_rule if h.start is not None and h.start < verdict.end and verdict.start < h.end]
        if len(overlapping) == 1:
            return overlapping[0], ""
        if len(overlapping) > 1:
            return None, f"rule {verdict.rule!r} has {len(overlapping)} hits overlapping {_place(verdict)}: give their exact span"
        if not overlapping and len(of_rule) == 1 and of_rule[0].start is None:
            return of_rule[0], ""  # a finding without a span, marked where the reviewer pointed
    elif len(of_rule) == 1:
        return of_rule[0], ""
    elif len(of_rule) > 1:
        return None, f"rule {verdict.rule!r} has {len(of_rule)} hits in {_turn(verdict.turn)}: give start and end"
    there = sorted({h.rule for h in same_turn if verdict.start is None or h.start is None
                    or (h.start < verdict.end and verdict.start < h.end)} - {verdict.rule})
    if there:
        return None, (f"no hit of rule {verdict.rule!r} at {_place(verdict)}; the run has {', '.join(there)} there "
                      "(rule renamed?)")
    return None, f"no hit of rule {verdict.rule!r} at {_place(verdict)} in this run (the rule no longer fires there?)"


def _turn(turn: int | None) -> str:
    return "the whole conversation" if turn is None else f"turn {turn}"


def _place(verdict: Verdict) -> str:
    return _turn(verdict.turn) + (f" [{verdict.start}:{verdict.end}]" if verdict.start is not None else "")


def missed_hit(verdict: Verdict, info: RuleInfo, result: dict[str, Any]) -> Hit:
    """A violation the machine missed, as the reviewer gives it, priced as the rule it names."""
    turns = result.get("turns") or []
    begin = turns[verdict.turn].get("begin_ms") if verdict.turn is not None and verdict.turn < len(turns) else None
    matched = verdict.matched
    if matched is None and verdict.start is not None:
        matched = (turn_text(result, verdict.turn) or "")[verdict.start:verdict.end]
    return Hit(info.rule, info.kind, info.category, info.severity, verdict.turn, verdict.start, verdict.end, matched,
               begin, verdict.note or info.message, verdict.standard_line or info.suggestion)
