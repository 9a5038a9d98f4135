"""Reviewed hits as a regression set: `phrasecheck review --export-tests FILE` writes each
confirmed hit and each missed violation as an example its rule must flag, each false hit as one
it must leave clean; `phrasecheck lexicon test --regression FILE` runs them, so a rule edit that
breaks a reviewed verdict fails CI with one line per broken verdict.

An example the rules as installed at export already get wrong (a false hit the rule still fires
on, a miss it still misses) is written `"known": true`: the test reports it, and says when a rule
fix makes it pass (export again to hold that fix), but it does not fail: CI fails on what a change
breaks, not on what reviewers have just found.

One JSON object a line (the file holds the reviewed turns' text, customer data: keep it where
the transcripts may be kept).  A phrase rule's example is the turn (`text`, `role`) and the
hit's span; a conversation rule's is the whole conversation (`turns`, `channel`).  Partly hits
are not exported: the rule saw a real problem, but not the right one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from ..conversation import Conversation, Turn
from ..errors import PhrasecheckError
from ..qa.checker import Checker
from ..readers.jsondoc import load_json
from ..textfile import decode_text
from .outcome import ConversationReview

SCHEMA = "phrasecheck/regression/1"
_EXPECT = {"confirmed": "flag", "false": "clean", "missed": "flag"}


def label(examples: list[dict[str, Any]], checker_for: Callable[[str], Checker | None]) -> list[dict[str, Any]]:
    """Each example marked `known` when the rules as installed now already get it wrong (left
    unmarked when its pack cannot be loaded)."""
    for example in examples:
        checker = checker_for(example.get("pack") or "core")
        if checker is not None:
            example["known"] = not run_example("", {**example, "known": False}, checker).passed
    return examples


def examples_of(review: ConversationReview) -> list[dict[str, Any]]:
    """The labelled examples of one reviewed conversation, by each hit's final status."""
    result = review.result
    lexicon = result.get("lexicon") or {}
    examples = []
    for mark in review.marks:
        if mark.status not in _EXPECT or mark.last is None:
            continue
        hit, turns = mark.hit, result.get("turns") or []
        example: dict[str, Any] = {
            "schema": SCHEMA, "rule": hit.rule, "expect": _EXPECT[mark.status], "known": False,
            "pack": lexicon.get("pack"), "lexicon": lexicon.get("version"), "conversation": result["id"],
            "turn": hit.turn, "start": hit.start, "end": hit.end, "matched": hit.matched, "verdict": mark.status,
            "by": mark.last.who(), "source": mark.last.where,
        }
        if hit.kind == "utterance" and hit.turn is not None:
            example.update(role=turns[hit.turn].get("role"), text=turns[hit.turn].get("text"))
        else:
            example.update(channel=result.get("channel"), turns=[
                {key: t.get(key) for key in ("role", "text", "begin_ms", "end_ms")} for t in turns])
        examples.append(example)
    return examples


def write_examples(path: Path, examples: Iterable[dict[str, Any]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for example in examples:
            out.write(json.dumps(example, ensure_ascii=False) + "\n")
            count += 1
    return count


@dataclass(frozen=True)
class Outcome:
    where: str  # file:line
    passed: bool
    line: str  # what to print (no customer text: the rule, conversation, turn and span)
    known: bool = False  # got wrong when exported: reported, never a failure


def read_examples(path: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """(file:line, example) for each good line, and one error line per bad one."""
    try:
        text = decode_text(path.read_bytes(), str(path), error=PhrasecheckError)
    except OSError as error:
        return [], [f"{path}: cannot read the regression file ({error.strerror})"]
    except PhrasecheckError as error:
        return [], [str(error)]
    examples, errors = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            example = load_json(line, str(path), number)
        except PhrasecheckError as error:
            errors.append(str(error))
            continue
        problem = _problem(example)
        if problem:
            errors.append(f"{where}: {problem}")
        else:
            examples.append((where, example))
    return examples, errors


def _problem(example: Any) -> str | None:
    if not isinstance(example, dict) or example.get("schema") != SCHEMA:
        return f'expected a JSON object with "schema": "{SCHEMA}" (a line `phrasecheck review --export-tests` wrote)'
    if example.get("expect") not in ("flag", "clean") or not isinstance(example.get("rule"), str):
        return 'expected "rule" and "expect": "flag" | "clean"'
    if not isinstance(example.get("text"), str) and not isinstance(example.get("turns"), list):
        return 'expected the turn ("text") or the conversation ("turns")'
    return None


def run_example(where: str, example: dict[str, Any], checker: Checker) -> Outcome:
    """Does the rule still do what the reviewer said it should, at the same place?"""
    rule, expect = example["rule"], example["expect"]
    place = f"conversation {example.get('conversation')!r} " + (
        "(whole conversation)" if example.get("turn") is None else f"turn {example['turn']}")
    if example.get("start") is not None:
        place += f" [{example['start']}:{example['end']}]"
    if rule not in {c.rule.id for c in (*checker.rules, *checker.conversation_rules)}:
        line = (f"{where}: rule {rule!r} is not in pack {checker.lexicon['pack']!r} (renamed or removed?): "
                f"{example.get('verdict')} by {example.get('by')}, {example.get('source')}")
        return Outcome(where, bool(example.get("known")), line, known=bool(example.get("known")))
    right = _fires(example, checker) == (expect == "flag")
    if example.get("known"):
        what = "now flags" if expect == "flag" else "now leaves clean"
        line = f"{where}: rule {rule!r} {what} {place}, as reviewers said: export again to hold it" if right else ""
        return Outcome(where, True, line, known=True)
    if right:
        return Outcome(where, True, "")
    what = "no longer flags" if expect == "flag" else "fires again on"
    return Outcome(where, False, f"{where}: rule {rule!r} {what} {place} ({example.get('verdict')} by "
                                 f"{example.get('by')}, {example.get('source')})")


def _fires(example: dict[str, Any], checker: Checker) -> bool:
    rule, start, end = example["rule"], example.get("start"), example.get("end")
    if isinstance(example.get("text"), str):
        result = checker.check(example["text"], role=example.get("role") or "agent")
        return any(v.rule == rule and (start is None or (v.start < end and start < v.end)) for v in result.violations)
    turns = [Turn(role=t["role"], text=t["text"], begin_ms=t.get("begin_ms"), end_ms=t.get("end_ms"))
             for t in example["turns"]]
    scored = checker.score_conversation(Conversation(id=str(example.get("conversation")), channel=example.get("channel"),
                                                     turns=turns))
    turn = example.get("turn")
    return any(f.rule == rule and f.status == "violated" and (turn is None or f.turn == turn) for f in scored.findings)


def run_regression(paths: list[Path], checker_for: Callable[[str], Checker]) -> tuple[list[Outcome], list[str]]:
    """Every example of the files against the checker of its pack; (outcomes, error lines)."""
    outcomes, errors = [], []
    for path in paths:
        examples, bad = read_examples(path)
        errors.extend(bad)
        for where, example in examples:
            try:
                checker = checker_for(example.get("pack") or "core")
            except PhrasecheckError as error:
                errors.append(f"{where}: {error}")
                continue
            outcomes.append(run_example(where, example, checker))
    return outcomes, errors


def packs_of(paths: list[Path]) -> list[str]:
    """The packs the regression examples were scored with, in order of first use."""
    names: dict[str, None] = {}
    for path in paths:
        for _, example in read_examples(path)[0]:
            names.setdefault(example.get("pack") or "core", None)
    return list(names)
