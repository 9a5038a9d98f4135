"""Stage 3: decide which verified candidates are real violations.

A candidate survives when the rule applies to the speaker's role, the hit does not cut through a
word (jieba), it is not a quotation or reported speech, no `unless` context applies, and — for
`whole_utterance` rules — it covers most of the turn.  Overlapping survivors are reduced to the
most severe, most specific one, so one offence is never counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .match import Candidate, CompiledPattern
from .normalize import SENTENCE_BREAK, NormalizedText
from .rules import CompiledRule
from .words import tokenizer


@dataclass(frozen=True)
class JudgeContext:
    """Pack-wide judging settings: how quotation and reported speech look, and which particles
    jieba may glue onto the end of a hit (「看吧」) without the hit cutting through a word."""

    quote_pairs: tuple[str, ...]
    frames: tuple[CompiledPattern, ...]
    frame_reach: int
    particles: frozenset[str]


def clause_token_edges(text: NormalizedText, position: int, cache: dict[int, frozenset[int]]) -> frozenset[int]:
    """Word edges of the clause around `position`, from jieba's dictionary only.  Clause
    punctuation is gone from the folded text, so each clause is segmented on its own (「看，看完」
    is not the word 看看); jieba's HMM is off because it glues unknown single characters into
    pseudo-words (「名快」) that would hide real hits."""
    low, high = _region(text, min(position, len(text.norm) - 1), min(position + 1, len(text.norm)), 1)
    if low not in cache:
        edges = {low, high}
        for _, start, end in tokenizer().tokenize(text.norm[low:high], HMM=False):
            edges.add(low + start)
            edges.add(low + end)
        cache[low] = frozenset(edges)
    return cache[low]


def _latin_edge(text: NormalizedText, position: int) -> bool:
    """Whether `position` is at the edge of a Latin run, converted (sb → 傻逼) or not, or inside a
    run of one repeated letter: 「傻bbb」 folds to 「傻bb」, where jieba sees no edge after 「傻b」."""
    if position in text.edges:
        return True
    before, after = text.norm[position - 1 : position], text.norm[position : position + 1]
    return (before.isascii() and before.isalpha()) != (after.isascii() and after.isalpha()) or (
        before == after and before.isascii() and before.isalpha()
    )


def _on_word_edges(text: NormalizedText, candidate: Candidate, particles: frozenset[str], cache) -> bool:
    start, end = candidate.start, candidate.end
    if start not in clause_token_edges(text, start, cache) and not _latin_edge(text, start):
        return False
    if end == len(text.norm) or text.breaks[end]:
        return True
    return end in clause_token_edges(text, end - 1, cache) or text.norm[end] in particles or _latin_edge(text, end)


def quoted_ranges(text: str, pairs: Sequence[str]) -> list[tuple[int, int]]:
    ranges = []
    for pair in pairs:
        opening, closing = pair[0], pair[1]
        position = text.find(opening)
        while position != -1:
            close = text.find(closing, position + 1)
            if close == -1:
                ranges.append((position + 1, len(text)))  # unclosed quote runs to the end
                break
            ranges.append((position + 1, close))
            position = text.find(opening, close + 1)
    return ranges


def _region(text: NormalizedText, start: int, end: int, level: int) -> tuple[int, int]:
    """The clause (level 1) or sentence (level 2) around [start, end)."""
    low = start
    while low > 0 and text.breaks[low] < level:
        low -= 1
    high = end
    while high < len(text.norm) and text.breaks[high] < level:
        high += 1
    return low, high


def _unless_applies(text: NormalizedText, candidate: Candidate, pattern: CompiledPattern, scope: str) -> bool:
    start, end = candidate.start, candidate.end
    if scope == "hit":
        reach = 12
        for match in pattern.search(text, max(0, start - reach), min(len(text.norm), end + reach)):
            if match.start <= end and match.end >= start:
                return True
        return False
    if scope == "utterance":
        low, high = 0, len(text.norm)
    else:
        low, high = _region(text, start, end, 1 if scope == "clause" else SENTENCE_BREAK)
    return any(low <= m.start and m.end <= high for m in pattern.search(text, low, high))


def _is_mention(text: NormalizedText, candidate: Candidate, context: JudgeContext, quotes) -> bool:
    original_start, original_end = text.original_span(candidate.start, candidate.end)
    for low, high in quotes:
        if low <= original_start < high:
            return True
    start = candidate.start
    window_low = max(0, start - context.frame_reach - 8)
    for frame in context.frames:
        for match in frame.search(text, window_low, start):
            if match.end <= start and start - match.end <= context.frame_reach:
                if all(text.breaks[i] != SENTENCE_BREAK for i in range(match.end, start + 1)):
                    return True
    return False


def judge(
    candidates: Sequence[Candidate],
    text: NormalizedText,
    role: str,
    rules: Sequence[CompiledRule],
    context: JudgeContext,
    resolve_overlaps: bool = True,
) -> list[Candidate]:
    if not candidates:
        return []
    edges: dict[int, frozenset[int]] = {}
    quotes = quoted_ranges(text.original, context.quote_pairs)
    kept = []
    for candidate in candidates:  # cheapest tests first
        compiled = rules[candidate.rule]
        rule = compiled.rule
        if role not in rule.roles:
            continue
        coverage = rule.coverage
        if coverage is not None and (candidate.end - candidate.start) < coverage * len(text.norm):
            continue
        if any(_unless_applies(text, candidate, pattern, scope) for pattern, scope in compiled.unless):
            continue
        if _is_mention(text, candidate, context, quotes):
            continue
        if rule.boundary == "token" and not _on_word_edges(text, candidate, context.particles, edges):
            continue
        kept.append(candidate)
    return _without_overlaps(kept, rules) if resolve_overlaps else kept


def _without_overlaps(candidates: list[Candidate], rules: Sequence[CompiledRule]) -> list[Candidate]:
    ordered = sorted(
        candidates,
        key=lambda c: (-rules[c.rule].rank, -rules[c.rule].depth, -(c.end - c.start), -c.confidence, c.start),
    )
    chosen: list[Candidate] = []
    for candidate in ordered:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.start)

