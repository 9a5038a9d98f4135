"""Sentences scored by the category model become candidates of their category's family rule."""

from __future__ import annotations

from .classify import CategoryModel
from .match import Candidate, Failure
from .normalize import CLAUSE_MARK


class SentenceClassifier:
    def __init__(self, model: CategoryModel, threshold: float, rules: dict[str, int], min_chars: int = 4,
                 max_chars: int = 40):
        self.model = model
        self.threshold = threshold
        self.min_chars, self.max_chars = min_chars, max_chars
        self.rules = rules  # category → index of the rule a hit of that category is reported as

    def candidates(self, marked: str) -> list[Candidate]:
        """One candidate per sentence at or above the threshold (folded offsets), from a skim's
        marked text: what a text with none costs is one scan (`CategoryModel.above`)."""
        found = []
        for scored in self.model.above(marked.replace(CLAUSE_MARK, ""), self.threshold, self.min_chars, self.max_chars):
            rule = self.rules.get(scored.category)
            if rule is not None:
                found.append(Candidate(rule, scored.start, scored.end, ((scored.start, scored.end),), "model",
                                       round(scored.probability, 2)))
        return found

    def near_misses(self, marked: str, floor: float = 0.5) -> list[Failure]:
        """Sentences the model leans towards but below the threshold, for the explain trace."""
        misses = []
        for scored in self.model.above(marked.replace(CLAUSE_MARK, ""), floor, self.min_chars, self.max_chars):
            if scored.probability < self.threshold and scored.category in self.rules:
                reason = (f"model {self.model.name!r}: {scored.category} {scored.probability:.2f}, "
                          f"below the threshold {self.threshold}")
                misses.append(Failure(self.rules[scored.category], scored.start, scored.end, reason, "model"))
        return misses
