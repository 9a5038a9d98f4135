"""Accuracy on the shared labelled devset and false flags on real helpdesk text (when present)."""

import json

import pytest

from conftest import SHARED

DEVSET = SHARED / "eval" / "devset.jsonl"
CORPUS = SHARED / "corpora" / "stc3_weibo_helpdesk_zh" / "utterances.jsonl"


@pytest.mark.skipif(not DEVSET.exists(), reason="shared devset not available")
def test_devset_precision_recall_and_standard_lines(bank):
    tp = fp = fn = with_standard = 0
    for line in DEVSET.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        result = bank.check(row["text"], role=row["role"])
        flagged = result.decision != "pass"
        if flagged and row["expect"] == "flag":
            tp += 1
            with_standard += row["standard"] in {s for v in result.violations for s in v.suggestions}
        fp += flagged and row["expect"] == "clean"
        fn += not flagged and row["expect"] == "flag"
    assert tp / (tp + fp) >= 0.97
    assert tp / (tp + fn) >= 0.92
    assert with_standard / tp >= 0.95


@pytest.mark.skipif(not CORPUS.exists(), reason="shared STC-3 corpus not available")
def test_real_helpdesk_agent_text_is_almost_never_flagged(bank):
    agent = [json.loads(l) for l in CORPUS.read_text(encoding="utf-8").splitlines()]
    agent = [row["text"] for row in agent if row["role"] == "agent"]
    flagged = [text for text in agent if bank.check(text).decision != "pass"]
    assert len(flagged) / len(agent) <= 0.002, flagged[:10]
