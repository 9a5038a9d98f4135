"""Stage 4: an utterance's score and decision from its violations' severities."""

from __future__ import annotations

from typing import Iterable

from ..lexicon import SEVERITY_RANK, ScoringConfig


def score_utterance(severities: Iterable[str], config: ScoringConfig) -> tuple[int, str]:
    """100 minus the deductions, floored at 0; `block` at or above `block_at`, `warn` at `warn_at`."""
    severities = list(severities)
    score = max(0, 100 - sum(config.deductions.get(s, 0) for s in severities))
    worst = max((SEVERITY_RANK[s] for s in severities), default=-1)
    if worst >= SEVERITY_RANK[config.block_at]:
        return score, "block"
    if worst >= SEVERITY_RANK[config.warn_at]:
        return score, "warn"
    return score, "pass"
