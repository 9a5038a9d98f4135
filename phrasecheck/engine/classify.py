"""A small statistical second stage for the category bans word patterns miss.

The standards forbid whole categories of speech (insults, threats, sarcasm, blame…) whose wording
no list can enumerate.  A linear model over the character bigrams and trigrams of one sentence,
trained by `scripts/train_categories.py` on written examples with real agent replies as negatives
and shipped as data (`phrasecheck/data/models/*.json`), scores each sentence; a sentence scoring
at or above the pack's threshold becomes a candidate of the category's family rule, and the judge
then applies that rule's guards (role, quotation, reported speech, `unless`) as for any hit.

Every text pays one pass over the model's n-grams (`grams`: compiled, folded text, sentences
kept apart by their marks), which bounds each of its sentences' scores at once: only a text with
a sentence whose bound reaches the threshold has it scored (its score and category summed in one
compiled call, `Grams.totals`), and only a sentence at or above the threshold goes on to be judged.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import LexiconError
from ..lexicon.reading import read_bounded
from .compiled import kept_part
from .grams import Layout, grams_of, sigmoid
from .breaks import SENTENCE_MARK

_MARGIN = 1e-9  # the bound never falls below the score; the margin only absorbs rounding
_STRONGLY_NEGATIVE = -0.5  # n-gram weights below this count in the bound

_MODELS = Path(__file__).resolve().parent.parent / "data" / "models"


@dataclass(slots=True)  # not frozen: as Candidate
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
        features = data["features"]
        # Flat arrays, not a tuple of floats per n-gram: a pack's compiled form is unpickled at every
        # cold start, and 50,000 n-grams × 17 float objects took half a second of it.
        weights = array("d", [weight for weight, _ in features.values()])
        columns = array("d", [w for _, per_category in features.values() for w in per_category])
        self.ngrams: list[str] = list(features)
        self._grams = grams_of(self.ngrams, weights, _STRONGLY_NEGATIVE, columns, array("d", self.category_bias))
        self._empty = not any(weight > 0 for weight in weights)

    def live(self, sentences: str, threshold: float, shortest: int, longest: int) -> list[tuple[int, int]]:
        """The sentences of `shortest` to `longest` characters whose bound (`Sums.bound`) reaches
        `threshold` (folded offsets), for the folded text with its sentences apart (SENTENCE_MARK
        between them; no n-gram holds the mark): those worth scoring, which most texts have none of."""
        if self._empty:
            return []
        return self._grams.live(sentences, SENTENCE_MARK, self._floor(threshold), shortest, longest)

    def above(self, sentences: str, threshold: float, shortest: int, longest: int) -> list[SentenceScore]:
        """The sentences `live` gives that score `threshold` or more."""
        live = self.live(sentences, threshold, shortest, longest)
        return self.score(live, sentences.replace(SENTENCE_MARK, ""), threshold) if live else []

    def live_windows(self, marked: str, folded: str, layout: Layout, threshold: float) -> list[tuple[int, int]]:
        """The windows of clauses of a long call (`grams.clause_windows`, cut from the marked
        text) whose bound in the folded text reaches `threshold`: none is even cut when every
        positive weight of the text together falls short (most texts)."""
        if self._empty:
            return []
        return self._grams.windows(marked, folded, layout, self._floor(threshold))

    def compiled_bounds(self, threshold: float, shortest: int, longest: int, layout: Layout, window_threshold: float):
        """The compiled `live` and `live_windows` ((function, arguments after the
        text) each; function None when nothing can reach a threshold), or None where not compiled."""
        if self._empty:
            return (None, ()), (None, ())
        return self._grams.compiled(SENTENCE_MARK, self._floor(threshold), shortest, longest, layout,
                                    self._floor(window_threshold))

    def compiled_candidates(self, make, rule_of: tuple[int | None, ...], match_type: str, digits: int,
                            threshold: float, window_threshold: float):
        """The compiled scoring of a text's bounded sentences and windows (`GramTable.candidates`)
        as a function of the folded text and its bounds, making its candidates; None where the
        model has no weights (nothing is bounded)."""
        if self._empty:
            return None
        return self._grams.compiled_candidates(make, rule_of, match_type, digits, self.bias, threshold, window_threshold)

    def _floor(self, threshold: float) -> float:
        """What the n-gram weights of a sentence must sum to for it to score `threshold`."""
        return math.log(threshold / (1 - threshold)) - self.bias - _MARGIN

    def probability(self, sentence: str) -> float:
        if self._empty or not sentence:
            return sigmoid(self.bias)
        return sigmoid(self.bias + self._grams.total(sentence, 0, len(sentence)))

    def category(self, sentence: str) -> str:
        return self.categories[self._grams.totals(sentence, 0, len(sentence))[1]]

    def score(self, sentences: list[tuple[int, int]], folded: str, threshold: float) -> list[SentenceScore]:
        """Sentences at or above `threshold`, with their category (its n-grams read once)."""
        categories = self.categories
        return [SentenceScore(start, end, probability, categories[category])
                for start, end, probability, category in self.scored(sentences, folded, threshold)]

    def scored(self, sentences: list[tuple[int, int]], folded: str, threshold: float) -> list[tuple[int, int, float, int]]:
        """`score`'s sentences as (start, end, probability, index of the category in `categories`)."""
        return self._grams.scored(folded, sentences, self.bias, threshold)


def model_path(name: str, base: Path) -> Path:
    """Where a model lives: a shipped one by name (`phrasecheck/data/models/NAME.json`) or a
    `.json` path relative to `base` (the pack's folder)."""
    return ((base / name) if name.endswith(".json") else _MODELS / f"{name}.json").resolve()


def load_model(name: str, base: Path) -> CategoryModel:
    """A model by name or path (`model_path`); each file is read once per process."""
    return _read_model(model_path(name, base))


@lru_cache(maxsize=None)
def _read_model(path: Path) -> CategoryModel:
    try:
        raw = read_bounded(path, "list_bytes", "category model file")
    except LexiconError as error:
        raise ValueError(str(error)) from None
    return kept_part(CategoryModel, raw, lambda: CategoryModel(_checked(_parsed(raw))))


def _parsed(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


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
