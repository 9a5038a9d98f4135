"""Typed results and their wire form (`phrasecheck/1`), shared by the CLI, JSONL and REST."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "phrasecheck/1"


@dataclass(slots=True, unsafe_hash=True)  # not frozen (as UtteranceResult), still hashable by its fields
class Violation:
    rule: str
    category: str
    severity: str
    start: int  # character offsets (Python str indices) into the original text
    end: int
    matched: str
    match_type: str
    confidence: float
    message: str
    suggestions: tuple[str, ...]
    scenario: str = ""
    source: str = ""
    entry: str | None = None  # the house-list entry that matched, as the list writes it


    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
            "entry": self.entry,
            "match_type": self.match_type,
            "confidence": self.confidence,
            "message": self.message,
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One candidate of the explain trace: where the matcher found it and which stage kept or
    dropped it, and why."""

    rule: str
    start: int  # original offsets, like a violation's
    end: int
    matched: str
    stage: str  # verify | model | role | coverage | unless | quotation | frame | word_edge | overlap | kept
    kept: bool
    reason: str
    match_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "start": self.start, "end": self.end, "matched": self.matched,
                "match_type": self.match_type, "stage": self.stage, "kept": self.kept, "reason": self.reason}


@dataclass(slots=True)  # not frozen: built for every check, and frozen init costs a setattr per field
class UtteranceResult:
    id: str | None
    role: str
    text: str
    scored: bool
    score: int | None
    decision: str  # pass | warn | block
    violations: tuple[Violation, ...]
    rewrite: str | None
    lexicon: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)
    trace: tuple[TraceEntry, ...] | None = None  # only when asked for (`explain=True`)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schema": SCHEMA, "id": self.id, "role": self.role, "scored": self.scored}
        if self.scored:
            data["score"] = self.score
        data["decision"] = self.decision
        data["violations"] = [v.to_dict() for v in self.violations]
        data["rewrite"] = self.rewrite
        data["lexicon"] = dict(self.lexicon)
        if self.meta:
            data["meta"] = dict(self.meta)
        if self.trace is not None:
            data["explain"] = [entry.to_dict() for entry in self.trace]
        return data
