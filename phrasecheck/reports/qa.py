"""What QA reviewers read after `phrasecheck score`: agents.csv, rules.csv, trends.csv and one
self-contained report.html (summary, charts, sortable per-agent table, trends, the worst
conversations with highlighted evidence, each hit ready to be marked ✓ ✗ ◐ and exported as a
verdicts file for `phrasecheck review`).

The scorer streams tens of thousands of conversations through `QAReport.add`, so the report keeps
aggregates and a bounded sample, never the conversations themselves.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from .. import __version__
from ..output import open_text
from .charts import horizontal_bars, vertical_bars
from .trends import Trends

GRADES = ("优秀", "优良", "良好", "合格", "不合格")  # seed 003 bands, best first (CSV/chart column order)
UNKNOWN_AGENT = "(unknown)"
ROLE_LABELS = {"agent": "坐席", "customer": "客户", "bot": "机器人", "system": "系统"}
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}
SEVERITY_LABELS = {"info": "提示", "warning": "警告", "error": "错误", "critical": "严重"}
BINS = 10  # score histogram: 0–9, 10–19, …, 90–100
TOP_RULES_CHART = 10
ERROR_LIMIT = 1000  # bad files listed by name; beyond this only counted

AGENT_COLUMNS = ["agent_id", "agent_name", "conversations", "mean_score", "min_score", "vetoes", "passed", "failed"]
AGENT_TAIL = ["points_deducted", "top_rules"]
REPORT_FILES = ("agents.csv", "rules.csv", "trends.csv", "report.html")  # what `write` makes, by kind below
RULE_COLUMNS = ["rule", "kind", "category", "severity", "hits", "conversations", "agents", "points_deducted", "skipped"]


@dataclass
class _AgentStats:
    name: str | None = None
    conversations: int = 0
    score_sum: int = 0
    min_score: int | None = None
    vetoes: int = 0
    passed: int = 0
    points: int = 0
    grades: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)

    @property
    def mean(self) -> float:
        return self.score_sum / self.conversations if self.conversations else 0.0


@dataclass
class _RuleStats:
    kind: str = ""
    category: str = ""
    severity: str = ""
    hits: int = 0
    conversations: int = 0
    agents: set[str] = field(default_factory=set)
    points: int = 0
    skipped: int = 0


class QAReport:
    """Accumulates scored conversations (wire dicts, `kind: conversation`) into QA reports.

    Memory is bounded whatever the number of conversations: per-agent and per-rule aggregates grow
    with the number of agents and rules (plus, per agent, a counter of the rules it hit and, per
    rule, the set of agent ids that hit it: at most agents × rules, both fixed by the staff and the
    pack); the score histogram and grade tally are counts; the conversations shown in full are a
    heap of at most `detail_limit` (the lowest scores, vetoed ones first); bad files beyond
    `ERROR_LIMIT` are counted, not listed.  Retention is decided while streaming, which is why
    `detail_limit` is given here and `write` can only show fewer.  Kept results are held by
    reference: the caller must not mutate a dict after `add`.

    A rule's hits count every utterance violation and violated conversation finding, charged or
    not (a template cap or an unpriced info note still shows up); points come from the deductions.
    """

    def __init__(self, detail_limit: int = 300, rules: Sequence[dict[str, str]] = ()):
        self.detail_limit = max(detail_limit, 0)
        self.rule_catalog = list(rules)  # {rule, title} of the pack: what a reviewer may add as missed
        self.trends = Trends()
        self.report_id = uuid.uuid4().hex  # keys the marks a reviewer's browser keeps for this page
        self.conversations = 0
        self.score_sum = 0
        self.passed = 0
        self.vetoes = 0
        self.histogram = [0] * BINS
        self.grades: Counter = Counter()
        self.agents: dict[str, _AgentStats] = {}
        self.rules: dict[str, _RuleStats] = {}
        self.errors: list[tuple[str, str]] = []
        self.error_count = 0
        self.templates: dict[str, dict[str, Any]] = {}  # template id → {id, title, pass_mark}
        self.lexicons: dict[tuple[str, str], None] = {}  # (pack, version), in order seen
        self._detail: list[tuple[tuple[int, int, int], dict[str, Any]]] = []  # top: the kept one least worth showing
        self._arrival = itertools.count()

    # -- accumulating ------------------------------------------------------------------------------

    def add(self, result: dict[str, Any], review: dict[str, Any] | None = None) -> None:
        """Count one scored conversation; keep it for the detail section if it is among the worst.
        `review`: its reviewed numbers, for the trends (see `Trends.add`)."""
        score = int(result["score"])
        vetoed = bool(result.get("vetoed"))
        agent_key = result.get("agent_id") or UNKNOWN_AGENT
        self.conversations += 1
        self.score_sum += score
        self.passed += bool(result.get("passed"))
        self.vetoes += vetoed
        self.histogram[min(max(score, 0) // 10, BINS - 1)] += 1
        self.grades[result["grade"]] += 1
        template = result.get("template") or {}
        if template.get("id") is not None:
            self.templates.setdefault(template["id"], template)
        lexicon = result.get("lexicon") or {}
        if lexicon:
            self.lexicons.setdefault((lexicon.get("pack", ""), lexicon.get("version", "")), None)

        agent = self.agents.setdefault(agent_key, _AgentStats())
        agent.name = agent.name or result.get("agent_name")
        agent.conversations += 1
        agent.score_sum += score
        agent.min_score = score if agent.min_score is None else min(agent.min_score, score)
        agent.vetoes += vetoed
        agent.passed += bool(result.get("passed"))
        agent.grades[result["grade"]] += 1

        hits: Counter = Counter()
        for turn in result.get("turns") or ():
            for v in turn.get("violations") or ():
                hits[v["rule"]] += 1
                self._rule(v["rule"], "utterance", v.get("category"), v.get("severity"))
        for f in result.get("findings") or ():
            if f.get("status") == "violated":
                hits[f["rule"]] += 1
                self._rule(f["rule"], f.get("kind"), None, f.get("severity"))
            else:
                self._rule(f["rule"], f.get("kind"), None, f.get("severity")).skipped += 1
        for d in result.get("deductions") or ():
            points = int(d.get("points") or 0)
            agent.points += points
            self._rule(d["rule"], None, d.get("category"), d.get("severity")).points += points
        for rule, n in hits.items():
            stats = self.rules[rule]
            stats.hits += n
            stats.conversations += 1
            stats.agents.add(agent_key)
        agent.rules.update(hits)
        self.trends.add(result, review)

        if self.detail_limit:
            entry = ((*self._priority(result), -next(self._arrival)), result)
            if len(self._detail) < self.detail_limit:
                heapq.heappush(self._detail, entry)
            elif entry[0] > self._detail[0][0]:
                heapq.heapreplace(self._detail, entry)

    def _priority(self, result: dict[str, Any]) -> tuple[int, ...]:
        """Least worth showing first: not vetoed, then the highest score (the latest to arrive breaks ties)."""
        return -int(not result.get("vetoed")), -int(result["score"])

    def add_error(self, source: str, message: str) -> None:
        """A file (or conversation) that could not be scored, listed in the report with the reason."""
        self.error_count += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append((source, message))

    def _rule(self, rule: str, kind: str | None, category: str | None, severity: str | None) -> _RuleStats:
        stats = self.rules.setdefault(rule, _RuleStats())
        stats.kind = stats.kind or kind or ""
        stats.category = stats.category or category or ""
        stats.severity = stats.severity or severity or ""
        return stats

    # -- summaries ---------------------------------------------------------------------------------

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.conversations if self.conversations else None

    def summary_line(self) -> str:
        if not self.conversations:
            return f"0 conversations scored, {self.error_count} file(s) with errors"
        return (
            f"{self.conversations} conversations, {len(self.agents)} agents, mean {self.mean_score:.1f}, "
            f"{self.passed / self.conversations:.0%} passed, {self.vetoes} vetoed, {self.error_count} file(s) with errors"
        )

    def _grade_names(self) -> list[str]:
        """The seed-003 bands in order, then any other band a custom template used."""
        return [*GRADES, *(g for g in self.grades if g not in GRADES)]

    def _agent_rows(self) -> list[dict[str, Any]]:
        rows = []
        for key in sorted(self.agents, key=lambda k: (k == UNKNOWN_AGENT, k)):
            a = self.agents[key]
            row: dict[str, Any] = {
                "agent_id": key, "agent_name": a.name or "", "conversations": a.conversations,
                "mean_score": f"{a.mean:.1f}", "min_score": a.min_score, "vetoes": a.vetoes,
                "passed": a.passed, "failed": a.conversations - a.passed,
            }
            row.update({g: a.grades[g] for g in self._grade_names()})
            row["points_deducted"] = a.points
            row["top_rules"] = "; ".join(f"{rule}×{n}" for rule, n in _most_common(a.rules, 3))
            rows.append(row)
        return rows

    def _rule_rows(self) -> list[dict[str, Any]]:
        order = sorted(self.rules.items(), key=lambda kv: (-kv[1].hits, -kv[1].points, kv[0]))
        return [
            {"rule": rule, "kind": r.kind, "category": r.category, "severity": r.severity, "hits": r.hits,
             "conversations": r.conversations, "agents": len(r.agents), "points_deducted": r.points, "skipped": r.skipped}
            for rule, r in order
        ]

    # -- writing -----------------------------------------------------------------------------------

    def write(self, out_dir: Path, *, detail_limit: int | None = None) -> dict[str, Path]:
        """Write agents.csv, rules.csv and report.html into `out_dir`; return their paths by kind.

        The CSV files are UTF-8 with a BOM: Excel reads BOM-less CSV as the local code page and
        garbles the Chinese.  A lone surrogate in an id or name is written as U+FFFD.  `detail_limit` can only lower the number kept at construction.
        """
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {kind: out_dir / name for kind, name in zip(("agents", "rules", "trends", "html"), REPORT_FILES)}
        _write_csv(paths["agents"], self._agent_columns(), self._agent_rows())
        _write_csv(paths["rules"], self._rule_columns(), self._rule_rows())
        self.trends.write(paths["trends"])
        with open_text(paths["html"]) as html:
            html.write(self.render_html(detail_limit))
        return paths

    def _agent_columns(self) -> list[str]:
        return [*AGENT_COLUMNS, *self._grade_names(), *AGENT_TAIL]

    def _rule_columns(self) -> list[str]:
        return RULE_COLUMNS

    def _review_context(self, details: list[dict[str, Any]]) -> dict[str, Any]:
        """What a reviewed report adds to the page: nothing here."""
        return {"review": None, "marks": []}

    def render_html(self, detail_limit: int | None = None) -> str:
        """report.html as a string: one file, CSS and JS inline, charts as inline SVG."""
        limit = self.detail_limit if detail_limit is None else min(max(detail_limit, 0), self.detail_limit)
        kept = sorted(self._detail, key=lambda e: e[0], reverse=True)[:limit]
        details = [_conversation_view(n, result) for n, (_, result) in enumerate(kept)]
        rule_rows = self._rule_rows()
        grade_names = self._grade_names()
        templates = list(self.templates.values())
        pass_mark = templates[0].get("pass_mark") if len(templates) == 1 else None
        review = self._review_context(details)
        trends = self.trends.view(pass_mark)
        return _environment().get_template("report.html.j2").render(
            version=__version__,
            generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
            templates=templates,
            pass_mark=pass_mark,
            lexicons=list(self.lexicons),
            totals={
                "conversations": self.conversations, "agents": len(self.agents), "mean": self.mean_score,
                "pass_rate": self.passed / self.conversations if self.conversations else None,
                "passed": self.passed, "vetoes": self.vetoes, "errors": self.error_count,
            },
            score_chart=vertical_bars(
                [(f"{10 * i}–{10 * i + 9 if i < BINS - 1 else 100}", n, "low" if i < 7 else "ok") for i, n in enumerate(self.histogram)],
                "分数区间",
            ),
            grade_chart=vertical_bars([(g, self.grades[g], f"g{min(i, 4)}") for i, g in enumerate(grade_names)], "等级"),
            rules_chart=horizontal_bars([r for r in rule_rows if r["hits"]][:TOP_RULES_CHART]),
            grade_names=grade_names,
            agent_rows=self._agent_rows(),
            errors=self.errors,
            details=details,
            severity_labels=SEVERITY_LABELS,
            trends=trends,
            trend_chart=vertical_bars(trends["chart"]["bars"], trends["chart"]["period"], trends["chart"]["floor"])
            if trends["chart"] else None,
            review=review["review"],
            page={"report": self.report_id, "rules": self.rule_catalog, "marks": review["marks"]},
            css=Markup(_asset("report.css")),
            js=Markup(_asset("report.js") + _asset("marking.js")),
        )


def _most_common(counter: Counter, n: int) -> list[tuple[str, int]]:
    """Counter.most_common with ties broken by rule id, so reports do not depend on arrival order."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with open_text(path, bom=True) as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


# -- the HTML view model -----------------------------------------------------------------------------

_ENV: Environment | None = None


def _environment() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("phrasecheck.reports", "templates"), autoescape=True,
                           trim_blocks=True, lstrip_blocks=True)
        _ENV.filters["clock"] = clock
    return _ENV


def _asset(name: str) -> str:
    loader = _environment().loader
    assert loader is not None
    return loader.get_source(_environment(), name)[0]


def clock(ms: int | None) -> str:
    """Milliseconds into the call as m:ss (minutes keep counting past the hour); '' when unknown."""
    if ms is None:
        return ""
    seconds = int(ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def _conversation_view(n: int, result: dict[str, Any]) -> dict[str, Any]:
    """One conversation as the detail section shows it: turns cut into plain and highlighted segments."""
    anchor = f"c{n}"
    findings = result.get("findings") or []
    turns = []
    for turn in result.get("turns") or []:
        index = turn.get("index", len(turns))
        text = turn.get("text") or ""
        notes = [
            {"source": "utterance", "rule": v["rule"], "severity": v.get("severity") or "info",
             "matched": v.get("matched"), "message": v.get("message") or "",
             "suggestions": v.get("suggestions") or [], "start": v.get("start"), "end": v.get("end")}
            for v in turn.get("violations") or []
        ]
        notes += [
            {"source": "conversation", "rule": f["rule"], "severity": f.get("severity") or "info",
             "matched": f.get("matched"), "message": f.get("message") or "",
             "suggestions": f.get("suggestions") or [], "start": f.get("start"), "end": f.get("end")}
            for f in findings if f.get("status") == "violated" and f.get("turn") == index
        ]
        turns.append({
            "index": index, "anchor": f"{anchor}-t{index}", "role": turn.get("role") or "",
            "role_label": ROLE_LABELS.get(turn.get("role") or "", turn.get("role") or ""),
            "speaker": turn.get("speaker"), "time": clock(turn.get("begin_ms")),
            "scored": turn.get("scored", False), "score": turn.get("score"), "decision": turn.get("decision"),
            "segments": highlight_segments(text, notes), "notes": notes, "rewrite": turn.get("rewrite"),
        })
    stats = result.get("stats") or {}
    return {
        "anchor": anchor, "id": result.get("id"), "source": result.get("source"), "channel": result.get("channel"),
        "agent_id": result.get("agent_id"), "agent_name": result.get("agent_name"),
        "score": result.get("score"), "grade": result.get("grade"), "passed": result.get("passed"),
        "vetoed": result.get("vetoed"), "dimensions": result.get("dimensions") or [],
        "deductions": result.get("deductions") or [], "findings": findings, "turns": turns,
        "duration": clock(stats.get("duration_ms")),
    }


def highlight_segments(text: str, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cut `text` at every violation boundary: [{"text", "severity" (None: plain), "title"}].

    Overlapping spans are split so each piece is marked once, with the worst severity covering it;
    spans outside the text (a scorer bug) are ignored rather than mis-highlighting.
    """
    spans = [
        (note["start"], note["end"], note) for note in notes
        if isinstance(note.get("start"), int) and isinstance(note.get("end"), int) and 0 <= note["start"] < note["end"] <= len(text)
    ]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    segments: list[dict[str, Any]] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [note for s, e, note in spans if s <= a and b <= e]
        if not covering:
            segments.append({"text": text[a:b], "severity": None, "title": ""})
            continue
        worst = max(covering, key=lambda note: SEVERITY_RANK.get(note["severity"], 0))
        title = "；".join(f"{note['rule']}：{note['message']}" for note in covering)
        segments.append({"text": text[a:b], "severity": worst["severity"], "title": title})
    return segments
