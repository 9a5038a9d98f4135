"""Trends: the same scores grouped by when (day, ISO week, month of the conversation's start), by
team and skill group where the input names them, and by lexicon version, so a lead sees a rule
change or a coaching effect over time.  `trends.csv` holds every grouping, one row a group; the
report draws the mean score per period.

Memory is bounded by the number of groups (days, weeks, months, teams, skill groups and lexicon
versions seen), each with a counter of the rules it hit.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ..output import open_text

PERIODS = ("day", "week", "month")
DIMENSIONS = (*PERIODS, "team", "skill_group", "lexicon")
NOT_GIVEN = "(not given)"  # a conversation without a start time, team or skill group, among others that have one
CHART_MAX = 62  # most columns the period chart draws (two months of days)
COLUMNS = ["dimension", "group", "conversations", "mean_score", "min_score", "pass_rate", "vetoes", "points_deducted",
           "hits", "hits_per_conversation", "top_rules"]
REVIEW_COLUMNS = ["reviewed", "reviewed_mean_score", "reviewed_pass_rate", "reviewed_vetoes", "confirmed", "partly",
                  "false", "missed", "precision"]


@dataclass
class _Group:
    conversations: int = 0
    score_sum: int = 0
    min_score: int | None = None
    passed: int = 0
    vetoes: int = 0
    points: int = 0
    rules: Counter = field(default_factory=Counter)
    review: Counter = field(default_factory=Counter)  # reviewed, score, passed, vetoes, confirmed, partly, false, missed


def period_keys(started_at: str | None) -> dict[str, str] | None:
    """{"day": "2024-05-01", "week": "2024-W18", "month": "2024-05"} in the clock the input wrote."""
    if not started_at:
        return None
    try:
        moment = datetime.fromisoformat(started_at)
    except ValueError:
        return None
    year, week, _ = moment.isocalendar()
    return {"day": moment.strftime("%Y-%m-%d"), "week": f"{year}-W{week:02d}", "month": moment.strftime("%Y-%m")}


class Trends:
    """Accumulates conversation results (wire dicts) into groups; `review` adds reviewed numbers."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, _Group]] = {d: {} for d in DIMENSIONS}
        self.reviewing = False

    def add(self, result: dict[str, Any], review: dict[str, Any] | None = None) -> None:
        """One conversation; `review` = {reviewed (bool), score, passed, vetoed, confirmed, partly, false, missed}."""
        keys = period_keys(result.get("started_at")) or dict.fromkeys(PERIODS, NOT_GIVEN)
        keys.update((name, result.get(name) or NOT_GIVEN) for name in ("team", "skill_group"))
        lexicon = result.get("lexicon") or {}
        keys["lexicon"] = " ".join(filter(None, (lexicon.get("pack"), lexicon.get("version")))) or NOT_GIVEN
        score = int(result["score"])
        hits = Counter(v["rule"] for turn in result.get("turns") or () for v in turn.get("violations") or ())
        hits.update(f["rule"] for f in result.get("findings") or () if f.get("status") == "violated")
        points = sum(int(d.get("points") or 0) for d in result.get("deductions") or ())
        for dimension, key in keys.items():
            group = self.groups[dimension].setdefault(key, _Group())
            group.conversations += 1
            group.score_sum += score
            group.min_score = score if group.min_score is None else min(group.min_score, score)
            group.passed += bool(result.get("passed"))
            group.vetoes += bool(result.get("vetoed"))
            group.points += points
            group.rules.update(hits)
            if review is not None:
                self.reviewing = True
                group.review.update({name: int(value) for name, value in review.items()})

    def _shown(self, dimension: str) -> list[tuple[str, _Group]]:
        """A dimension's groups in order (periods by time, lexicon versions as first seen, the rest
        by name; NOT_GIVEN last); none when no conversation gave it."""
        groups = self.groups[dimension]
        if not groups or set(groups) == {NOT_GIVEN}:
            return []
        names = list(groups) if dimension == "lexicon" else sorted(groups)
        names.sort(key=lambda name: name == NOT_GIVEN)
        return [(name, groups[name]) for name in names]

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for dimension in DIMENSIONS:
            for name, g in self._shown(dimension):
                row: dict[str, Any] = {
                    "dimension": dimension, "group": name, "conversations": g.conversations,
                    "mean_score": f"{g.score_sum / g.conversations:.1f}", "min_score": g.min_score,
                    "pass_rate": ratio(g.passed, g.conversations), "vetoes": g.vetoes, "points_deducted": g.points,
                    "hits": sum(g.rules.values()), "hits_per_conversation": f"{sum(g.rules.values()) / g.conversations:.2f}",
                    "top_rules": "; ".join(f"{rule}×{n}" for rule, n in sorted(g.rules.items(), key=lambda kv: (-kv[1], kv[0]))[:3]),
                }
                if self.reviewing:
                    row.update(_review_columns(g))
                rows.append(row)
        return rows

    def columns(self) -> list[str]:
        return [*COLUMNS, *REVIEW_COLUMNS] if self.reviewing else COLUMNS

    def write(self, path: Path) -> None:
        """trends.csv, UTF-8 with a BOM like the other CSV reports."""
        with open_text(path, bom=True) as out:
            self.write_to(out, "\r\n")

    def write_to(self, out: TextIO, line_end: str = "\n") -> None:
        writer = csv.DictWriter(out, fieldnames=self.columns(), lineterminator=line_end)
        writer.writeheader()
        writer.writerows(self.rows())

    def view(self, pass_mark: int | None) -> dict[str, Any]:
        """What report.html shows: a table per dimension and, for the finest period with more than
        one group and at most CHART_MAX, the mean score per group as columns."""
        rows = self.rows()
        tables = [{"dimension": d, "rows": [r for r in rows if r["dimension"] == d]} for d in DIMENSIONS]
        chart = None
        for period in PERIODS:
            dated = [(name, g) for name, g in self._shown(period) if name != NOT_GIVEN]
            if 1 < len(dated) <= CHART_MAX:
                means = [(name, round(g.score_sum / g.conversations, 1)) for name, g in dated]
                floor = max(min(mean for _, mean in means) // 10 * 10 - 10, 0)  # a change of a few points stays visible
                chart = {"period": period, "floor": floor, "bars": [
                    (name, mean, "low" if pass_mark is not None and mean < pass_mark else "ok") for name, mean in means]}
                break
        return {"tables": [t for t in tables if t["rows"]], "chart": chart, "reviewing": self.reviewing}


def _review_columns(g: _Group) -> dict[str, Any]:
    r = g.review
    judged = r["confirmed"] + r["partly"] + r["false"]
    return {
        "reviewed": r["reviewed"], "reviewed_mean_score": f"{r['score'] / g.conversations:.1f}",
        "reviewed_pass_rate": ratio(r["passed"], g.conversations), "reviewed_vetoes": r["vetoed"],
        "confirmed": r["confirmed"], "partly": r["partly"], "false": r["false"], "missed": r["missed"],
        "precision": ratio(r["confirmed"] + r["partly"], judged),
    }


def ratio(part: int, whole: int) -> str:
    """A share with three decimals for the CSV reports; empty when there is nothing to divide."""
    return f"{part / whole:.3f}" if whole else ""
