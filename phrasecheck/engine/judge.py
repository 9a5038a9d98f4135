"""Stage 3: decide which verified candidates are real violations.

A candidate survives when the rule applies to the speaker's role, it covers enough of its
sentence (`whole_utterance`), no `unless` context applies, it is not a quotation or reported
speech, and it does not cut through a word (jieba).  Every guard looks at the clause or sentence
that holds the hit, never at the whole message by default: a 您 three sentences away does not make
a curt line polite.  Overlapping survivors are reduced to the most severe, most specific one, so
one offence is never counted twice.  With a trace, each decision is recorded with its reason.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Callable, Sequence

from .match import Candidate
from .pattern import CompiledPattern, PatternMatch
from .normalize import CLAUSE_BREAK, SENTENCE_BREAK, NormalizedText, word_spaced
from .rules import CompiledRule
from .quotes import Quotes
from .words import word_ends

UNLESS_HIT_REACH = 12  # folded characters around a hit that a `scope: hit` context may start in
LEVELS = {"clause": CLAUSE_BREAK, "sentence": SENTENCE_BREAK}
# A sentence or clause this long (folded characters) is a call transcribed without stops (or with
# no pause the folding can see, 「这 个 是 您 自己 的 问题」): for an `unless` context it is only
# what lies near the hit, so the 「请问有什么可以帮您」 that opens a call does not excuse
# 「你找别人问吧」 at its end.  Such a sentence counts its clauses within LONG_SENTENCE_REACH
# characters of the hit (a reach of 10 let a refusal through whose offer of help came three
# clauses later), only the characters within it where a clause is itself that long; such a
# clause counts the characters within LONG_CLAUSE_REACH.
LONG_SENTENCE, LONG_SENTENCE_REACH, LONG_CLAUSE_REACH = 60, 20, 10
_EDGES = tuple((level, re.compile(b"[%c-\x02]" % level)) for level in (CLAUSE_BREAK, SENTENCE_BREAK))  # breaks ≥ level
# In a call spaced word by word no pause shows where the customer's words an agent reports end:
# an agent sums them up in a few (「您说 亏了 当初 买的 时候 干嘛 去了 没脑子 吗」) and goes on in its own.
SPACED_REPORT_REACH = 8
_INERT_REACH = 16  # characters past a window where words reporting nothing may still hold a frame met in it
_AFTER_SPEECH_VERB = "的了过是啊呀呢嘛吧哦"  # 「跟您说的 …」: a clause ending in these after its frame reports the next


@dataclass(frozen=True)
class JudgeContext:
    """Pack-wide judging settings: how quotation and reported speech look, and which particles
    jieba may glue onto the end of a hit (「看吧」) without the hit cutting through a word."""

    quote_pairs: tuple[str, ...]
    frames: tuple[CompiledPattern, ...]
    frame_reach: int
    particles: frozenset[str]
    not_reported: tuple[CompiledPattern, ...] = ()  # 「您说得对」, 「跟您讲清楚」, 说明书 hold a frame's words but report nothing
    not_excusing: tuple[CompiledPattern, ...] = ()  # 您好, 谢谢您 hold a courtesy word but excuse nothing
    mentions: tuple[CompiledPattern, ...] = ()  # 服务禁语, 考试题: the message talks about what may be said
    rescore: Callable[[str], bool] | None = None  # the model on folded text: does it still reach its threshold?

    def frames_within(self, text: NormalizedText, low: int, high: int):
        """Frame matches starting in [low, high), except those whose verb or speaker lies in words
        that report nothing (「您自己把验证码告诉别人」, 「感谢您的耐心，跟您…」; looked for only once
        a frame is met: most windows hold none).  Those words are looked for a little past `high`:
        a frame met at the window's edge ends past it, and so do the words around its verb
        (「您好，跟您说不清楚」)."""
        inert = None
        for frame in self.frames:
            for match in frame.search(text, low, high):
                if inert is None:
                    inert = [m for pattern in self.not_reported for m in pattern.search(text, low, high + _INERT_REACH)]
                if not any(n.start < match.end <= n.end or n.start <= match.start < n.end for n in inert):
                    yield match


@dataclass(frozen=True, slots=True)
class Decision:
    """What the judge did with one candidate, for the explain trace."""

    candidate: Candidate
    kept: bool
    stage: str  # role | coverage | unless | quotation | frame | word_edge | overlap | kept
    reason: str


class Regions:
    """Clause and sentence edges of one text, computed once and shared by every candidate."""

    def __init__(self, text: NormalizedText):
        self.text = text
        self.length = len(text.norm)
        breaks = text.breaks  # found by a byte class in C: this runs for every text with a candidate
        self._edges = {level: [m.start() for m in pattern.finditer(breaks, 1, self.length)] for level, pattern in _EDGES}
        self._tokens: dict[int, list[int]] = {}
        self._found: dict[tuple[int, int, int], PatternMatch | None] = {}
        self._idle: list[tuple[int, int]] | None = None  # not_excusing words, by start (`excuses`)
        self._idle_starts: list[int] = []
        self._idle_reach = 0
        self._mention: PatternMatch | None | bool = False  # False: not looked for yet
        self._word_spaced: bool | None = None  # None: not looked at yet

    def around(self, start: int, end: int, level: int) -> tuple[int, int]:
        """The clause or sentence holding [start, end): from the last edge at or before `start`
        to the first edge at or after `end` (a hit spanning an edge spans both stretches)."""
        edges = self._edges[level]
        before = bisect_right(edges, start) - 1
        after = bisect_left(edges, max(end, start + 1))
        return (edges[before] if before >= 0 else 0), (edges[after] if after < len(edges) else self.length)

    def guarded(self, start: int, end: int, level: int, reach: int | None = None) -> tuple[int, int]:
        """Where a `scope: clause` or `scope: sentence` context counts: the clause or sentence
        holding [start, end), or near the hit in an over-long one (`LONG_SENTENCE`): within
        `reach` characters of a sentence's hit (`LONG_SENTENCE_REACH` unless the rule says)."""
        low, high = self.around(start, end, level)
        if high - low <= LONG_SENTENCE:
            return low, high
        if level == CLAUSE_BREAK:
            return max(low, start - LONG_CLAUSE_REACH), min(high, end + LONG_CLAUSE_REACH)
        reach = reach or LONG_SENTENCE_REACH
        before, after = max(low, start - reach), min(high, end + reach)
        first, last = self.around(before, before + 1, CLAUSE_BREAK), self.around(after - 1, after, CLAUSE_BREAK)
        # whole clauses, unless a clause is itself over-long (no pause the folding can see)
        return (max(low, first[0] if first[1] - first[0] <= LONG_SENTENCE else before),
                min(high, last[1] if last[1] - last[0] <= LONG_SENTENCE else after))

    def covered_share(self, start: int, end: int) -> float:
        """How much of the sentence holding [start, end) the stretch covers (`whole_utterance`)."""
        low, high = self.around(start, end, SENTENCE_BREAK)
        return (end - start) / max(1, high - low)

    def sentences(self) -> list[tuple[int, int]]:
        """Every sentence as (start, end) folded offsets (what the category model scores)."""
        bounds = [0, *self._edges[SENTENCE_BREAK], self.length]
        return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]

    def crosses(self, start: int, end: int, level: int) -> bool:
        """Whether a clause or sentence edge lies strictly inside [start, end)."""
        edges = self._edges[level]
        index = bisect_right(edges, start)
        return index < len(edges) and edges[index] < end

    def clause_after(self, position: int) -> tuple[int, int]:
        """The clause that starts at or runs through `position`."""
        return self.around(position, position + 1, CLAUSE_BREAK)

    def reported_end(self, frame_end: int) -> int:
        """Where the words a frame ending at `frame_end` reports end: with the clause the frame
        ends in (「您说柜员讲结账了不能办」), or with the next one when the frame closes its own
        (「您刚才说：不归我管…」, 「客服跟您说的 不归我们管」); in a call spaced word by word, whose clauses run from filler
        to filler, `SPACED_REPORT_REACH` characters after the frame at most."""
        high = self.clause_after(frame_end - 1)[1]
        closes = high == frame_end or not self.text.norm[frame_end:high].strip(_AFTER_SPEECH_VERB)
        if closes and high < self.length and self.text.breaks[high] < SENTENCE_BREAK:
            high = self.clause_after(high)[1]
        if self._word_spaced is None:
            self._word_spaced = word_spaced(self.text.original)
        return min(high, frame_end + SPACED_REPORT_REACH) if self._word_spaced else high

    def first_within(self, pattern: CompiledPattern, low: int, high: int, context: JudgeContext) -> PatternMatch | None:
        """The first match of `pattern` lying wholly in [low, high) that excuses (`excuses`),
        remembered: every hit in one sentence asks the same question of its `unless` contexts, and
        asking it once per hit made long texts quadratic."""
        key = (id(pattern), low, high)
        if key not in self._found:
            self._found[key] = next((m for m in pattern.search(self.text, low, high)
                                     if low <= m.start and m.end <= high and self.excuses(m, context)), None)
        return self._found[key]

    def mention(self, context: JudgeContext) -> PatternMatch | None:
        """The pack's `judge.mentions` word that makes this message talk about service language
        (training material, an exam question listing 禁语), looked for once per text."""
        if self._mention is False:
            self._mention = next((m for pattern in context.mentions for m in pattern.search(self.text)), None)
        return self._mention

    def excuses(self, match: PatternMatch, context: JudgeContext) -> bool:
        """Whether an `unless` context's match counts: not when it lies inside a longer word of the
        pack's `judge.not_excusing` (the 您 of 「您好，外面有，你自己去看」 greets, it does not ask)."""
        if not context.not_excusing:
            return True
        if self._idle is None:  # sorted by start, so a match looks only at those starting just before it
            self._idle = sorted((m.start, m.end) for pattern in context.not_excusing for m in pattern.search(self.text))
            self._idle_starts = [a for a, _ in self._idle]
            self._idle_reach = max((b - a for a, b in self._idle), default=0)
        index = bisect_right(self._idle_starts, match.start)
        while index > 0 and self._idle_starts[index - 1] >= match.start - self._idle_reach:
            index -= 1
            a, b = self._idle[index]
            if match.end <= b and match.end - match.start < b - a:
                return False
        return True

    def token_edges(self, position: int) -> list[int]:
        """Word edges of the clause around `position`, from jieba's dictionary only.  Clause
        punctuation is gone from the folded text, so each clause is segmented on its own (「看，看完」
        is not the word 看看); jieba's HMM is off because it glues unknown single characters into
        pseudo-words (「名快」) that would hide real hits.  Sorted, so a hit finds its word by bisection."""
        low, high = self.around(min(position, self.length - 1), min(position + 1, self.length), CLAUSE_BREAK)
        if low not in self._tokens:
            self._tokens[low] = sorted({low, high, *(low + end for end in word_ends(self.text.norm[low:high]))})
        return self._tokens[low]


def word_edge_problem(regions: Regions, candidate: Candidate, particles: frozenset[str]) -> str | None:
    """Why the hit cuts through a word, or None.  The start must be a word edge (「着急什么」 holds
    no 急什么).  The end may also fall inside a dictionary word that *begins* with the hit's last
    element of two or more characters: the element was said and the dictionary merely glued more
    to it (「白痴客户」, 「神经病人」), unlike 「下一个月」, whose word 一个月 starts inside 下一个."""
    text = regions.text
    start, end = candidate.start, candidate.end
    if not _listed(regions.token_edges(start), start) and not _latin_edge(text, start):
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
        found = next((m for m in pattern.search(text, low, high) if m.start <= end and m.end >= start and low <= m.start
                      and m.end <= high and not regions.crosses(m.start, m.end, CLAUSE_BREAK)
                      and regions.excuses(m, context)), None)
    else:
        low, high = (0, regions.length) if scope == "utterance" else regions.guarded(start, end, LEVELS[scope], reach)
        found = regions.first_within(pattern, low, high, context)
    if found is None:
        return None
    return f"unless ({scope}): {text.norm[found.start:found.end]!r}"


def _frame_problem(regions: Regions, candidate: Candidate, context: JudgeContext) -> str | None:
    """Reported speech covers the clause the frame ends in (「您说柜员讲结账了不能办」), or the
    next clause when the frame closes its own (「您刚才说：不归我管…」); never the agent's own
    clauses after it (「您说得对，可这事不归我管」)."""
    text, start = regions.text, candidate.start
    window_low = max(0, start - context.frame_reach - 8)
    for match in context.frames_within(text, window_low, start):
        if match.end > start or start - match.end > context.frame_reach:
            continue
        if regions.crosses(match.start, match.end, SENTENCE_BREAK):
            continue  # 「…通知您。回单…」 is no frame: its words lie in two sentences
        if start < regions.reported_end(match.end):
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
) -> list[Candidate]:
    """The candidates that are violations; `regions`, when given, are those of a draft of `text`
    with the same folded text and boundaries (its word edges already segmented)."""
    if not candidates:
        return []
    if regions is None:
        regions = Regions(text)
    else:
        regions.text = text  # the same folded text, now with offsets
    quotes = Quotes(text.original, context.quote_pairs)
    if trace is None and resolve_overlaps:
        return _judged_by_rank(candidates, regions, role, rules, context, quotes)
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


def _judged_by_rank(candidates, regions: Regions, role: str, rules: Sequence[CompiledRule], context: JudgeContext,
                    quotes: Quotes) -> list[Candidate]:
    """What `_without_overlaps` keeps of the judged candidates, judging only the ones it can keep:
    in rank order, a candidate overlapping one already chosen would lose to it whatever its guards
    say, so it is not judged (several rules hitting one phrase cost one judging, not one each)."""
    chosen = _Chosen()
    for candidate in _ranked(candidates, rules):
        if not chosen.overlaps(candidate) and _first_problem(candidate, regions, role, rules[candidate.rule], context, quotes)[0] is None:
            chosen.add(candidate)
    return chosen.hits


def _first_problem(candidate, regions: Regions, role: str, compiled: CompiledRule, context: JudgeContext, quotes):
    rule = compiled.rule
    if role not in rule.roles:
        return "role", f"the rule applies to {', '.join(rule.roles)}, not {role}"
    coverage = rule.coverage
    if coverage is not None:
        share = regions.covered_share(candidate.start, candidate.end)
        if share < coverage:
            return "coverage", f"covers {share:.0%} of its sentence, the rule needs {coverage:.0%}"
    for pattern, scope, patterns_only, reach in compiled.unless:
        if patterns_only and candidate.match_type == "model":
            continue
        reason = _unless_problem(regions, candidate, pattern, scope, context, reach)
        if reason:
            return "unless", reason
    original_start, original_end = regions.text.original_span(candidate.start, candidate.end)
    if quotes.holds(original_start) or (candidate.match_type != "model" and quotes.speech_touches(original_end - 1, original_end)):
        return "quotation", "inside quotation marks"  # or a pattern's hit ending there: 「柜员对您说“这事别问我”」
    mention = regions.mention(context) if context.mentions else None
    if mention is not None:
        return "quotation", f"the message talks about what may be said ({regions.text.norm[mention.start:mention.end]!r})"
    if candidate.match_type == "model":  # a model scores the whole sentence: it cannot tell whose words a quote holds
        if quotes.speech_touches(original_start, original_end) and not (
                context.rescore and context.rescore(_unquoted(regions, candidate, quotes))):
            return "quotation", "the sentence quotes someone, and without the quoted words it scores below the threshold"
        if next(context.frames_within(regions.text, candidate.start, candidate.end), None) and not (
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


def _unquoted(regions: Regions, candidate: Candidate, quotes: Quotes) -> str:
    """The model's sentence without the words inside quotation marks, whose speaker it cannot tell:
    「您能不能别一直问“好了没有”」 is impatient in the agent's own words."""
    text = regions.text
    return "".join([text.norm[i] for i in range(candidate.start, candidate.end) if not quotes.holds(text.original_span(i, i + 1)[0])])


def _unreported(regions: Regions, candidate: Candidate, context: JudgeContext) -> str:
    """What the model's sentence says after the last clause a frame reports (`Regions.reported_end`):
    「您说要去投诉，随便您，投了我们也不怕」 answers the customer in its own words."""
    after = max([candidate.start, *(regions.reported_end(match.end)
                                    for match in context.frames_within(regions.text, candidate.start, candidate.end))])
    return regions.text.norm[after:candidate.end]


def _ranked(candidates: Sequence[Candidate], rules: Sequence[CompiledRule]) -> list[Candidate]:
    """Most severe first; at one severity a rule's own hit before a house-list entry (the rule says
    why and what to say instead, the list only names the word), the most specific pack, a rule for
    an explicit 禁止说 pair (its own standard line) before a category family, then the longest and
    surest hit."""
    return sorted(
        candidates,
        key=lambda c: (-rules[c.rule].rank, c.entry is not None, -rules[c.rule].depth, rules[c.rule].rule.pair is None,
                       -(c.end - c.start), -c.confidence, c.start),
    )


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
