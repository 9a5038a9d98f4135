"""A small statistical second stage for the category bans word patterns miss.

The standards forbid whole categories of speech (insults, threats, sarcasm, blame…) whose wording
no list can enumerate.  A linear model over the character bigrams and trigrams of one sentence,
trained by `scripts/train_categories.py` on written examples with real agent replies as negatives
and shipped as data (`phrasecheck/data/models/*.json`), scores each sentence; a sentence scoring
at or above the pack's threshold becomes a candidate of the category's family rule, and the judge
then applies that rule's guards (role, quotation, reported speech, `unless`) as for any hit.

Scoring costs one Aho–Corasick pass per sentence over the model's features (folded text), so a
clean message pays a few microseconds; the category is only worked out for sentences that pass.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from ..errors import LexiconError
from ..lexicon.reading import read_bounded

_MODELS = Path(__file__).resolve().parent.parent / "data" / "models"


@dataclass(frozen=True, slots=True)
class SentenceScore:
    start: int  # folded offsets of the sentence
    end: int
    probability: float  # that the sentence is a category violation
    category: str


class CategoryModel:
    """The shipped model: n-gram → (violation weight, per-category weights)."""

    def __init__(self, data: dict):
        self.name: str = data["name"]
        self.categories: tuple[str, ...] = tuple(data["categories"])
        self.bias: float = data["bias"]
        self.category_bias: tuple[float, ...] = tuple(data["category_bias"])
        self.trained_on: str = data.get("trained_on", "")
        self._automaton = ahocorasick.Automaton()
        self._positive = ahocorasick.Automaton()  # only what can raise a score: the cheap first pass
        for gram, (weight, per_category) in data["features"].items():
            self._automaton.add_word(gram, (weight, tuple(per_category)))
            if weight > 0:
                self._positive.add_word(gram, weight)
        self._empty = not any(weight > 0 for weight, _ in data["features"].values())
        if not self._empty:
            self._automaton.make_automaton()
            self._positive.make_automaton()

    def could_reach(self, text: str, threshold: float) -> bool:
        """Whether any sentence of `text` can score `threshold`: a sentence's score is at most the
        bias plus the positive weights the whole text holds, so most clean texts stop here, after
        one pass and before sentences are cut."""
        if self._empty:
            return False
        return self.bias + sum(weight for _, weight in self._positive.iter(text)) >= math.log(threshold / (1 - threshold))

    def probability(self, sentence: str) -> float:
        if self._empty or not sentence:
            return _sigmoid(self.bias)
        return _sigmoid(self.bias + sum(value[0] for _, value in self._automaton.iter(sentence)))

    def category(self, sentence: str) -> str:
        totals = list(self.category_bias)
        for _, (_, per_category) in self._automaton.iter(sentence):
            for index, weight in enumerate(per_category):
                totals[index] += weight
        return self.categories[max(range(len(totals)), key=totals.__getitem__)]

    def score(self, sentences: list[tuple[int, int]], folded: str, threshold: float) -> list[SentenceScore]:
        """Sentences at or above `threshold`, with their category."""
        found = []
        for start, end in sentences:
            probability = self.probability(folded[start:end])
            if probability >= threshold:
                found.append(SentenceScore(start, end, probability, self.category(folded[start:end])))
        return found


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, value))))


def load_model(name: str, base: Path) -> CategoryModel:
    """A shipped model by name (`phrasecheck/data/models/NAME.json`) or a `.json` path relative to
    `base` (the pack's folder); each file is read once per process."""
    path = (base / name) if name.endswith(".json") else _MODELS / f"{name}.json"
    return _read_model(path.resolve())


@lru_cache(maxsize=None)
def _read_model(path: Path) -> CategoryModel:
    try:
        raw = read_bounded(path, "list_bytes", "category model file")
        data = json.loads(raw.decode("utf-8"))
    except LexiconError as error:
        raise ValueError(str(error)) from None
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
    return CategoryModel(_checked(data))


def _checked(data) -> dict:
    """A model file as `CategoryModel` reads it, or a ValueError saying what is wrong: a team's
    own model is data from outside, and a short weight list would fail only when a text is checked."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    categories = data.get("categories")
    if not isinstance(data.get("name"), str) or not isinstance(data.get("trained_on", ""), str):
        raise ValueError("`name` (and `trained_on`) must be text")
    if not isinstance(categories, list) or not categories or not all(isinstance(c, str) for c in categories):
        raise ValueError("`categories` must be a non-empty list of names")
    if not _weights(data.get("bias"), None) or not _weights(data.get("category_bias"), len(categories)):
        raise ValueError(f"`bias` must be a number and `category_bias` {len(categories)} numbers")
    features = data.get("features")
    if not isinstance(features, dict) or not all(
        isinstance(gram, str) and gram and isinstance(value, list) and len(value) == 2
        and _weights(value[0], None) and _weights(value[1], len(categories)) for gram, value in features.items()
    ):
        raise ValueError(f"`features` must map each n-gram to [weight, [{len(categories)} category weights]]")
    return data


def _weights(value, count: int | None) -> bool:
    """A finite number (count None), or a list of `count` finite numbers."""
    if count is None:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300
    return isinstance(value, list) and len(value) == count and all(_weights(v, None) for v in value)


def available_models() -> list[str]:
    return sorted(p.stem for p in _MODELS.glob("*.json"))
