"""Stage 4: an utterance's score and decision from its violations' severities."""

from __future__ import annotations

from typing import Iterable

from ..lexicon import SEVERITY_RANK, ScoringConfig


def score_utterance(severities: Iterable[str], config: ScoringConfig) -> tuple[int, str]:
    """100 minus the deductions, floored at 0; `block` at or above `block_at`, `warn` at `warn_at`."""
    deductions, deducted, worst = config.deductions, 0, -1
    for severity in severities:  # one pass: it runs for every flagged message
        deducted += deductions.get(severity, 0)
        worst = max(worst, SEVERITY_RANK[severity])
    score = max(0, 100 - deducted)
    if worst >= SEVERITY_RANK[config.block_at]:
        return score, "block"
    if worst >= SEVERITY_RANK[config.warn_at]:
        return score, "warn"
    return score, "pass"
