"""Sentences scored by the category model become candidates of their category's family rule."""

from __future__ import annotations

import functools
from typing import Callable, Iterable, Mapping

from ..errors import LexiconError
from ..lexicon.limits import shown
from ..lexicon.schema import ClassifierConfig
from .classify import CategoryModel, SentenceScore, available_models, load_model, model_path
from .grams import Layout, clause_windows
from .match import Candidate, Failure
from .breaks import CLAUSE_MARK, SENTENCE_MARK
from .tables import PLACEHOLDERS

_REST_CHARS = 8
_TYPED_SYLLABLES = 2  # a sentence with fewer syllables typed in pinyin is read by the model itself
_MODEL, _CONFIDENCE_DIGITS = "model", 2  # a model candidate's match type, and its probability's rounding


class Sounds:
    """The model's twin over sounds, for sentences typed in pinyin: its threshold, and how a folded
    text becomes the phonetic classes it reads.  Read on the first such sentence (or by `warm`):
    typed pinyin is rare, and the file costs a quarter of a second."""

    def __init__(self, load: Callable[[], CategoryModel], threshold: float, translate: Callable[[str], str]):
        self._load, self._model = load, None
        self.threshold, self.translate = threshold, translate

    def model(self) -> CategoryModel:
        if self._model is None:
            self._model = self._load()
        return self._model


class SentenceClassifier:
    def __init__(self, model: CategoryModel, threshold: float, rules: dict[str, int], min_chars: int = 4,
                 max_chars: int = 40, window_chars: int = 0, window_threshold: float = 0.99, long_sentence: int = 80,
                 sounds: Sounds | None = None):
        self.model = model
        self.sounds = sounds
        self.threshold = threshold
        self.min_chars, self.max_chars = min_chars, max_chars
        self.window_chars, self.window_threshold, self.long_sentence = window_chars, window_threshold, long_sentence
        self.layout = Layout(SENTENCE_MARK, CLAUSE_MARK, long_sentence, window_chars, min_chars, max_chars)
        self.rules = rules  # category → index of the rule a hit of that category is reported as
        self._rule_of = tuple(rules.get(category) for category in model.categories)  # the same by the category's index

    @classmethod
    def from_config(cls, config: ClassifierConfig, home, rule_index: Mapping[str, int],
                    phonetic: Callable[[str], str]) -> "SentenceClassifier":
        """A pack's `classifier:` section (`home` its file) over the loaded rules (`rule_index`: id →
        index), or a LexiconError naming the pack and the field."""
        unknown = [rule for rule in config.rules.values() if rule not in rule_index]
        if unknown:
            raise LexiconError(f"{home}: classifier.rules: unknown rule {shown(unknown[0])}")
        model = _model(config.model, home, "model")
        sounds = None
        if config.phonetic_model:
            # Read on first use (see Sounds); a name that points at no file is an error now, not then.
            if not model_path(config.phonetic_model, home.parent).is_file():
                raise LexiconError(f"{home}: classifier.phonetic_model: cannot load {shown(config.phonetic_model)} "
                                   f"(no such model; shipped models: {', '.join(available_models()) or 'none'})")
            sounds = Sounds(functools.partial(_model, config.phonetic_model, home, "phonetic_model"),
                            config.phonetic_threshold, phonetic)
            if config.phonetic_model.endswith(".json"):
                sounds.model()  # a team's own file is checked as the pack loads, not at its first pinyin line
        rules = {category: rule_index[rule] for category, rule in config.rules.items()}
        return cls(model, config.threshold, rules, config.min_chars, config.max_chars,
                   config.window_chars, config.window_threshold, config.long_sentence, sounds)

    def candidates(self, marked: str, bounds: tuple[list, list] | None = None) -> list[Candidate]:
        """One candidate per sentence at or above the threshold (folded offsets), from a skim's
        marked text and its `bounds` when the plain check has found them: what a text with none
        costs is one pass over its n-grams."""
        sound_floor = self.sounds.threshold if self.sounds else 1.0
        return self._as_candidates(s for s, _, _ in self._scored(marked, self.threshold, self.window_threshold,
                                                                  sound_floor, bounds))

    def bounds(self, marked: str, floor: float | None = None,
               window_floor: float | None = None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The sentences, then the windows of clauses of a long call, whose bound reaches `floor`
        and `window_floor` (the thresholds unless given), as folded offsets: what is scored next."""
        return self._bounds(marked, marked.replace(CLAUSE_MARK, ""), self.threshold if floor is None else floor,
                            self.window_threshold if window_floor is None else window_floor)

    def _bounds(self, marked: str, apart: str, floor: float, window_floor: float) -> tuple[list, list]:
        """`bounds`, given the marked text without its clause marks (`apart`)."""
        live = self.model.live(apart, floor, self.min_chars, self.max_chars)
        if not (self.window_chars and len(marked) > self.long_sentence):
            return live, []
        return live, self.model.live_windows(marked, apart.replace(SENTENCE_MARK, ""), self.layout, window_floor)

    def compiled_bounds(self):
        """What `candidates` first asks of a text without syllables typed in pinyin, as compiled
        calls: (live, its arguments, windows or None, theirs, the length from which a sentence is
        cut into windows, and the scoring of what they let through as candidates, a function of
        the folded text and its bounds); None where the model is not compiled (`PlainCheck`).
        Most bounded sentences score below the threshold and end the text there."""
        found = self.model.compiled_bounds(self.threshold, self.min_chars, self.max_chars, self.layout,
                                           self.window_threshold)
        if found is None:
            return None
        (live, live_args), (windows, windows_args) = found
        candidates = self.model.compiled_candidates(Candidate, self._rule_of, _MODEL, _CONFIDENCE_DIGITS,
                                                    self.threshold, self.window_threshold)
        return live, live_args, windows if self.window_chars else None, windows_args, self.long_sentence, candidates

    def _as_candidates(self, scores: Iterable[SentenceScore]) -> list[Candidate]:
        """A candidate of its category's rule for each score of a category that has one."""
        rules = self.rules
        return [_model_candidate(rules[s.category], s.start, s.end, s.probability) for s in scores if s.category in rules]

    def reaches(self, folded: str) -> bool:
        """Whether the rest of a sentence, folded, still scores the threshold (the judge asks it of
        what a sentence says after the words it reports); a rest under `_REST_CHARS` characters
        is too short to judge (「您自己选好吧」)."""
        return len(folded) >= max(self.min_chars, _REST_CHARS) and self.model.probability(folded) >= self.threshold

    def near_misses(self, marked: str, floor: float = 0.5) -> list[Failure]:
        """Sentences (and windows) the model leans towards but below their threshold, for the explain trace."""
        misses = []
        for scored, threshold, what in self._scored(marked, floor, floor, floor):
            if scored.probability < threshold and scored.category in self.rules:
                reason = (f"{what} {scored.category} {scored.probability:.2f}, "
                          f"below the threshold {threshold}")
                misses.append(Failure(self.rules[scored.category], scored.start, scored.end, reason, "model"))
        return misses

    def _scored(self, marked: str, floor: float, window_floor: float, sound_floor: float,
                bounds: tuple[list, list] | None = None) -> list[tuple[SentenceScore, float, str]]:
        """Sentences scoring `floor` or more, then windows (`windows`) scoring `window_floor` or
        more, then sentences typed in pinyin whose sounds score `sound_floor` or more, each with
        the threshold it must reach and what it is (which model, what it scored); `bounds` are
        those of these floors when already found."""
        apart = marked.replace(CLAUSE_MARK, "")
        live, windows = bounds or self._bounds(marked, apart, floor, window_floor)
        folded = apart.replace(SENTENCE_MARK, "") if live or windows else ""
        sentences = self.model.score(live, folded, floor) if live else []
        found = [(s, self.threshold, f"model {self.model.name!r}: sentence") for s in sentences]
        if sound_floor < 1.0 and self.reads_typed(marked):
            found += self._typed(apart, sound_floor, {(s.start, s.end) for s in sentences})
        if windows:
            found += [(s, self.window_threshold, f"model {self.model.name!r}: window of clauses")
                      for s in self.model.score(windows, folded, window_floor)]
        return found

    def reads_typed(self, text: str) -> bool:
        """Whether the twin over sounds may score a sentence of `text` (folded or not): it reads
        only sentences with `_TYPED_SYLLABLES` syllables typed in pinyin (placeholders)."""
        return self.sounds is not None and len(PLACEHOLDERS.findall(text)) >= _TYPED_SYLLABLES

    def _typed(self, apart: str, floor: float, scored: set[tuple[int, int]]) -> list[tuple[SentenceScore, float, str]]:
        """The sentences holding syllables typed in pinyin (placeholders of their sounds) that the
        twin over sounds scores `floor` or more, except those the model has already scored; `apart`
        is the folded text with its sentences marked apart, as `CategoryModel.above` reads it."""
        sounds, model = self.sounds, self.sounds.model()
        typed = model.above(sounds.translate(apart), floor, self.min_chars, self.max_chars)
        folded = apart.replace(SENTENCE_MARK, "")
        return [(s, sounds.threshold, f"model {model.name!r}: sentence typed in pinyin") for s in typed
                if (s.start, s.end) not in scored and len(PLACEHOLDERS.findall(folded, s.start, s.end)) >= _TYPED_SYLLABLES]

    def windows(self, marked: str) -> list[tuple[int, int]]:
        """The windows of clauses the model scores in a long call (`grams.clause_windows`)."""
        return clause_windows(marked, self.layout)


def _model(name: str, home, field: str) -> CategoryModel:
    """A pack's category model, or an error naming the pack, the field and the shipped models."""
    try:
        return load_model(name, home.parent)
    except (OSError, ValueError, KeyError, TypeError) as error:
        shipped = ", ".join(available_models()) or "none"
        raise LexiconError(f"{home}: classifier.{field}: cannot load {shown(name)} ({str(error)[:200]}; shipped models: {shipped})") from None


def _model_candidate(rule: int, start: int, end: int, probability: float) -> Candidate:
    """The candidate of a sentence (or window) the model scores for `rule`'s category."""
    return Candidate(rule, start, end, ((start, end),), _MODEL, round(probability, _CONFIDENCE_DIGITS))
