"""Stage 2: find candidate matches with one Aho–Corasick pass, then verify them.

Every phrase and every pattern's *anchor* element (its longest required element) goes into one
automaton keyed by phonetic class, so exact spellings and ASR homophones are found by the same
scan.  A hit is then verified against the folded text: identical characters make an `exact` (or
`pattern`) match, a bounded number of differing-but-homophone characters a `phonetic` one.  The
other elements of a pattern are looked for next to the anchor with plain `str.find`, within their
gap bounds.  Long phrases of rules that ask for it are also verified by edit-distance alignment
(`fuzzy`), triggered by the phrase's three-character shingles.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import ahocorasick
from rapidfuzz import fuzz

from .normalize import NO_BREAK, PLACEHOLDERS, NormalizedText, Normalizer

_PLACEHOLDER_LOW, _PLACEHOLDER_HIGH = "\ue000", "\uefff"  # PLACEHOLDERS, compared inline in the hot loop
from ..lexicon.patterns import ElementSpec
from .words import frequency

SHINGLE = 3
FULL_PINYIN = 4  # syllables a phrase needs to match when every character of it is typed in pinyin
LONG_PHRASE_SHINGLES = 8


def phonetic_allowance(length: int) -> int:
    """How many characters of a match may differ (as homophones) and still count."""
    if length < 3:
        return 0
    return 1 if length < 7 else 2


def element_allowance(length: int) -> int:
    """Per element: one homophone in a two-character word is fine *inside a longer pattern*
    (「电老打出来的怎么会错」); the whole match is then held to `phonetic_allowance`."""
    return 1 if length == 2 else phonetic_allowance(length)


@dataclass(frozen=True, slots=True)
class Alternative:
    norm: str
    keys: tuple[str, ...]  # phonetic keys over the characters' alternative readings
    allowance: int


@dataclass(frozen=True, slots=True)
class Element:
    alternatives: tuple[Alternative, ...]
    optional: bool
    gap_before: int
    break_before: bool
    break_after: bool
    # An element with many spellings (a word class, regional forms) is looked for with its own
    # small automaton, one C-level pass over the gap window instead of a find per spelling.
    index: ahocorasick.Automaton | None = None
    longest: int = 0

    @property
    def shortest(self) -> int:
        return min(len(a.norm) for a in self.alternatives)


INDEXED_KEYS = 8  # more keys than this: search the element with an automaton


def _element(alternatives: Sequence[Alternative], spec: ElementSpec) -> Element:
    by_key: dict[str, list[Alternative]] = {}
    for alternative in alternatives:
        for key in alternative.keys:
            by_key.setdefault(key, []).append(alternative)
    index = None
    if len(by_key) > INDEXED_KEYS:
        index = ahocorasick.Automaton()
        for key, spelled in by_key.items():
            index.add_word(key, (len(key), tuple(spelled)))
        index.make_automaton()
    longest = max(len(a.norm) for a in alternatives)
    return Element(tuple(alternatives), spec.optional, spec.gap_before, spec.break_before, spec.break_after, index, longest)


@dataclass(frozen=True, slots=True)
class PatternMatch:
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]  # one (start, end) per matched element
    mismatches: int
    placeholders: int  # positions matched by a syllable typed in Latin letters


@dataclass(frozen=True, slots=True)
class Candidate:
    rule: int  # index into the checker's rule list
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]
    match_type: str  # exact | pattern | phonetic | fuzzy
    confidence: float


@dataclass(frozen=True, slots=True)
class Failure:
    """An anchor hit that verification rejected (for the explain trace)."""

    rule: int
    start: int
    end: int
    reason: str


class CompiledPattern:
    """A parsed pattern bound to a normalizer; knows how to verify itself around an anchor."""

    def __init__(self, specs: Sequence[ElementSpec], normalizer: Normalizer, phonetic: bool = True):
        elements = []
        for spec in specs:
            alternatives = []
            for text in spec.alternatives:
                norm = normalizer.fold(text)
                if not norm:
                    raise ValueError(f"{text!r} is empty once folded (only punctuation or skip characters)")
                allowance = element_allowance(len(norm)) if phonetic else 0
                # Alternatives too short for a homophone need only the key of their own spelling.
                keys = normalizer.phonetic_variants(norm) if allowance else (normalizer.phonetic(norm),)
                alternatives.append(Alternative(norm, keys, allowance))
                if phonetic:  # rule literals also in regional speech, spelled exactly (no homophones of dialect)
                    for form in normalizer.spoken_forms(text)[1:]:
                        folded = normalizer.fold(form)
                        alternatives.append(Alternative(folded, (normalizer.phonetic(folded),), 0))
            elements.append(_element(alternatives, spec))
        self.elements: tuple[Element, ...] = tuple(elements)
        required = [i for i, e in enumerate(self.elements) if not e.optional]
        # Anchor the scan on the rarest required element, so common words (「这」「给您」) do
        # not send every text down the verification path.
        self.anchor = min(required, key=lambda i: (_commonness(self.elements[i]), i))
        self.is_literal = len(self.elements) == 1

    # -- verification ------------------------------------------------------------------------
    def match_at(self, text: NormalizedText, alternative: Alternative, start: int,
                 reasons: list[str] | None = None) -> PatternMatch | None:
        """Verify a match whose anchor element is `alternative` at folded offset `start`; with
        `reasons`, say why a failed one failed (the explain trace)."""
        end = start + len(alternative.norm)
        anchor = self.elements[self.anchor]
        mismatches = _mismatches(text.norm, start, alternative.norm)
        if mismatches > alternative.allowance:
            return _fail(reasons, f"{text.norm[start:end]!r} sounds like {alternative.norm!r} but differs in {mismatches} characters")
        if not _breaks_ok(text, anchor, start, end):
            return _fail(reasons, f"{alternative.norm!r} is not at the clause edge the pattern's ^/$ asks for")
        spans = [(start, end)]
        # Leftwards from the anchor.
        cursor = start
        gap = anchor.gap_before
        for index in range(self.anchor - 1, -1, -1):
            element = self.elements[index]
            found = _find_left(text, element, cursor - gap, cursor)
            if found is None:
                if not element.optional or not _skipped_breaks_ok(text, element, cursor):
                    return _fail(reasons, _missing(element, index, "before", gap))
                gap += element.gap_before
                continue
            spans.insert(0, (found[0], found[1]))
            mismatches += found[2]
            cursor, gap = found[0], element.gap_before
        # Rightwards from the anchor.
        cursor = end
        gap = 0
        for index in range(self.anchor + 1, len(self.elements)):
            element = self.elements[index]
            gap += element.gap_before
            found = _find_right(text, element, cursor, cursor + gap)
            if found is None:
                if not element.optional or not _skipped_breaks_ok(text, element, cursor):
                    return _fail(reasons, _missing(element, index, "after", gap))
                continue
            spans.append((found[0], found[1]))
            mismatches += found[2]
            cursor, gap = found[1], 0
        placeholders = sum(len(PLACEHOLDERS.findall(text.norm, s, e)) for s, e in spans) if text.rewrite else 0
        if mismatches or placeholders:
            matched = sum(e - s for s, e in spans)
            if mismatches > phonetic_allowance(matched):
                return _fail(reasons, f"{mismatches} homophone(s) in {matched} characters is more than allowed")
            # Two characters spelled as the literal spells them, or a phrase of four or more typed
            # wholly in pinyin (bu gui wo guan): one or two syllables alone (gun, sha) are too common.
            if matched - mismatches - placeholders < 2 and (mismatches or matched < FULL_PINYIN):
                return _fail(reasons, f"only {matched - mismatches - placeholders} of {matched} characters as written")
        return PatternMatch(spans[0][0], spans[-1][1], tuple(spans), mismatches, placeholders)

    def search(self, text: NormalizedText, low: int = 0, high: int | None = None) -> list[PatternMatch]:
        """Every match whose anchor lies within [low, high): used for `unless` and mention frames."""
        high = len(text.phon) if high is None else high
        matches = []
        for alternative in self.elements[self.anchor].alternatives:
            for key in alternative.keys:
                position = text.phon.find(key, low, high)
                while position != -1:
                    found = self.match_at(text, alternative, position)
                    if found is not None:
                        matches.append(found)
                    position = text.phon.find(key, position + 1, high)
        return matches


def _fail(reasons: list[str] | None, reason: str) -> None:
    if reasons is not None:
        reasons.append(reason)
    return None


def _missing(element: Element, index: int, side: str, gap: int) -> str:
    words = "|".join(a.norm for a in element.alternatives[:6]) + ("|…" if len(element.alternatives) > 6 else "")
    where = f"within {gap} characters {side}" if gap else f"right {side}"
    return f"element {index + 1} [{words}] not found {where} the anchor"


def _commonness(element: Element) -> int:
    return sum(frequency(a.norm) for a in element.alternatives)


def _mismatches(norm: str, start: int, literal: str) -> int:
    """Characters that differ from the literal's; a placeholder does not (its key matched)."""
    return sum(1 for a, b in zip(norm[start : start + len(literal)], literal) if a != b and not _PLACEHOLDER_LOW <= a <= _PLACEHOLDER_HIGH)


def _breaks_ok(text: NormalizedText, element: Element, start: int, end: int) -> bool:
    if element.break_before and text.breaks[start] == NO_BREAK:
        return False
    if element.break_after and text.breaks[end] == NO_BREAK:
        return False
    return True


def _skipped_breaks_ok(text: NormalizedText, element: Element, position: int) -> bool:
    """An absent optional element hands its `^`/`$` to the place it would have been."""
    if (element.break_before or element.break_after) and text.breaks[position] == NO_BREAK:
        return False
    return True


def _find_right(text: NormalizedText, element: Element, low: int, high: int) -> tuple[int, int, int] | None:
    """Nearest valid occurrence of the element starting in [low, high]; longest on a tie."""
    if element.index is not None:
        return _find_indexed(text, element, low, high, right=True)
    best = None
    for alternative in element.alternatives:
        length = len(alternative.norm)
        for key in alternative.keys:
            position = text.phon.find(key, low, high + length)
            while position != -1:
                mismatches = _mismatches(text.norm, position, alternative.norm)
                if mismatches <= alternative.allowance and _breaks_ok(text, element, position, position + length):
                    if best is None or (position, -length) < (best[0], best[0] - best[1]):
                        best = (position, position + length, mismatches)
                    break
                position = text.phon.find(key, position + 1, high + length)
    return best


def _find_left(text: NormalizedText, element: Element, low: int, high: int) -> tuple[int, int, int] | None:
    """Nearest valid occurrence of the element ending in [low, high]; longest on a tie."""
    low = max(low, 0)
    if element.index is not None:
        return _find_indexed(text, element, low, high, right=False)
    best = None
    for alternative in element.alternatives:
        length = len(alternative.norm)
        for key in alternative.keys:
            position = text.phon.rfind(key, max(0, low - length), high)
            while position != -1 and position + length >= low:
                mismatches = _mismatches(text.norm, position, alternative.norm)
                if mismatches <= alternative.allowance and _breaks_ok(text, element, position, position + length):
                    if best is None or (-(position + length), -length) < (-best[1], best[0] - best[1]):
                        best = (position, position + length, mismatches)
                    break
                position = text.phon.rfind(key, max(0, low - length), position + length - 1)
    return best


def _find_indexed(text: NormalizedText, element: Element, low: int, high: int, right: bool) -> tuple[int, int, int] | None:
    """`_find_right` (starting in [low, high]) or `_find_left` (ending in [low, high]) through the
    element's automaton: the same nearest, longest-on-a-tie occurrence."""
    if right:
        window_low, window_high = low, min(len(text.phon), high + element.longest)
    else:
        window_low, window_high = max(0, low - element.longest), min(len(text.phon), high)
    if window_high <= window_low:
        return None
    best = None
    for end_index, (length, spelled) in element.index.iter(text.phon, window_low, window_high):
        position = end_index - length + 1
        edge = position if right else position + length
        if not low <= edge <= high:
            continue
        for alternative in spelled:
            mismatches = _mismatches(text.norm, position, alternative.norm)
            if mismatches <= alternative.allowance and _breaks_ok(text, element, position, position + length):
                rank = (position, -length) if right else (-(position + length), -length)
                if best is None or rank < best[0]:
                    best = (rank, (position, position + length, mismatches))
                break
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class FuzzyPhrase:
    rule: int
    phon: str
    threshold: float

    @property
    def min_hits(self) -> int:
        """Shingles that must be seen before aligning: one shared trigram (「有什么」) is everyday
        speech, while a garbled long phrase keeps many of its shingles (ASR errors are mostly
        homophones, and shingles are phonetic)."""
        return 2 if len(self.phon) - SHINGLE + 1 >= LONG_PHRASE_SHINGLES else 1


class Matcher:
    """The candidate automaton plus everything needed to verify its hits."""

    def __init__(self) -> None:
        self._entries: dict[str, list[tuple]] = {}
        self._automaton = ahocorasick.Automaton()
        self.pattern_count = 0

    def add_pattern(self, rule: int, pattern: CompiledPattern) -> None:
        self.pattern_count += 1
        for alternative in pattern.elements[pattern.anchor].alternatives:
            for key in alternative.keys:
                self._entries.setdefault(key, []).append(("pattern", rule, pattern, alternative))

    def add_fuzzy(self, rule: int, norm: str, normalizer: Normalizer, threshold: float) -> None:
        phrase = FuzzyPhrase(rule, normalizer.phonetic(norm), threshold)
        for offset in range(len(phrase.phon) - SHINGLE + 1):
            shingle = phrase.phon[offset : offset + SHINGLE]
            self._entries.setdefault(shingle, []).append(("fuzzy", rule, phrase, offset))

    def finish(self) -> None:
        for key, values in self._entries.items():
            self._automaton.add_word(key, tuple(values))
        if self._entries:
            self._automaton.make_automaton()

    def scan(self, phon: str) -> list[tuple[int, tuple]]:
        if not self._entries:
            return []
        return list(self._automaton.iter(phon))

    def plausible(self, folded: str, hits: Iterable[tuple[int, tuple]]) -> bool:
        """Whether any hit survives the first test of verification, its anchor's spelling, which
        needs no boundaries or offsets: 「这个」 shares 「咋个」's phonetic key but not its letters."""
        seen = _fuzzy_hits(hits)
        for end_index, values in hits:
            for kind, _, payload, extra in values:
                if kind != "pattern":
                    if seen[id(payload)] >= payload.min_hits:
                        return True
                    continue
                start = end_index - len(extra.norm) + 1
                if _mismatches(folded, start, extra.norm) <= extra.allowance:
                    return True
        return False

    def verify(self, text: NormalizedText, hits: Iterable[tuple[int, tuple]],
               failures: list[Failure] | None = None) -> list[Candidate]:
        """Candidates that pass verification; with `failures`, the anchor hits that did not, and why."""
        found: dict[tuple[int, int, int], Candidate] = {}
        fuzzy_done: set[tuple[int, int]] = set()
        hits = list(hits)
        seen = _fuzzy_hits(hits)
        for end_index, values in hits:
            for kind, rule, payload, extra in values:
                if kind == "pattern":
                    pattern, alternative = payload, extra
                    start = end_index - len(alternative.norm) + 1
                    reasons: list[str] | None = [] if failures is not None else None
                    match = pattern.match_at(text, alternative, start, reasons)
                    if match is None:
                        if failures is not None:
                            failures.append(Failure(rule, start, start + len(alternative.norm), reasons[0]))
                        continue
                    guessed = match.mismatches + match.placeholders
                    if guessed:
                        match_type, confidence = "phonetic", round(max(0.5, 0.85 - 0.1 * (guessed - 1)), 2)
                    elif pattern.is_literal:
                        match_type, confidence = "exact", 1.0
                    else:
                        match_type, confidence = "pattern", 0.95
                    candidate = Candidate(rule, match.start, match.end, match.spans, match_type, confidence)
                else:
                    phrase, offset = payload, extra
                    if seen[id(phrase)] < phrase.min_hits:
                        continue
                    anchor = end_index - SHINGLE + 1 - offset
                    if (id(phrase), anchor) in fuzzy_done:
                        continue
                    fuzzy_done.add((id(phrase), anchor))
                    candidate = _fuzzy_candidate(text, phrase, anchor)
                    if candidate is None:
                        if failures is not None:
                            failures.append(Failure(rule, max(0, anchor), min(len(text.norm), anchor + len(phrase.phon)),
                                                    f"fuzzy alignment below {phrase.threshold:g}"))
                        continue
                key = (candidate.rule, candidate.start, candidate.end)
                previous = found.get(key)
                if previous is None or candidate.confidence > previous.confidence:
                    found[key] = candidate
        return list(found.values())


def _fuzzy_hits(hits: Iterable[tuple[int, tuple]]) -> Counter[int]:
    """Shingle hits per fuzzy phrase (by identity) in one text."""
    return Counter(id(payload) for _, values in hits for kind, _, payload, _ in values if kind == "fuzzy")


def _fuzzy_candidate(text: NormalizedText, phrase: FuzzyPhrase, anchor: int) -> Candidate | None:
    length = len(phrase.phon)
    low = max(0, anchor - length // 2)
    high = min(len(text.phon), anchor + length + length // 2)
    window = text.phon[low:high]
    alignment = fuzz.partial_ratio_alignment(phrase.phon, window, score_cutoff=phrase.threshold)
    if alignment is None:
        return None
    if len(window) >= length:
        start, end = low + alignment.dest_start, low + alignment.dest_end
    else:  # partial_ratio aligned the window inside the phrase
        start, end = low, high
    # partial_ratio compares equal-length windows; an insertion pushes the phrase's last
    # characters out of its window, so let both edges move a little to the best full alignment.
    best = (fuzz.ratio(phrase.phon, text.phon[start:end]), end - start, start, end)
    for new_start in range(max(0, start - 2), start + 3):
        for new_end in range(max(new_start + 1, end - 2), min(len(text.phon), end + 2) + 1):
            score = fuzz.ratio(phrase.phon, text.phon[new_start:new_end])
            best = max(best, (score, new_end - new_start, new_start, new_end))
    score, _, start, end = best
    if score < phrase.threshold or end - start < 0.75 * length:
        return None
    return Candidate(phrase.rule, start, end, ((start, end),), "fuzzy", round(score / 100 * 0.9, 2))
