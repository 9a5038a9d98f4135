"""The reviewed reports: the score reports (agents.csv, rules.csv, trends.csv, report.html) of the
same run with the review beside the machine: reviewed scores per agent and per group, per-rule
confirmed / partly / false / missed counts with precision and recall, and in report.html each
reviewed conversation's stages and changes, its marks already set for the next reviewer.

Precision = (confirmed + partly) / (confirmed + partly + false): of the hits reviewers judged,
the share that pointed at a real problem.  Recall = (confirmed + partly) / (confirmed + partly +
missed): of the problems reviewers saw, the share the rule found.  A `partly` hit charged as
another rule also counts as missed for that rule.  Hits no one reviewed count in neither.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from ..qa.catalog import RuleInfo
from ..reports.qa import QAReport, UNKNOWN_AGENT
from ..reports.trends import ratio
from .outcome import ConversationReview

REVIEW_COUNTS = ("confirmed", "partly", "false", "missed")
AGENT_REVIEW_COLUMNS = ["reviewed", "reviewed_mean_score", "reviewed_min_score", "reviewed_passed", "reviewed_failed",
                        "reviewed_vetoes", "reviewed_points_deducted"]
RULE_REVIEW_COLUMNS = [*REVIEW_COUNTS, "unreviewed", "precision", "recall"]


def rule_counts(review: ConversationReview) -> dict[str, Counter]:
    """Per rule: its confirmed, partly and false hits and its missed ones, by the final marks."""
    counts: dict[str, Counter] = {}
    for mark in review.marks:
        if mark.machine and mark.status in ("confirmed", "partly", "false"):
            counts.setdefault(mark.hit.rule, Counter())[mark.status] += 1
        if not mark.machine and mark.status in ("missed", "partly"):
            counts.setdefault(mark.hit.rule, Counter())["missed"] += 1
        elif mark.status == "partly" and mark.corrected is not None:
            counts.setdefault(mark.corrected.rule, Counter())["missed"] += 1
    return counts


class ReviewedReport(QAReport):
    """QAReport fed with each conversation and its review (None: no verdict touched it)."""

    def __init__(self, detail_limit: int = 300, rules: Sequence[dict[str, str]] = (),
                 rule_info: dict[str, RuleInfo] | None = None):
        super().__init__(detail_limit, rules)
        self.rule_info = rule_info or {}
        self.views: dict[str, dict[str, Any]] = {}  # reviewed conversations, as report.html shows them
        self.marks: dict[str, list[dict[str, str]]] = {}  # their verdict rows, for the page to start from
        self.agent_review: dict[str, Counter] = {}
        self.rule_review: dict[str, Counter] = {}
        self.review_totals: Counter = Counter()

    def add_reviewed(self, result: dict[str, Any], review: ConversationReview | None) -> None:
        final = review.final if review is not None else None
        score = final.score if final else int(result["score"])
        passed = final.passed if final else bool(result.get("passed"))
        vetoed = final.vetoed if final else bool(result.get("vetoed"))
        points = sum(d.points for d in final.deductions) if final else sum(int(d.get("points") or 0) for d in result.get("deductions") or ())
        counts = rule_counts(review) if review is not None else {}
        if review is not None:
            self.views[result["id"]] = _view(result, review)
            self.marks[result["id"]] = _marks(result["id"], review)
            self.review_totals.update(reviewed=1, verdicts=len(review.applied),
                                      stale=sum(a.outcome == "stale" for a in review.applied),
                                      open_appeals=sum(a.outcome == "open" for a in review.applied))
        total = Counter()
        for rule, counter in counts.items():
            self.rule_review.setdefault(rule, Counter()).update(counter)
            total.update(counter)
        self.review_totals.update(score=score, passed=int(passed))
        agent = self.agent_review.setdefault(result.get("agent_id") or UNKNOWN_AGENT, Counter())
        agent.update(reviewed=int(review is not None), score=score, passed=int(passed), vetoed=int(vetoed), points=points)
        agent["min"] = min(agent.get("min", score), score)
        self.add(result, {"reviewed": review is not None, "score": score, "passed": passed, "vetoed": vetoed,
                          **{name: total[name] for name in REVIEW_COUNTS}})

    def add_stale(self, count: int) -> None:
        """Verdicts of conversations the run does not have, for the page's count."""
        self.review_totals.update(verdicts=count)

    def _priority(self, result: dict[str, Any]) -> tuple[int, ...]:
        """Reviewed conversations first, then as the score report keeps them."""
        return int(result["id"] in self.views), *super()._priority(result)

    def _agent_columns(self) -> list[str]:
        return [*super()._agent_columns(), *AGENT_REVIEW_COLUMNS]

    def _agent_rows(self) -> list[dict[str, Any]]:
        rows = super()._agent_rows()
        for row in rows:
            a = self.agent_review[row["agent_id"]]
            n = row["conversations"]
            row.update(reviewed=a["reviewed"], reviewed_mean_score=f"{a['score'] / n:.1f}", reviewed_min_score=a["min"],
                       reviewed_passed=a["passed"], reviewed_failed=n - a["passed"], reviewed_vetoes=a["vetoed"],
                       reviewed_points_deducted=a["points"])
        return rows

    def _rule_columns(self) -> list[str]:
        return [*super()._rule_columns(), *RULE_REVIEW_COLUMNS]

    def _rule_rows(self) -> list[dict[str, Any]]:
        rows = super()._rule_rows()
        for rule in sorted(set(self.rule_review) - {row["rule"] for row in rows}):  # only ever missed
            info = self.rule_info.get(rule)
            rows.append({"rule": rule, "kind": info.kind if info else "", "category": info.category if info else "",
                         "severity": info.severity if info else "", "hits": 0, "conversations": 0, "agents": 0,
                         "points_deducted": 0, "skipped": 0})
        for row in rows:
            c = self.rule_review.get(row["rule"], Counter())
            found = c["confirmed"] + c["partly"]
            row.update({name: c[name] for name in REVIEW_COUNTS})
            row.update(unreviewed=row["hits"] - found - c["false"], precision=ratio(found, found + c["false"]),
                       recall=ratio(found, found + c["missed"]))
        return rows

    def _review_context(self, details: list[dict[str, Any]]) -> dict[str, Any]:
        t = self.review_totals
        totals = {"mean": t["score"] / self.conversations if self.conversations else None,
                  "pass_rate": t["passed"] / self.conversations if self.conversations else None, "passed": t["passed"],
                  "reviewed": t["reviewed"], "verdicts": t["verdicts"], "stale": t["stale"], "open_appeals": t["open_appeals"]}
        rules = [row for row in self._rule_rows() if any(row[name] for name in REVIEW_COUNTS)]
        marks = [row for c in details for row in self.marks.get(c["id"], ())]
        return {"review": {"totals": totals, "conversations": self.views, "rules": rules}, "marks": marks}


def _view(result: dict[str, Any], review: ConversationReview) -> dict[str, Any]:
    final = review.final
    labels = {stage.name: stage.label for stage in review.stages}
    return {"score": final.score, "grade": final.grade, "passed": final.passed, "vetoed": final.vetoed,
            "stages": [{"label": s.label, "score": s.score} for s in review.stages],
            "changes": [f"{labels[c.stage]}：{c.text()}" for c in review.changes()] + review.notes}


def _marks(conversation: str, review: ConversationReview) -> list[dict[str, str]]:
    """The review verdicts in force, at the hits' places in this run, as the page's rows."""
    rows = []
    for mark in review.marks:
        verdict = mark.review
        if verdict is None or (not mark.machine and mark.status == "withdrawn"):
            continue
        hit = mark.hit
        said = "missed" if not mark.machine else "confirmed" if verdict.verdict == "missed" else verdict.verdict
        row = dict(verdict.raw)
        row.update(kind="review", conversation=conversation, turn=_text(hit.turn), rule=hit.rule, start=_text(hit.start),
                   end=_text(hit.end), matched=hit.matched or "", verdict=said)
        rows.append(row)
    return rows


def _text(value: int | None) -> str:
    return "" if value is None else str(value)
