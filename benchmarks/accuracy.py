"""Accuracy on the labelled devset and false flags on the real STC-3 helpdesk corpus.

    python benchmarks/accuracy.py [--pack bank-counter] [--devset PATH…] [--corpus PATH] [--show] [--no-corpus]

`--devset benchmarks/heldout/*.jsonl --no-corpus` scores the blind sets kept in the repository
(benchmarks/heldout/README.md says which were read and which never were).

A devset line counts as flagged when its decision is not `pass`.  Prints precision/recall for
`expect: flag`, recall per variant kind, false positives per clean kind, how often the seed's
standard line is among the suggestions of a true flag, and every flagged STC-3 agent utterance.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

from phrasecheck import Checker

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEVSET = SHARED / "eval" / "devset.jsonl"
CORPUS = SHARED / "corpora" / "stc3_weibo_helpdesk_zh" / "utterances.jsonl"


def devset_report(checker: Checker, path: Path, show: bool) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    tp = fp = fn = tn = standard_hits = 0
    per_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    per_category: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    mistakes = []
    for row in rows:
        result = checker.check(row["text"], role=row["role"])
        flagged = result.decision != "pass"
        expected = row["expect"] == "flag"
        per_kind[row["kind"]]["n"] += 1
        if expected and row.get("category"):
            per_category[row["category"]]["n"] += 1
            per_category[row["category"]]["ok"] += flagged
        if flagged and expected:
            tp += 1
            per_kind[row["kind"]]["ok"] += 1
            suggestions = {s for v in result.violations for s in v.suggestions}
            if row.get("standard") is None:
                standard_hits += 1  # nothing to expect: counted as found
            elif row["standard"] in suggestions:
                standard_hits += 1
            elif show:
                mistakes.append(("STANDARD", row, result))
        elif flagged:
            fp += 1
            mistakes.append(("FP", row, result))
        elif expected:
            fn += 1
            mistakes.append(("FN", row, result))
        else:
            tn += 1
            per_kind[row["kind"]]["ok"] += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"devset {path.name}: {len(rows)} lines  TP={tp} FP={fp} FN={fn} TN={tn}")
    print(f"  precision {precision:.3f}  recall {recall:.3f}  standard line suggested for {standard_hits}/{tp} true flags")
    for kind, counts in sorted(per_kind.items()):
        print(f"  {kind:15s} {counts['ok']:3d}/{counts['n']:3d} correct")
    for category, counts in sorted(per_category.items()):
        print(f"  category {category:6s} {counts['ok']:3d}/{counts['n']:3d} flagged")
    if show:
        for label, row, result in mistakes:
            rules = ",".join(f"{v.rule}:{v.match_type}" for v in result.violations) or "-"
            label_of = row.get("pair") or row.get("category") or ""
            print(f"  {label:8s} {row['id']} {row['kind']:13s} {label_of:4s} {row['text']}  -> {rules}")
    return {"precision": precision, "recall": recall, "standard": standard_hits / tp if tp else 1.0}


def corpus_report(checker: Checker, path: Path) -> float:
    agent = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    agent = [row for row in agent if row["role"] == "agent"]
    flagged = []
    informational = 0
    for row in agent:
        result = checker.check(row["text"])
        if result.decision != "pass":
            flagged.append((row, result))
        elif result.violations:
            informational += 1
    rate = len(flagged) / len(agent)
    print(f"corpus {path.parent.name}: {len(agent)} agent utterances, {len(flagged)} flagged ({rate:.3%}),"
          f" {informational} with info-only notes")
    for row, result in flagged:
        for v in result.violations:
            print(f"  {row['dialogue_id']} [{v.rule} {v.match_type}] «{v.matched}» in: {row['text'][:120]}")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="bank-counter")
    parser.add_argument("--devset", type=Path, nargs="+", default=[DEVSET], help="one or more labelled JSONL sets")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--show", action="store_true", help="list every devset mistake")
    parser.add_argument("--no-corpus", action="store_true", help="skip the STC-3 corpus")
    args = parser.parse_args(argv)
    checker = Checker.load(args.pack)
    for devset in args.devset:
        if devset.exists():
            devset_report(checker, devset, args.show)
        else:
            print(f"devset not found at {devset}", file=sys.stderr)
    if args.no_corpus:
        return 0
    if args.corpus.exists():
        corpus_report(checker, args.corpus)
    else:
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
