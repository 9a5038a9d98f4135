"""Sentences scored by the category model become candidates of their category's family rule."""

from __future__ import annotations

from .classify import CategoryModel
from .match import Candidate
from .normalize import SENTENCE_BREAK, NormalizedText


class SentenceClassifier:
    def __init__(self, model: CategoryModel, threshold: float, rules: dict[str, int], min_chars: int = 4,
                 max_chars: int = 40):
        self.model = model
        self.threshold = threshold
        self.min_chars, self.max_chars = min_chars, max_chars
        self.rules = rules  # category → index of the rule a hit of that category is reported as

    def possible(self, folded: str) -> bool:
        return self.model.could_reach(folded, self.threshold)

    def candidates(self, text: NormalizedText) -> list[Candidate]:
        """One candidate per sentence at or above the threshold (folded offsets)."""
        found = []
        for scored in self.model.score(self._long_enough(text), text.norm, self.threshold):
            rule = self.rules.get(scored.category)
            if rule is not None:
                found.append(Candidate(rule, scored.start, scored.end, ((scored.start, scored.end),), "model",
                                       round(scored.probability, 2)))
        return found

    def near_misses(self, text: NormalizedText, floor: float = 0.5) -> list[tuple[int, int, int, str]]:
        """Sentences the model leans towards but below the threshold, for the explain trace."""
        misses = []
        for scored in self.model.score(self._long_enough(text), text.norm, floor):
            if scored.probability < self.threshold and scored.category in self.rules:
                reason = (f"model {self.model.name!r}: {scored.category} {scored.probability:.2f}, "
                          f"below the threshold {self.threshold}")
                misses.append((scored.start, scored.end, self.rules[scored.category], reason))
        return misses


    def _long_enough(self, text: NormalizedText) -> list[tuple[int, int]]:
        return [(a, b) for a, b in _sentences(text) if self.min_chars <= b - a <= self.max_chars]


def _sentences(text: NormalizedText) -> list[tuple[int, int]]:
    edges = [i for i in range(1, len(text.norm)) if text.breaks[i] >= SENTENCE_BREAK]
    bounds = [0, *edges, len(text.norm)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
