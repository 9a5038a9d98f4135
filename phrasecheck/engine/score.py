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


_REMEMBERED = 256  # lists of severities kept: a flagged message's is one of a few, a long call's its own


class UtteranceScores:
    """`score_utterance` of each list of severities asked before under the same config, looked up:
    the loop cost a flagged message ~1 µs, a lookup a fourth of that."""

    def __init__(self) -> None:
        self._known: tuple[ScoringConfig | None, dict[tuple[str, ...], tuple[int, str]]] = (None, {})

    def __call__(self, severities: tuple[str, ...], config: ScoringConfig) -> tuple[int, str]:
        owner, known = self._known  # read once: a config given meanwhile starts its own
        if owner is not config:
            owner, known = self._known = (config, {})
        found = known.get(severities)
        if found is None:
            found = score_utterance(severities, config)
            if len(known) < _REMEMBERED:
                known[severities] = found
        return found
