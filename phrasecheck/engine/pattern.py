"""One rule pattern bound to a normalizer, verified around an anchor hit.

The anchor element is found by the matcher's automaton; the other elements are looked for next to
it within their gap bounds, nearest first, in the phonetic text and then checked against the
folded spelling (a bounded number of homophones).  An element with many spellings (a word class,
regional forms) is searched with its own small automaton.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from ..lexicon.patterns import ElementSpec
from .automaton import KeyScanner
from .breaks import NO_BREAK
from .grams import first_characters
from .normalize import PLACEHOLDERS, NormalizedText, Normalizer
from .spellings import Alternative, Element, alternatives_of, count_mismatches, element_of, phonetic_allowance
from .words import frequency

try:
    from ._native import PatternVerifier, search_anchored
except ImportError:  # not compiled: `match_at` verifies in Python, `search` orders the places in Python
    PatternVerifier = search_anchored = None

if TYPE_CHECKING:
    from .presence import AnchorPresence

FULL_PINYIN = 4  # characters a match needs when fewer than two of them are as spelled
WHOLE_PINYIN = 3  # syllables a phrase needs to match when every character of it is typed in pinyin


@dataclass(slots=True)  # not frozen: as Candidate
class PatternMatch:
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]  # one (start, end) per matched element
    mismatches: int
    placeholders: int  # positions matched by a syllable typed in Latin letters


class CompiledPattern:
    """A parsed pattern bound to a normalizer; knows how to verify itself around an anchor."""

    _verifier = None  # the compiled `match_at`, built on its first call, not pickled (a class default: old pickles lack it)
    _anchor_starts = None  # what the compiled `search` finds the anchor's keys by, built on its first call, not pickled

    def __init__(self, specs: Sequence[ElementSpec], normalizer: Normalizer, phonetic: bool | str = True,
                 shared: dict | None = None):
        """`shared`: what patterns compiled against this normalizer already built (spellings,
        element indexes), so a word class named by many patterns is compiled once."""
        shared = {} if shared is None else shared
        elements = []
        for spec in specs:
            alternatives = [a for text in spec.alternatives for a in alternatives_of(text, normalizer, phonetic, shared)]
            elements.append(element_of(alternatives, spec, shared))
        self.elements: tuple[Element, ...] = tuple(elements)
        required = [i for i, e in enumerate(self.elements) if not e.optional]
        # Anchor the scan on the rarest required element, so common words (「这」「给您」) do
        # not send every text down the verification path.
        self.anchor = required[0] if len(required) == 1 else min(required, key=lambda i: (_commonness(self.elements[i]), i))
        self.is_literal = len(self.elements) == 1
        self._anchor_keys: KeyScanner | None = None  # built on the first `search` (contexts and frames only)
        self.presence: AnchorPresence | None = None  # which context patterns' anchors a text holds at all
        self.presence_bit = 0  # this pattern's bit in what `presence` answers
        # The keys of each other required element (not those searched by an index: too many to
        # test one by one): a match needs one of each somewhere in the text.
        self.other_sounds = tuple(tuple(dict.fromkeys(k for a in self.elements[i].alternatives for k in a.keys))
                             for i in required if i != self.anchor and self.elements[i].index is None)
        # The keys of the required elements right before and right after the anchor, each with the
        # gap it may leave: one of each must be heard within it (「不归」 then 「我管」).
        self.border_sounds = tuple(
            (tuple(dict.fromkeys(k for a in self.elements[i].alternatives for k in a.keys)), gap)
            if 0 <= i < len(self.elements) and not self.elements[i].optional else ((), 0)
            for i, gap in ((self.anchor - 1, self.elements[self.anchor].gap_before),
                           (self.anchor + 1, self.elements[self.anchor + 1].gap_before if self.anchor + 1 < len(self.elements) else 0)))
        # How far a match can stretch left of its anchor's start and right of its end: every gap
        # and every element at its longest (an optional one skipped hands its gap on).
        self.reach = (sum(self.elements[i + 1].gap_before + self.elements[i].longest for i in range(self.anchor)),
                       sum(e.gap_before + e.longest for e in self.elements[self.anchor + 1:]))

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_verifier": None, "_anchor_starts": None}

    def anchor_allowance(self, alternative: Alternative) -> int:
        """Homophones the anchor may hold in a match: its own allowance, but a pattern that is the
        anchor alone is also held to the whole match's (no homophone in two characters: 「这个」
        is never 「咋个」)."""
        if self.is_literal:
            return min(alternative.allowance, phonetic_allowance(len(alternative.norm)))
        return alternative.allowance

    def could_complete(self, phon: str) -> bool:
        """Whether every other required element's sound occurs somewhere in the text: what a hit
        of the anchor alone cannot be a match without (「不知道」 alone is not 「我不知道，找别人」)."""
        return all(any(key in phon for key in keys) for keys in self.other_sounds)

    def could_complete_near(self, phon: str, start: int, end: int) -> bool:
        """`could_complete` within the pattern's reach of an anchor at [start, end): in a long
        text the other words are somewhere, but rarely near."""
        low, high = start - self.reach[0], end + self.reach[1]
        if low <= 0 and high >= len(phon):
            return True  # the whole text: `could_complete` has answered
        low = max(0, low)
        return all(any(phon.find(key, low, high) >= 0 for key in keys) for keys in self.other_sounds)

    def heard_beside(self, phon: str, start: int, end: int) -> bool:
        """Whether the elements next to an anchor at [start, end) sound within their gaps of it
        (`border_sounds`): the test a verification fails most (an anchor word met without its
        neighbour, 「让开」 with no 「你」 before it)."""
        (before, before_gap), (after, after_gap) = self.border_sounds
        return ((not before or any(phon.find(key, max(0, start - before_gap - len(key)), start) >= 0 for key in before))
                and (not after or any(phon.find(key, end, end + after_gap + len(key)) >= 0 for key in after)))

    # -- verification ------------------------------------------------------------------------
    def match_at(self, text: NormalizedText, alternative: Alternative, start: int,
                 reasons: list[str] | None = None, typed_pinyin: bool = False) -> PatternMatch | None:
        """Verify a match whose anchor element is `alternative` at folded offset `start`; with
        `reasons`, say why a failed one failed (the explain trace).  `typed_pinyin` accepts any
        number of syllables typed in pinyin (a guard's 请 as qing), where a hit needs a phrase.
        Without `reasons`, the same steps compiled (`_verify.c`) where the install has them."""
        if reasons is None and PatternVerifier is not None:
            found = (self._verifier or self._built_verifier()).match(
                text.norm, text.phon, text.breaks, alternative.norm, alternative.allowance, start, typed_pinyin, bool(text.rewrite))
            return None if found is None else PatternMatch(*found)
        end = start + len(alternative.norm)
        anchor = self.elements[self.anchor]
        mismatches = count_mismatches(text.norm, start, alternative.norm)
        if mismatches > alternative.allowance:
            return fail(reasons, lambda: f"{text.norm[start:end]!r} sounds like {alternative.norm!r} but differs in {mismatches} characters")
        if not _breaks_ok(text, anchor, start, end):
            return fail(reasons, lambda: f"{alternative.norm!r} is not at the clause edge the pattern's ^/$ asks for")
        spans = [(start, end)]
        # Leftwards from the anchor.
        cursor = start
        gap = anchor.gap_before
        for index in range(self.anchor - 1, -1, -1):
            element = self.elements[index]
            found = _find_left(text, element, cursor - gap, cursor)
            if found is None:
                if not element.optional or not _skipped_breaks_ok(text, element, cursor):
                    return fail(reasons, lambda: _missing(element, index, "before", gap))
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
                    return fail(reasons, lambda: _missing(element, index, "after", gap))
                continue
            spans.append((found[0], found[1]))
            mismatches += found[2]
            cursor, gap = found[1], 0
        placeholders = sum(len(PLACEHOLDERS.findall(text.norm, s, e)) for s, e in spans) if text.rewrite else 0
        if mismatches or (placeholders and not typed_pinyin):
            problem = guess_problem(sum(e - s for s, e in spans), mismatches, placeholders)
            if problem:
                return fail(reasons, lambda: problem)
        return PatternMatch(spans[0][0], spans[-1][1], tuple(spans), mismatches, placeholders)

    def _built_verifier(self):
        parts = tuple((tuple((a.norm, a.keys, a.allowance) for a in element.alternatives), element.optional,
                       element.gap_before, element.break_before, element.break_after) for element in self.elements)
        self._verifier = PatternVerifier(parts, self.anchor, FULL_PINYIN, WHOLE_PINYIN)
        return self._verifier

    def _built_anchor_starts(self, scanner: KeyScanner) -> tuple:
        """The anchor's keys by their first characters (a `GramTable`, packed whole, and the keys
        starting with each), which `search_anchored` looks up in a window where a scan of the
        keys cost a call and a list: 0.43 → 0.1 µs a frame's window."""
        self._anchor_starts = (*first_characters(scanner.keys), scanner.keys)
        return self._anchor_starts

    def absent_from(self, text: NormalizedText) -> bool:
        """Whether the anchor is nowhere in the text, so that no search of it can match: known
        from one pass over the text for every context pattern's anchors (`presence.AnchorPresence`),
        False when unknown."""
        return self.presence is not None and not self.presence.anchored(text) & self.presence_bit

    def search(self, text: NormalizedText, low: int = 0, high: int | None = None, known: bool = False) -> list[PatternMatch]:
        """Every match whose anchor lies within [low, high), spelling by spelling, key by key, left
        to right: used for `unless` contexts and mention frames, which read a syllable typed in
        pinyin as its word (qing nin … is 请您 …).  The anchor's keys are found in one pass over the
        window (a context's anchor can have 80 keys: a `find` each was most of judging a flagged
        message): compiled, by their first characters (`_built_anchor_starts`), else by a scan.
        `known`: the caller has already asked the presence (`presence.Anchored.within`)."""
        if not known and self.absent_from(text):
            return []  # nine searches in ten
        high = len(text.phon) if high is None else high
        if search_anchored is not None:  # the same steps compiled (`_search.c`)
            verifier, starts, values = self.search_parts()
            return [PatternMatch(*found) for found in search_anchored(
                verifier, text.norm, text.phon, text.breaks, starts, values, low, high, bool(text.rewrite))]
        scanner = self._scanner()
        values = scanner.values
        found = sorted(((which, number, low + start, alternative) for key, start, _ in scanner.matches(text.phon[low:high])
                        for which, number, alternative in values[key]), key=_order)
        return [match for _, _, start, alternative in found
                if (match := self.match_at(text, alternative, start, typed_pinyin=True)) is not None]

    def search_parts(self) -> tuple:
        """What the compiled search reads besides the text: the verifier, the anchor's keys by
        their first characters, and each key's spellings (`search_anchored`, `_judge.c`)."""
        scanner = self._scanner()
        return (self._verifier or self._built_verifier(), self._anchor_starts or self._built_anchor_starts(scanner),
                scanner.values)

    def _scanner(self) -> KeyScanner:
        if self._anchor_keys is None:
            self._anchor_keys = KeyScanner(keys_of(self.elements[self.anchor]))
        return self._anchor_keys


def keys_of(element: Element) -> dict[str, tuple[tuple[int, int, Alternative], ...]]:
    """Each key of an element: which spelling (and which of its keys) it is."""
    table: dict[str, list[tuple[int, int, Alternative]]] = {}
    for which, alternative in enumerate(element.alternatives):
        for number, key in enumerate(alternative.keys):
            table.setdefault(key, []).append((which, number, alternative))
    return {key: tuple(values) for key, values in table.items()}


def _order(found: tuple) -> tuple[int, int, int]:
    return found[:3]


def guess_problem(matched: int, mismatches: int, placeholders: int) -> str | None:
    """Why a match with homophones or pinyin-typed syllables does not count, or None."""
    if mismatches > phonetic_allowance(matched):
        return f"{mismatches} homophone(s) in {matched} characters is more than allowed"
    # Two characters spelled as the literal spells them, a phrase of four or more with the rest in
    # pinyin (不gui wo guan), or one of three or more typed wholly in pinyin (ni ban sha): one or
    # two syllables alone (gun, sha) are too common.
    whole = placeholders == matched >= WHOLE_PINYIN
    if matched - mismatches - placeholders < 2 and (mismatches or not (matched >= FULL_PINYIN or whole)):
        return f"only {matched - mismatches - placeholders} of {matched} characters as written"
    return None


def fail(reasons: list[str] | None, reason: Callable[[], str]) -> None:
    """Record why a match failed, building the message only when someone asked (explain)."""
    if reasons is not None:
        reasons.append(reason())
    return None


def _missing(element: Element, index: int, side: str, gap: int) -> str:
    words = "|".join(a.norm for a in element.alternatives[:6]) + ("|…" if len(element.alternatives) > 6 else "")
    where = f"within {gap} characters {side}" if gap else f"right {side}"
    return f"element {index + 1} [{words}] not found {where} the anchor"


def _commonness(element: Element) -> int:
    return sum(frequency(a.norm) for a in element.alternatives)


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
                mismatches = count_mismatches(text.norm, position, alternative.norm)
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
                mismatches = count_mismatches(text.norm, position, alternative.norm)
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
    # A slice, not iter(text, low, high): pyahocorasick copies the whole string on every call.
    for end_index, (length, spelled) in element.index.iter(text.phon[window_low:window_high]):
        position = window_low + end_index - length + 1
        edge = position if right else position + length
        if not low <= edge <= high:
            continue
        for alternative in spelled:
            mismatches = count_mismatches(text.norm, position, alternative.norm)
            if mismatches <= alternative.allowance and _breaks_ok(text, element, position, position + length):
                rank = (position, -length) if right else (-(position + length), -length)
                if best is None or rank < best[0]:
                    best = (rank, (position, position + length, mismatches))
                break
    return best[1] if best else None
