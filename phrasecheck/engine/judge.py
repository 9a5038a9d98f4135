"""Stage 3: decide which verified candidates are real violations.

A candidate survives when the rule applies to the speaker's role, it covers enough of its
sentence (`whole_utterance`), no `unless` context applies, it is not a quotation or reported
speech, and it does not cut through a word (jieba).  Every guard looks at the clause or sentence
that holds the hit, never at the whole message by default: a 您 three sentences away does not make
a curt line polite.  Overlapping survivors are reduced to the most severe, most specific one, so
one offence is never counted twice.  With a trace, each decision is recorded with its reason.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Sequence

from .match import Candidate
from .breaks import CLAUSE_BREAK, NO_BREAK, SENTENCE_BREAK
from .normalize import NormalizedText
from .pattern import CompiledPattern
from .quotes import Quotes, quoting
from .regions import (AFTER_SPEECH_VERB, INERT_REACH, LONG_CLAUSE_REACH, LONG_SENTENCE, LONG_SENTENCE_REACH, REPORT_END_REACH,
                      SPACED_REPORT_REACH, JudgeContext, JudgeText, Regions)
from .wrapping import word_spaced
from .rules import CompiledRule
from .words import word_ends

UNLESS_HIT_REACH = 12  # folded characters around a hit that a `scope: hit` context may start in
FRAME_WINDOW = 8  # characters before a frame's reach of a hit where the frame's own words may start
LEVELS = {"clause": CLAUSE_BREAK, "sentence": SENTENCE_BREAK}
_SCOPES = {"hit": 0, "clause": 1, "sentence": 2, "utterance": 3}  # as `_judge.c` numbers them


@dataclass(frozen=True, slots=True)
class Decision:
    """What the judge did with one candidate, for the explain trace."""

    candidate: Candidate
    kept: bool
    stage: str  # role | coverage | unless | quotation | frame | word_edge | overlap | kept
    reason: str


def word_edge_problem(regions: Regions, candidate: Candidate, particles: frozenset[str]) -> str | None:
    """Why the hit cuts through a word, or None.  The start must be a word edge (「着急什么」 holds
    no 急什么).  The end may also fall inside a dictionary word that *begins* with the hit's last
    element of two or more characters: the element was said and the dictionary merely glued more
    to it (「白痴客户」, 「神经病人」), unlike 「下一个月」, whose word 一个月 starts inside 下一个."""
    text = regions.text
    start, end = candidate.start, candidate.end
    # A clause's edge is a word's (the clause is segmented from it): a model's sentence and a hit
    # opening a clause need no segmenting there.
    at_edge = start == 0 or text.breaks[start] != NO_BREAK
    if not at_edge and not _listed(regions.token_edges(start), start) and not _latin_edge(text, start):
        return f"starts inside a word at {text.norm[max(0, start - 2):start + 2]!r}"
    if end == regions.length or text.breaks[end] or text.norm[end] in particles or _latin_edge(text, end):
        return None
    edges = regions.token_edges(end - 1)
    if _listed(edges, end):
        return None
    last_start = candidate.spans[-1][0]
    word_start = edges[bisect_left(edges, end) - 1]
    if word_start == last_start and end - last_start >= 2:
        return None
    return f"ends inside a word at {text.norm[max(0, end - 2):end + 2]!r}"


def _listed(ordered: list[int], value: int) -> bool:
    index = bisect_left(ordered, value)
    return index < len(ordered) and ordered[index] == value


def _latin_edge(text: NormalizedText, position: int) -> bool:
    """Whether `position` is at the edge of a Latin run, converted (sb → 傻逼) or not, or inside a
    run of one repeated letter: 「傻bbb」 folds to 「傻bb」, where jieba sees no edge after 「傻b」."""
    if position in text.edges:
        return True
    before, after = text.norm[position - 1 : position], text.norm[position : position + 1]
    return (before.isascii() and before.isalpha()) != (after.isascii() and after.isalpha()) or (
        before == after and before.isascii() and before.isalpha()
    )


def _unless_problem(regions: Regions, candidate: Candidate, pattern: CompiledPattern, scope: str,
                    context: JudgeContext, reach: int | None = None) -> str | None:
    text, start, end = regions.text, candidate.start, candidate.end
    if scope == "hit":  # touching the hit, and never across the sentence that holds it, nor across a clause's edge
        low, high = regions.around(start, end, SENTENCE_BREAK)
        low, high = max(low, start - UNLESS_HIT_REACH), min(high, end + UNLESS_HIT_REACH)
        found = next((m for m in pattern.search(text, low, high, True) if m.start <= end and m.end >= start and low <= m.start
                      and m.end <= high and not regions.crosses(m.start, m.end, CLAUSE_BREAK)
                      and regions.excuses(m, context)), None)
    else:
        low, high = (0, regions.length) if scope == "utterance" else regions.guarded(start, end, LEVELS[scope], reach)
        found = regions.first_within(pattern, low, high, context)
    if found is None:
        return None
    return f"unless ({scope}): {text.norm[found.start:found.end]!r}"


_START = attrgetter("start")


def _frame_problem(regions: Regions, candidate: Candidate, context: JudgeContext) -> str | None:
    """Reported speech covers the clause the frame ends in (「您说柜员讲结账了不能办」), or the
    next clause when the frame closes its own (「您刚才说：不归我管…」); never the agent's own
    clauses after it (「您说得对，可这事不归我管」)."""
    text, start = regions.text, candidate.start
    window_low = max(0, start - context.frame_reach - FRAME_WINDOW)
    for match in regions.frames_within(context, window_low, start):
        if match.end > start or start - match.end > context.frame_reach:
            continue
        if regions.crosses(match.start, match.end, SENTENCE_BREAK):
            continue  # 「…通知您。回单…」 is no frame: its words lie in two sentences
        if start < regions.reported_end(match.end, context.report_ends):
            return f"reported speech after {text.norm[match.start:match.end]!r}"
    return None


def judge(
    candidates: Sequence[Candidate],
    text: NormalizedText,
    role: str,
    rules: Sequence[CompiledRule],
    context: JudgeContext,
    resolve_overlaps: bool = True,
    trace: list[Decision] | None = None,
    regions: Regions | None = None,
    model_hits: Sequence[Candidate] = (),
) -> list[Candidate]:
    """The candidates that are violations, then the category model's `model_hits` that are and
    overlap none of them (the model speaks only for sentences no pattern already flagged), by
    start; `regions`, when given, are those of a draft of `text` with the same folded text and
    boundaries (its word edges already segmented)."""
    if not candidates and not model_hits:
        return []
    if regions is None:
        regions = Regions(text)
    else:
        regions.text = text  # the same folded text, now with offsets
    if trace is None and resolve_overlaps:  # in one ranking, every pattern's hit before the model's (`_ranked`)
        listed = [*candidates, *model_hits]
        if context.compiled is not None:  # every guard compiled but quotation, asked in Python where the text quotes
            judged = regions.judged(context)
            if quoting(text.original, context.quote_pairs):
                quotes = regions.quotes(context.quote_pairs)
                return judged.chosen(listed, role, partial(_quotation_drops, regions, quotes, context))
            return judged.chosen(listed, role)
        return _judged_by_rank(listed, regions, role, rules, context, regions.quotes(context.quote_pairs))
    quotes = regions.quotes(context.quote_pairs)
    kept = _judged_each(candidates, regions, role, rules, context, quotes, resolve_overlaps, trace)
    if model_hits:
        kept = sorted([*kept, *_judged_each(_unclaimed(model_hits, kept), regions, role, rules, context, quotes,
                                            resolve_overlaps, trace)], key=_START)
    return kept


def _judged_each(candidates: Sequence[Candidate], regions: Regions, role: str, rules: Sequence[CompiledRule],
                 context: JudgeContext, quotes: Quotes, resolve_overlaps: bool,
                 trace: list[Decision] | None) -> list[Candidate]:
    """`judge`, each candidate through every guard, for the explain trace's reasons (`trace`)."""
    kept = []
    for candidate in candidates:  # cheapest tests first
        stage, reason = _first_problem(candidate, regions, role, rules[candidate.rule], context, quotes)
        if trace is not None:
            trace.append(Decision(candidate, stage is None, stage or "kept", reason or "every guard passed"))
        if stage is None:
            kept.append(candidate)
    if not resolve_overlaps:
        return kept
    chosen = _without_overlaps(kept, rules)
    if trace is not None:
        decided = {id(d.candidate): i for i, d in enumerate(trace)}
        survivors = {id(c) for c in chosen}
        for candidate in kept:
            if id(candidate) not in survivors:
                winner = next(c for c in chosen if c.start < candidate.end and candidate.start < c.end)
                index = decided[id(candidate)]
                why = ("a longer or surer hit of the same rule covers it" if winner.rule == candidate.rule
                       else f"overlaps {rules[winner.rule].id}, which is more severe or more specific")
                trace[index] = Decision(candidate, False, "overlap", why)
    return chosen


def _unclaimed(hits: Sequence[Candidate], kept: Sequence[Candidate]) -> list[Candidate]:
    """The hits overlapping none of `kept`, each found by bisection: a long call gives both lists
    a hit per few clauses, and holding each against all the others was quadratic."""
    claimed = sorted((k.start, k.end) for k in kept)
    starts = [start for start, _ in claimed]
    reach = list(itertools.accumulate((end for _, end in claimed), max))  # the furthest end so far
    unclaimed = []
    for hit in hits:
        before = bisect_left(starts, hit.end)  # the kept hits starting before this one ends
        if not before or reach[before - 1] <= hit.start:
            unclaimed.append(hit)
    return unclaimed


def _judged_by_rank(candidates, regions: Regions, role: str, rules: Sequence[CompiledRule], context: JudgeContext,
                    quotes: Quotes) -> list[Candidate]:
    """What `_without_overlaps` keeps of the judged candidates, judging only the ones it can keep:
    in rank order, a candidate overlapping one already chosen would lose to it whatever its guards
    say, so it is not judged (several rules hitting one phrase cost one judging, not one each).
    Where the extension is built, `JudgeText.chosen` (`_judge_rank.c`) does the same in one call,
    each guard compiled but quotation (`_quotation_drops`)."""
    chosen = _Chosen()
    for candidate in _ranked(candidates, rules):
        if not chosen.overlaps(candidate) and _first_problem(candidate, regions, role, rules[candidate.rule], context,
                                                             quotes)[0] is None:
            chosen.add(candidate)
    return chosen.hits


def compiled_guards(rules: Sequence[CompiledRule], context: JudgeContext) -> tuple | None:
    """What the compiled guards (`_judge.c`) read besides the text, built once per checker: each
    rule's coverage, word-edge test, `unless` contexts (for a pattern's hit, then a model's),
    roles and ranking (`CompiledRule.ranking`), the pack's judge settings (`JudgeContext`), the
    reaches they are read within and the contexts' presence pass (`AnchorPresence.compiled`);
    None where the extension is not compiled."""
    if JudgeText is None:
        return None

    def searched(bit: int, pattern: CompiledPattern) -> tuple:
        return (bit.bit_length() - 1 if bit > 0 else -1, *pattern.search_parts())

    def unless(contexts, guards) -> tuple | None:
        return (contexts.mask < 0, tuple((*searched(bit, pattern), _SCOPES[scope], reach or 0)
                                         for bit, pattern, scope, reach in guards)) if guards else None

    def anywhere(patterns) -> tuple | None:
        return (patterns.mask < 0, tuple(searched(patterns.bit(p), p) for p in patterns)) if patterns else None

    reaches = (UNLESS_HIT_REACH, LONG_SENTENCE, LONG_SENTENCE_REACH, LONG_CLAUSE_REACH, SPACED_REPORT_REACH, INERT_REACH,
               REPORT_END_REACH, FRAME_WINDOW)  # as `_judge.h` numbers them (REACH_*)
    return (tuple((c.rule.coverage, c.rule.boundary == "token", *(unless(*g) for g in c.guards), c.rule.roles, *c.ranking)
                  for c in rules),
            anywhere(context.not_excusing), frozenset(ord(p) for p in context.particles if len(p) == 1), word_ends,
            anywhere(context.frames), anywhere(context.mentions), anywhere(context.not_reported),
            anywhere(context.report_ends), context.frame_reach, context.rescore, word_spaced, reaches, AFTER_SPEECH_VERB,
            context.frames.presence.compiled() if context.frames.presence is not None else None)


def _first_problem(candidate, regions: Regions, role: str, compiled: CompiledRule, context: JudgeContext, quotes):
    rule = compiled.rule
    if role not in rule.roles:
        return "role", f"the rule applies to {', '.join(rule.roles)}, not {role}"
    coverage = rule.coverage
    if coverage is not None:
        share = regions.covered_share(candidate.start, candidate.end)
        if share < coverage:
            return "coverage", f"covers {share:.0%} of its sentence, the rule needs {coverage:.0%}"
    contexts, guards = compiled.guards[candidate.match_type == "model"]
    live = contexts.live(regions.text)  # `CompiledPattern.absent_from` for all of them at once
    if live:
        for bit, pattern, scope, reach in guards:
            if live & bit:
                reason = _unless_problem(regions, candidate, pattern, scope, context, reach)
                if reason:
                    return "unless", reason
    quoting = quotes.found  # most texts quote nothing, and report nothing: their tests are skipped
    if quoting and _quoted(candidate, regions, quotes):
        return "quotation", "inside quotation marks"
    mention = regions.mention(context) if context.mentions else None
    if mention is not None:
        return "quotation", f"the message talks about what may be said ({regions.text.norm[mention.start:mention.end]!r})"
    if quoting:
        reason = _quoting_sentence(candidate, regions, quotes, context)
        if reason:
            return "quotation", reason
    if regions.matching_frames(context):
        if candidate.match_type == "model" and regions.frames_within(context, candidate.start, candidate.end) and not (
                context.rescore and context.rescore(_unreported(regions, candidate, context))):
            return "frame", "the sentence reports someone's words, and without them it scores below the threshold"
        reason = _frame_problem(regions, candidate, context)
        if reason:
            return "frame", reason
    if rule.boundary == "token":
        reason = word_edge_problem(regions, candidate, context.particles)
        if reason:
            return "word_edge", reason
    return None, None


def _quoted(candidate: Candidate, regions: Regions, quotes: Quotes) -> bool:
    """Whether the hit starts inside quotation marks, or a pattern's hit ends where a quoted stretch
    that can be speech does (「柜员对您说“这事别问我”」)."""
    start, end = regions.text.original_span(candidate.start, candidate.end)
    return quotes.holds(start) or (candidate.match_type != "model" and quotes.speech_touches(end - 1, end))


def _quoting_sentence(candidate: Candidate, regions: Regions, quotes: Quotes, context: JudgeContext) -> str | None:
    """Why a model's sentence that quotes someone is not the agent's own violation, or None: a
    model scores the whole sentence and cannot tell whose words a quote holds."""
    if candidate.match_type != "model" or not quotes.speech_touches(*regions.text.original_span(candidate.start, candidate.end)):
        return None
    topic = _quote_topic(regions, candidate, quotes, context)
    if topic:
        return f"the sentence talks about the words it quotes ({topic!r})"
    if not (context.rescore and context.rescore(_unquoted(regions, candidate, quotes))):
        return "the sentence quotes someone, and without the quoted words it scores below the threshold"
    return None


def _quotation_drops(regions: Regions, quotes: Quotes, context: JudgeContext, candidate: Candidate) -> bool:
    """The quotation guards of `_first_problem`, asked by `JudgeText.chosen` of a candidate of a text
    that quotes once every compiled guard has passed it."""
    return _quoted(candidate, regions, quotes) or _quoting_sentence(candidate, regions, quotes, context) is not None


def _unquoted(regions: Regions, candidate: Candidate, quotes: Quotes) -> str:
    """The model's sentence without the words inside quotation marks, whose speaker it cannot tell:
    「您能不能别一直问“好了没有”」 is impatient in the agent's own words."""
    text = regions.text
    return "".join([text.norm[i] for i in range(candidate.start, candidate.end) if not quotes.holds(text.original_span(i, i + 1)[0])])


def _quote_topic(regions: Regions, candidate: Candidate, quotes: Quotes, context: JudgeContext) -> str | None:
    """A `judge.quote_talk` word right beside a quotation in the model's sentence: 「“这人素质真差”这种话
    也不能说」 and 「不能说“找别人”」 talk about the quoted words, whatever the rest scores."""
    text = regions.text
    for pattern in context.quote_talk.within(text):
        for match in pattern.search(text, candidate.start, candidate.end, True):
            if quotes.beside(*text.original_span(match.start, match.end)):
                return text.norm[match.start:match.end]
    return None


def _unreported(regions: Regions, candidate: Candidate, context: JudgeContext) -> str:
    """What the model's sentence says after the last clause a frame reports (`Regions.reported_end`):
    「您说要去投诉，随便您，投了我们也不怕」 answers the customer in its own words."""
    after = max([candidate.start, *(regions.reported_end(match.end, context.report_ends)
                                    for match in regions.frames_within(context, candidate.start, candidate.end))])
    return regions.text.norm[after:candidate.end]


def _ranked(candidates: Sequence[Candidate], rules: Sequence[CompiledRule]) -> list[Candidate]:
    """A pattern's hit before the category model's (`judge`); then the most severe first; at one
    severity a rule's own hit before a house-list entry (the rule says why and what to say
    instead, the list only names the word), the most specific pack, a rule for an explicit 禁止说
    pair (its own standard line) before a category family, then the longest and surest hit."""
    def key(c: Candidate) -> tuple:
        severity, depth, generic = rules[c.rule].ranking
        return (c.match_type == "model", severity, c.entry is not None, depth, generic, -(c.end - c.start),
                -c.confidence, c.start)
    return sorted(candidates, key=key)


class _Chosen:
    """Hits chosen so far, which never overlap: kept sorted by start, only the neighbours of a
    newcomer can collide with it (linear in the hits, where comparing with every one was quadratic)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self.hits: list[Candidate] = []

    def overlaps(self, candidate: Candidate) -> bool:
        index = bisect_left(self._starts, candidate.start)
        return (index > 0 and self.hits[index - 1].end > candidate.start) or (
            index < len(self.hits) and self.hits[index].start < candidate.end)

    def add(self, candidate: Candidate) -> None:
        index = bisect_left(self._starts, candidate.start)
        self._starts.insert(index, candidate.start)
        self.hits.insert(index, candidate)


def _without_overlaps(candidates: list[Candidate], rules: Sequence[CompiledRule]) -> list[Candidate]:
    """The best-ranked hit of each overlapping group (`_ranked`)."""
    chosen = _Chosen()
    for candidate in _ranked(candidates, rules):
        if not chosen.overlaps(candidate):
            chosen.add(candidate)
    return chosen.hits
