"""`phrasecheck review`: verdict files applied to a scored run.

The run folder stays as `score` wrote it (its conversations.jsonl is the machine stage); the
review is written to `RUN_DIR/review/` (or `--out`), all of it again on every review:

    agents.csv, rules.csv, trends.csv, report.html   the score reports with the review beside them
    scores.csv        every conversation: machine and reviewed score side by side, each change explained
    changes.csv       one row per deduction a verdict or appeal added, removed or re-priced, and why
    stages/N-NAME.csv the reviewed conversations at each stage: 0-machine, 1-review, 2-appeal-1, …
    verdicts.csv      every verdict row read, with what became of it (applied, duplicate, superseded,
                      stale, open, after-final); stale.csv the ones that no longer match the run
    conversations.jsonl  each reviewed conversation: its marks and every stage's deductions

The conversations are streamed: memory holds the verdicts and the reviewed conversations' records.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import PhrasecheckError
from ..qa.catalog import RuleInfo, rule_catalog
from ..qa.checker import Checker
from ..qa.template import Template, load_template
from ..readers.jsondoc import load_json
from .outcome import Applied, ConversationReview, review_conversation
from .report import ReviewedReport
from .verdicts import COLUMNS, Verdict, read_verdicts, write_rows

STAGE_COLUMNS = ["conversation", "agent_id", "agent_name", "stage", "score", "grade", "passed", "vetoed",
                 "points_deducted", "deductions", "changes"]
SCORE_COLUMNS = ["conversation", "agent_id", "agent_name", "machine_score", "machine_grade", "machine_passed",
                 "reviewed_score", "reviewed_grade", "reviewed_passed", "change", "stages", "explanation"]
CHANGE_COLUMNS = ["conversation", "stage", "turn", "rule", "start", "end", "item", "points_before", "points_after",
                  "veto", "reason"]
OUTCOME_COLUMNS = ["source", "outcome", "detail", "stage", *COLUMNS]


class ReviewError(PhrasecheckError):
    """The run itself cannot be reviewed (no conversations.jsonl, no template): nothing is written."""


@dataclass
class Rules:
    """Rule facts for a run's pack, loaded once per pack: a missed or re-named hit is priced as its rule."""

    pack_override: str | None = None
    checkers: dict[str, Checker | None] = field(default_factory=dict)
    catalogs: dict[str, dict[str, RuleInfo]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    def checker(self, pack: str) -> Checker | None:
        """The checker of the run's pack (or --pack); None, with the reason kept, when it cannot load."""
        name = self.pack_override or pack
        if name not in self.checkers:
            try:
                self.checkers[name] = Checker.load(name, verify_examples=False)
            except PhrasecheckError as error:
                self.checkers[name], self.problems[name] = None, str(error)
        return self.checkers[name]

    def catalog(self, pack: str) -> dict[str, RuleInfo]:
        name = self.pack_override or pack
        if name not in self.catalogs:
            checker = self.checker(pack)
            self.catalogs[name] = rule_catalog(checker) if checker is not None else {}
        return self.catalogs[name]


@dataclass
class Summary:
    """What a review did, for the command's output and exit code."""

    conversations: int = 0
    reviewed: int = 0
    machine_sum: int = 0
    reviewed_sum: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)  # bad files and rows, unknown conversations
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    rules: Rules = field(default_factory=Rules)
    shown: list[str] = field(default_factory=list)  # each reviewed conversation: its scores and changes

    def line(self) -> str:
        n = self.conversations or 1
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.outcomes.items()))
        return (f"{self.conversations} conversations, {self.reviewed} reviewed: mean {self.machine_sum / n:.1f} machine, "
                f"{self.reviewed_sum / n:.1f} reviewed; verdicts: {counts or 'none'}; {len(self.errors)} error(s)")

    def reviews_shown(self) -> list[str]:
        return self.shown


def review_run(run_dir: Path, verdict_paths: list[Path], *, out: Path | None = None, template: str | None = None,
               pack: str | None = None, html_detail: int = 300,
               keep: Callable[[ConversationReview], None] | None = None) -> Summary:
    """Apply the verdict files to the run in `run_dir` and write the review; `keep` sees each
    reviewed conversation (the regression export)."""
    source = run_dir / "conversations.jsonl"
    if not source.is_file():
        raise ReviewError(f"{run_dir}: no conversations.jsonl (expected a folder `phrasecheck score --out` wrote)")
    summary = Summary()
    verdicts: dict[str, list[Verdict]] = defaultdict(list)
    for index, path in enumerate(verdict_paths):
        good, bad = read_verdicts(path, index)
        summary.errors.extend(bad)
        for verdict in good:
            verdicts[verdict.conversation].append(verdict)
    rules = summary.rules = Rules(pack)
    templates: dict[str, Template] = {}
    out = out or run_dir / "review"
    if out.resolve() == run_dir.resolve():
        raise ReviewError(f"{out}: the review cannot be written over the run it reviews (give another --out)")
    (out / "stages").mkdir(parents=True, exist_ok=True)
    report: ReviewedReport | None = None
    scores, changes, outcomes, stage_rows, records = [], [], [], defaultdict(list), []
    seen: set[str] = set()
    with open(source, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                result = load_json(line, str(source), number)
            except PhrasecheckError as error:
                summary.errors.append(str(error))
                continue
            catalog = rules.catalog((result.get("lexicon") or {}).get("pack") or "core")
            if report is None:
                report = ReviewedReport(html_detail, [{"rule": r.rule, "title": r.title} for r in catalog.values()], catalog)
            review = None
            if result["id"] in verdicts:
                seen.add(result["id"])
                scheme = _template(result, template, templates)
                titles = {rule: info.title for rule, info in catalog.items() if info.kind != "utterance"}
                review = review_conversation(result, verdicts[result["id"]], scheme, catalog.get, titles)
                _collect(review, summary, changes, outcomes, stage_rows, records)
                if keep is not None:
                    keep(review)
            report.add_reviewed(result, review)
            scores.append(_score_row(result, review))
            summary.conversations += 1
            summary.machine_sum += int(result["score"])
            summary.reviewed_sum += review.final.score if review else int(result["score"])
    for conversation in sorted(set(verdicts) - seen):
        for verdict in verdicts[conversation]:
            summary.errors.append(f"{verdict.where}: unknown conversation {conversation!r} (not in {source})")
    for name, problem in rules.problems.items():
        summary.notes.append(f"pack {name!r} could not be loaded ({problem}): missed and corrected rules cannot be priced")
    if report is None:
        report = ReviewedReport(html_detail)
    summary.written = _write(out, report, scores, changes, outcomes, stage_rows, records)
    return summary


def _template(result: dict[str, Any], given: str | None, loaded: dict[str, Template]) -> Template:
    name = given or (result.get("template") or {}).get("id") or "seed-003"
    if name not in loaded:
        try:
            loaded[name] = load_template(name)
        except PhrasecheckError as error:
            raise ReviewError(f"{error}; the run was scored with template {name!r}: give it with --template FILE") from None
    return loaded[name]


def _collect(review: ConversationReview, summary: Summary, changes: list, outcomes: list, stage_rows: dict,
             records: list) -> None:
    result = review.result
    summary.reviewed += 1
    final = review.final
    summary.shown.append(f"{result['id']}  " + " → ".join(f"{s.name} {s.score}" for s in review.stages)
                         + f"  (reviewed {final.score} {final.grade}, {final.score - result['score']:+d})")
    summary.shown.extend(f"  {change.stage}: {change.text()}" for change in review.changes())
    summary.notes.extend(f"conversation {result['id']!r}: {note}" for note in review.notes)
    for entry in review.applied:
        summary.outcomes[entry.outcome] += 1
        if entry.outcome == "stale":
            summary.stale.append(f"{entry.verdict.where}: conversation {result['id']!r}: {entry.detail}")
        outcomes.append(_outcome_row(entry))
    for change in review.changes():
        changes.append({"conversation": result["id"], "stage": change.stage, "turn": change.turn, "rule": change.rule,
                        "start": change.start, "end": change.end, "item": change.item, "points_before": change.before,
                        "points_after": change.after, "veto": change.veto, "reason": change.reason})
    for stage in review.stages:
        stage_rows[stage.name].append((result, stage))
    records.append(_record(review))


def _score_row(result: dict[str, Any], review: ConversationReview | None) -> dict[str, Any]:
    final = review.final if review else None
    row = {"conversation": result["id"], "agent_id": result.get("agent_id") or "", "agent_name": result.get("agent_name") or "",
           "machine_score": result["score"], "machine_grade": result["grade"], "machine_passed": result.get("passed"),
           "reviewed_score": final.score if final else result["score"], "reviewed_grade": final.grade if final else result["grade"],
           "reviewed_passed": final.passed if final else result.get("passed")}
    row["change"] = row["reviewed_score"] - row["machine_score"]
    row["stages"] = " → ".join(f"{s.name} {s.score}" for s in review.stages) if review else ""
    row["explanation"] = "; ".join([f"{c.stage}: {c.text()}" for c in review.changes()] + review.notes) if review else ""
    return row


def _outcome_row(entry: Applied) -> dict[str, Any]:
    return {"source": entry.verdict.where, "outcome": entry.outcome, "detail": entry.detail, "stage": entry.stage,
            **entry.verdict.raw}


def _record(review: ConversationReview) -> dict[str, Any]:
    return {
        "id": review.result["id"], "agent_id": review.result.get("agent_id"),
        "marks": [{"rule": m.hit.rule, "turn": m.hit.turn, "start": m.hit.start, "end": m.hit.end, "matched": m.hit.matched,
                   "machine": m.machine, "status": m.status, "corrected_rule": m.corrected.rule if m.corrected else None,
                   "verdict": m.review.where if m.review else None} for m in review.marks],
        "stages": [{"stage": s.name, "score": s.score, "grade": s.grade, "passed": s.passed, "vetoed": s.vetoed,
                    "deductions": [d.to_dict() for d in s.deductions], "changes": [c.text() for c in s.changes]}
                   for s in review.stages],
        "notes": review.notes,
    }


def stage_order(name: str) -> int:
    return 0 if name == "machine" else 1 if name == "review" else 1 + int(name.split("-")[1])


def _write(out: Path, report: ReviewedReport, scores: list, changes: list, outcomes: list, stage_rows: dict,
           records: list) -> list[Path]:
    written = list(report.write(out).values())
    for old in (out / "stages").glob("*-*.csv"):
        old.unlink()  # a previous review's stages; this one writes its own
    names = sorted(stage_rows, key=stage_order)
    for order, name in enumerate(names):
        rows = []
        for result, stage in _at_stage(stage_rows, names[: order + 1]):
            rows.append({"conversation": result["id"], "agent_id": result.get("agent_id") or "",
                         "agent_name": result.get("agent_name") or "", "stage": stage.name, "score": stage.score,
                         "grade": stage.grade, "passed": stage.passed, "vetoed": stage.vetoed,
                         "points_deducted": sum(d.points for d in stage.deductions),
                         "deductions": "; ".join(_deduction(d) for d in stage.deductions),
                         "changes": "; ".join(c.text() for c in stage.changes)})
        path = out / "stages" / f"{stage_order(name)}-{name}.csv"
        write_rows(path, rows, STAGE_COLUMNS)
        written.append(path)
    for name, rows, columns in (("scores.csv", scores, SCORE_COLUMNS), ("changes.csv", changes, CHANGE_COLUMNS),
                                ("verdicts.csv", outcomes, OUTCOME_COLUMNS),
                                ("stale.csv", [r for r in outcomes if r["outcome"] == "stale"], OUTCOME_COLUMNS)):
        write_rows(out / name, rows, columns)
        written.append(out / name)
    with open(out / "conversations.jsonl", "w", encoding="utf-8") as jsonl:
        for record in records:
            jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
    written.append(out / "conversations.jsonl")
    return written


def _deduction(d: Any) -> str:
    place = "whole conversation" if d.evidence.turn is None else f"turn {d.evidence.turn}"
    return f"{d.item} {'veto' if d.veto else f'−{d.points}'} {d.evidence.rule} ({place})"


def _at_stage(stage_rows: dict, names: list[str]) -> list[tuple[dict[str, Any], Any]]:
    """Each reviewed conversation as it stands after the given stages: its latest stage among them."""
    latest: dict[str, tuple[dict[str, Any], Any]] = {}
    for name in names:
        for result, stage in stage_rows[name]:
            latest[result["id"]] = (result, stage)
    return list(latest.values())
