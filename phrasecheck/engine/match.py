"""Stage 2: find candidate matches with one Aho–Corasick pass, then verify them.

Every phrase and every pattern's *anchor* element (its rarest required element) goes into one
automaton keyed by phonetic class, so exact spellings and ASR homophones are found by the same
scan.  A hit is then verified (`pattern.CompiledPattern.match_at`): identical characters make an
`exact` (or `pattern`) match, a bounded number of differing-but-homophone characters a `phonetic`
one.  Long phrases of rules that ask for it are also verified by edit-distance alignment
(`fuzzy`), triggered by the phrase's three-character shingles.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

import ahocorasick
from rapidfuzz import fuzz

from .automaton import KeyScanner
from .hits import COMPILED, FirstTests
from .normalize import NormalizedText, Normalizer
from .pattern import CompiledPattern, PatternMatch
from .spellings import count_mismatches
from .tables import PLACEHOLDERS
from .wordlist import CompiledList, code_units

try:
    from ._native import told_candidates
except ImportError:  # not compiled: verify builds every candidate in Python
    told_candidates = None

SHINGLE = 3
LONG_PHRASE_SHINGLES = 8
# A phonetic match's confidence by the characters it guessed (homophones, placeholders): 1, 2, … 5 or more.
GUESSED_CONFIDENCE = tuple(round(max(0.5, 0.85 - 0.1 * (guessed - 1)), 2) for guessed in range(1, 6))


@dataclass(slots=True)  # not frozen: built for every hit, and frozen init costs a setattr per field
class Candidate:
    rule: int  # index into the checker's rule list
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]
    match_type: str  # exact | pattern | phonetic | fuzzy | model
    confidence: float
    entry: int | None = None  # the house-list entry that matched: its index in the rule's `CompiledList`


@dataclass(frozen=True, slots=True)
class Failure:
    """An anchor hit that verification rejected (for the explain trace)."""

    rule: int
    start: int
    end: int
    reason: str
    stage: str = "verify"  # or "model": a sentence the category model scored below its threshold


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
        self._entries: dict[str, list[tuple]] = {}  # phonetic key → what it may be a hit of
        self._spelled: dict[str, list[tuple]] = {}  # code units of a spelling → exact house-list entries
        self._scanner: KeyScanner[tuple] = KeyScanner({})
        self._first_tests: FirstTests | None = None
        # Each spelling's index, whose entries are [first[i], first[i + 1]) of the arrays of rules
        # and entries: an automaton of ints and arrays of ints pickle and load in a tenth of the
        # time of 65,000 tuples (0.03 s, not 0.33 s); a hit's tuples are made when it is found.
        self._spelled_automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._spelled_first, self._spelled_rules, self._spelled_entries = array("i", [0]), array("i"), array("i")
        self._spelled_lists: dict[int, CompiledList] = {}  # rule → its list
        self.pattern_count = 0

    def add_pattern(self, rule: int, pattern: CompiledPattern) -> None:
        self.pattern_count += 1
        for alternative in pattern.elements[pattern.anchor].alternatives:
            for key in alternative.keys:
                self._entries.setdefault(key, []).append(("pattern", rule, pattern, alternative))

    def add_entries(self, rule: int, words: CompiledList) -> None:
        """A house list's entries: keyed by their phonetic forms when the rule asks for homophones,
        else by their spelling in an automaton of their own (see `wordlist.code_units`)."""
        table = self._entries if words.phonetic else self._spelled
        for entry, keys in enumerate(words.keys):
            for key in keys:
                value = ("entry", rule, words, entry)
                found = table.get(key)
                if found is None:
                    table[key] = [value]
                else:
                    found.append(value)

    def add_fuzzy(self, rule: int, norm: str, normalizer: Normalizer, threshold: float) -> None:
        phrase = FuzzyPhrase(rule, normalizer.phonetic(norm), threshold)
        for offset in range(len(phrase.phon) - SHINGLE + 1):
            shingle = phrase.phon[offset : offset + SHINGLE]
            self._entries.setdefault(shingle, []).append(("fuzzy", rule, phrase, offset))

    def finish(self) -> None:
        self._scanner = KeyScanner({key: tuple(values) for key, values in self._entries.items()}, units=True)
        self._entries = {}  # the scanner holds them now
        self._first_tests = FirstTests(self._scanner.keys, self._scanner.values)
        for index, (key, values) in enumerate(self._spelled.items()):
            self._spelled_automaton.add_word(key, index)
            for _, rule, words, entry in values:
                self._spelled_lists[rule] = words
                self._spelled_rules.append(rule)
                self._spelled_entries.append(entry)
            self._spelled_first.append(len(self._spelled_rules))
        self._spelled = {}  # the automaton and the arrays hold them now
        if self._spelled_lists:
            self._spelled_automaton.make_automaton()

    def scan(self, phon: str, folded: str) -> list[tuple[int, tuple]]:
        """Hits by end offset: phonetic keys in `phon`, exact list entries in `folded` (the two
        are aligned character for character)."""
        hits = self._scanner.hits(phon)
        if self._spelled_lists:  # a code-unit match ending inside a character is no match
            hits += [(end >> 1, self._spelled_values(index)) for end, index in self._spelled_automaton.iter(code_units(folded))
                     if end & 1]
        return hits

    def _spelled_values(self, index: int) -> tuple:
        """The ("entry", rule, list, entry) values of spelling `index`, as the scanner's values are."""
        rules, entries, lists = self._spelled_rules, self._spelled_entries, self._spelled_lists
        return tuple(("entry", rules[i], lists[rules[i]], entries[i])
                     for i in range(self._spelled_first[index], self._spelled_first[index + 1]))

    def find(self, phon: str, folded: str) -> list[tuple[int, tuple]]:
        """The hits of a text that pass the first tests (`scan`, then `plausible`), tested in C
        where the install compiled the extension and the lexicon has no list spelled apart."""
        if COMPILED and not self._spelled_lists:
            automaton = self._scanner.compiled()
            if automaton is not None:
                return self._first_tests.find(phon, folded, automaton)
            return self._first_tests.plausible(folded, phon, self._scanner.matches(phon))
        hits = self.scan(phon, folded)
        return self.plausible(folded, phon, hits) if hits else []

    def compiled_find(self) -> tuple[Callable, tuple] | None:
        """`find` as one compiled call and its arguments after (phon, folded), for `PlainCheck`:
        the first tests over the compiled automaton's hits; `find` itself and none where a list is
        spelled apart (its scan and tests are Python's) or the keys are not compiled; None where
        nothing is."""
        if not COMPILED:
            return None
        automaton = None if self._spelled_lists else self._scanner.compiled()
        if automaton is None:
            return self.find, ()
        return self._first_tests.compiled(), (automaton,)

    def plausible(self, folded: str, phon: str, hits: Iterable[tuple[int, tuple]]) -> list[tuple[int, tuple]]:
        """The hits, each with only what survives the first tests of verification, which need no
        boundaries: its anchor's spelling (「这个」 shares 「咋个」's phonetic key but not its
        letters), and the sound of the pattern's other required elements somewhere in the text,
        then within the pattern's reach of the anchor, and for the elements next to the anchor
        within their gaps of it.  Each test is one `verify` would fail it
        on, so verifying these finds what verifying all would; fuzzy shingles are all kept (their
        count is a test).  Most hits fall here."""
        completes: dict[int, bool] = {}  # per pattern: each answer scans the text, so once per text
        # Without a syllable typed in pinyin (a placeholder matches any letter), a spelling that is
        # not the anchor's has a mismatch, which most anchors (two-character words) cannot allow.
        typed = PLACEHOLDERS.search(folded) is not None
        kept = []
        for end_index, values in hits:
            survivors = []
            for value in values:
                kind, _, payload, extra = value
                if kind == "pattern":
                    start = end_index - len(extra.norm) + 1
                    if folded.startswith(extra.norm, start) or (
                            (typed or payload.anchor_allowance(extra))
                            and count_mismatches(folded, start, extra.norm) <= payload.anchor_allowance(extra)):
                        known = completes.get(id(payload))
                        if known is None:
                            known = completes[id(payload)] = payload.could_complete(phon)
                        if (known and payload.could_complete_near(phon, start, end_index + 1)
                                and payload.heard_beside(phon, start, end_index + 1)):
                            survivors.append(value)
                elif kind == "entry":
                    norm = payload.norms[extra]
                    start = end_index - len(norm) + 1
                    if folded.startswith(norm, start) or (
                            payload.phonetic and count_mismatches(folded, start, norm) <= payload.allowance(extra)):
                        survivors.append(value)
                else:
                    survivors.append(value)
            if survivors:
                kept.append((end_index, values if len(survivors) == len(values) else tuple(survivors)))
        if kept and all(kind == "fuzzy" for _, values in kept for kind, _, _, _ in values):
            seen = _fuzzy_hits(kept)
            if not any(seen[id(payload)] >= payload.min_hits for _, values in kept for _, _, payload, _ in values):
                return []  # no fuzzy phrase has the shingles it needs
        return kept

    def verify(self, text: NormalizedText, hits: Iterable[tuple[int, tuple]],
               failures: list[Failure] | None = None, verified: list | None = None) -> list[Candidate]:
        """Candidates that pass verification; with `failures`, the anchor hits that did not, and why.
        `verified`: what the plain check's verification found for each value of the hits, in
        order (`_native.verified_hits`: a pattern's match, None, or Ellipsis where not told)."""
        hits = list(hits)
        if verified is not None and failures is None and told_candidates is not None:
            made = told_candidates(hits, verified, Candidate, GUESSED_CONFIDENCE, _fuzzy_candidate, text, SHINGLE)
            if made is not None:  # every value told by the plain check or fuzzy: no Python loop over them
                return made
        found: dict[tuple[int, int, int], Candidate] = {}
        fuzzy_done: set[tuple[int, int]] = set()
        seen = None
        told = iter(verified or ())
        for end_index, values in hits:
            for kind, rule, payload, extra in values:
                match = next(told, Ellipsis)
                if kind != "fuzzy":
                    reasons: list[str] | None = [] if failures is not None else None
                    if kind == "pattern":
                        length, literal, entry = len(extra.norm), payload.is_literal, None
                    else:  # a house-list entry: a literal
                        norm = payload.norms[extra]
                        length, literal, entry = len(norm), True, extra
                        if not (payload.phonetic or text.norm.startswith(norm, end_index - length + 1)):
                            continue  # beyond the BMP, code units found a character that is not the entry's
                    start = end_index - length + 1
                    if match is Ellipsis:
                        match = payload.match_at(text, extra, start, reasons)
                    elif match is not None:
                        match = PatternMatch(*match)
                    if match is None:
                        if failures is not None:
                            failures.append(Failure(rule, start, start + length, reasons[0]))
                        continue
                    guessed = match.mismatches + match.placeholders
                    if guessed:
                        match_type, confidence = "phonetic", GUESSED_CONFIDENCE[min(guessed, len(GUESSED_CONFIDENCE)) - 1]
                    elif literal:
                        match_type, confidence = "exact", 1.0
                    else:
                        match_type, confidence = "pattern", 0.95
                    candidate = Candidate(rule, match.start, match.end, match.spans, match_type, confidence, entry)
                else:
                    phrase, offset = payload, extra
                    seen = seen or _fuzzy_hits(hits)
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
