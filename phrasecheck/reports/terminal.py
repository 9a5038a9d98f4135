"""Stage 6: turn results into what people read — terminal explanations and tables, JSON, JSONL,
CSV and SARIF 2.1.0 for code-review tools."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import __version__
from ..output import json_text
from ..readers import Record
from ..engine.results import UtteranceResult

SEVERITY_STYLE = {"info": "cyan", "warning": "yellow", "error": "red", "critical": "bold white on red"}
DECISION_STYLE = {"pass": "green", "warn": "yellow", "block": "bold red"}
RULE_HELP_URI = "phrasecheck://lexicon/show/{rule}"  # `phrasecheck lexicon show RULE` documents the rule
CSV_COLUMNS = [
    "id", "source", "line", "role", "decision", "score", "rule", "category", "severity", "start", "end",
    "matched", "entry", "match_type", "confidence", "suggestion", "rewrite",
]


@dataclass(frozen=True, slots=True)
class Checked:
    """One utterance `scan` read and its result."""

    record: Record
    result: UtteranceResult


@dataclass
class Summary:
    utterances: int = 0
    scored: int = 0
    decisions: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)

    def add(self, result: UtteranceResult) -> None:
        self.utterances += 1
        self.scored += result.scored
        self.decisions[result.decision] += 1
        self.rules.update(v.rule for v in result.violations)

    def line(self) -> str:
        parts = [f"{self.utterances} utterances ({self.scored} scored)"]
        parts += [f"{self.decisions[d]} {d}" for d in ("block", "warn", "pass")]
        return ", ".join(parts)


def highlighted(result: UtteranceResult) -> Text:
    text = Text(result.text)
    for violation in result.violations:
        text.stylize(f"{SEVERITY_STYLE[violation.severity]} underline", violation.start, violation.end)
    return text


def explain(console: Console, result: UtteranceResult) -> None:
    """The `phrasecheck check` view: the text with spans marked, why, what to say, the rewrite."""
    decision = Text(result.decision.upper(), style=DECISION_STYLE[result.decision])
    if not result.scored:
        console.print(Text.assemble(decision, "  customer turn: not scored"))
        return
    console.print(Text.assemble(decision, f"  score {result.score}  ", highlighted(result)))
    for violation in result.violations:
        console.print(
            Text.assemble(
                ("  ● ", SEVERITY_STYLE[violation.severity]),
                (f"{violation.rule}", "bold"),
                f"  [{violation.severity}] {violation.category}  «{violation.matched}»  ",
                (f"词表「{violation.entry}」  " if violation.entry is not None else ""),
                (f"{violation.match_type} {violation.confidence:.2f}", "dim"),
            )
        )
        console.print(Text(f"    {violation.message}"))
        for line in violation.suggestions:
            console.print(Text.assemble("    应说：", (line, "green")))
        if violation.source:
            console.print(Text(f"    来源：{violation.source}", style="dim"))
    if result.rewrite:
        console.print(Text.assemble("  改写：", (result.rewrite, "bold green")))
    elif not result.violations:
        console.print(Text("  no banned phrase found", style="green"))
    if result.trace is not None:
        trace_table(console, result)


def trace_table(console: Console, result: UtteranceResult) -> None:
    """The explain trace, one candidate a line: rule, span, what matched, the stage that kept or
    dropped it, and why (plain lines, so a pipe or a log keeps them whole)."""
    if not result.trace:
        console.print(Text("  explain: the matcher found no candidate (no rule's anchor occurs in the text)", style="dim"))
        return
    rows = [(e.rule, f"{e.start}-{e.end}", e.matched, "kept" if e.kept else f"dropped: {e.stage}", e.reason, e.kept)
            for e in result.trace]
    widths = [max(_columns(row[i]) for row in rows) for i in range(4)]
    console.print(Text("  " + "  ".join(h.ljust(w) for h, w in zip(("rule", "span", "matched", "stage"), widths)) + "  why"),
                  soft_wrap=True)
    for *cells, reason, kept in rows:
        line = "  " + "  ".join(c + " " * (w - _columns(c)) for c, w in zip(cells, widths)) + "  " + reason
        console.print(Text(line, style="green" if kept else "dim"), soft_wrap=True)


def _columns(cell: str) -> int:
    """Terminal columns: a CJK character takes two."""
    return len(cell) + sum(1 for ch in cell if ord(ch) >= 0x2E80)


def table(console: Console, items: Sequence[Checked], summary: Summary | None) -> None:
    """The violations, one row each, then the summary (none with `--quiet`)."""
    grid = Table(show_lines=False, header_style="bold")
    for column in ("id", "decision", "score", "rule", "matched", "应说 / rewrite"):
        grid.add_column(column, overflow="fold")
    for item in items:
        record, result = item.record, item.result
        if not result.violations:
            continue
        for index, violation in enumerate(result.violations):
            first = index == 0
            grid.add_row(
                record.id if first else "",
                Text(result.decision, style=DECISION_STYLE[result.decision]) if first else "",
                str(result.score) if first else "",
                Text(violation.rule, style=SEVERITY_STYLE[violation.severity]),
                violation.matched + (f" 词表「{violation.entry}」" if violation.entry is not None else ""),
                violation.suggestions[0] if violation.suggestions else "",
            )
    if grid.row_count:
        console.print(grid)
    if summary is None:
        return
    console.print(summary.line())
    if summary.rules:
        console.print("top rules: " + ", ".join(f"{rule} ×{n}" for rule, n in summary.rules.most_common(5)))


def scan_rows(items: Iterable[Checked]) -> Iterator[dict]:
    """`scan`'s flat rows (CSV, Parquet): one per violation, one for a clean utterance; None where empty."""
    for item in items:
        record, result = item.record, item.result
        base = {"id": record.id, "source": record.source, "line": record.line, "role": result.role,
                "decision": result.decision, "score": result.score, "rewrite": result.rewrite}
        if not result.violations:
            yield base
        for violation in result.violations:
            yield base | {
                "rule": violation.rule, "category": violation.category, "severity": violation.severity,
                "start": violation.start, "end": violation.end, "matched": violation.matched,
                "entry": violation.entry, "match_type": violation.match_type, "confidence": violation.confidence,
                "suggestion": violation.suggestions[0] if violation.suggestions else None,
            }


def write_csv(out: IO[str], items: Iterable[Checked]) -> None:
    """One row per violation (one for a clean utterance), with a UTF-8 BOM so Excel shows the Chinese."""
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(scan_rows(items))


_SARIF_LEVEL = {"info": "note", "warning": "warning", "error": "error", "critical": "error"}


def sarif(items: Iterable[Checked], rules: Sequence) -> dict:
    """SARIF 2.1.0: one run, one result per violation, located by file, line and (where the text
    stands in its line as it is) columns and character offsets, counted in code points."""
    descriptors = [_descriptor(compiled) for compiled in rules]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for item in items:
        record, result = item.record, item.result
        for violation in result.violations:
            results.append(
                {
                    "ruleId": violation.rule,
                    "ruleIndex": index.get(violation.rule, -1),
                    "level": _SARIF_LEVEL[violation.severity],
                    "message": {"text": _sarif_message(violation)},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": record.source},
                                **_regions(record, violation.start, violation.end, violation.matched, result.text),
                            },
                            "logicalLocations": [{"name": record.id, "kind": "utterance"}],
                        }
                    ],
                    "properties": {"id": record.id, "start": violation.start, "end": violation.end,
                                   "match_type": violation.match_type, "confidence": violation.confidence,
                                   "entry": violation.entry},
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "phrasecheck", "version": __version__, "rules": descriptors}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _sarif_message(violation) -> str:
    entry = f"（词表「{violation.entry}」）" if violation.entry is not None else ""
    say = f" 应说：{violation.suggestions[0]}" if violation.suggestions else ""
    return f"«{violation.matched}»{entry} {violation.message}{say}"


def _descriptor(compiled) -> dict:
    """A rule's SARIF metadata: what it flags, why, where it is documented, what to say instead."""
    rule = compiled.rule
    say = " / ".join(rule.suggest) or "（词表未给出）"
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": f"{rule.category}: {rule.scenario}"},
        "fullDescription": {"text": rule.why},
        "helpUri": RULE_HELP_URI.format(rule=rule.id),
        "help": {"text": f"应说：{say}（phrasecheck lexicon show {rule.id}）",
                 "markdown": f"**应说**：{say}\n\n`phrasecheck lexicon show {rule.id}` documents the rule."},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"category": rule.category, "severity": rule.severity, "pack": compiled.pack,
                       "source": rule.origin},
    }


def _regions(record: Record, start: int, end: int, matched: str, text: str) -> dict:
    """The violation's region (with columns when known) and the utterance around it."""
    line = record.line
    span = record.position.span(start, end) if record.position is not None else None
    if line is None:
        return {}
    if span is None:
        return {"region": {"startLine": line, "snippet": {"text": text}}}
    return {
        "region": {"startLine": line, "startColumn": span.start_column, "endLine": line, "endColumn": span.end_column,
                   "charOffset": span.offset, "charLength": span.length, "snippet": {"text": matched}},
        "contextRegion": {"startLine": line, "startColumn": span.start_column - start,
                          "endColumn": span.start_column - start + len(text), "snippet": {"text": text}},
    }


def dump_json(out: IO[str], data) -> None:
    out.write(json_text(data, indent=2))
    out.write("\n")
