"""Where the judge looks: the clause and sentence edges of one text (`Regions`), shared by every
candidate of the text and computed once, and the pack-wide settings of quotation and reported
speech (`JudgeContext`).  Kept apart from the judging itself so that conversation checks and the
model's trainer cut text into clauses and sentences exactly as the judge does."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Callable

from .breaks import CLAUSE_BREAK, SENTENCE_BREAK, edges_at_level
from .normalize import NormalizedText
from .wrapping import word_spaced
from .pattern import CompiledPattern, PatternMatch
from .presence import Anchored
from .quotes import Quotes
from .words import word_ends

try:
    from ._native import JudgeText
except ImportError:  # not compiled: every candidate is judged in Python (`judge._first_problem`)
    JudgeText = None

# A sentence or clause this long (folded characters) is a call transcribed without stops (or with
# no pause the folding can see, 「这 个 是 您 自己 的 问题」): for an `unless` context it is only
# what lies near the hit, so the 「请问有什么可以帮您」 that opens a call does not excuse
# 「你找别人问吧」 at its end.  Such a sentence counts its clauses within LONG_SENTENCE_REACH
# characters of the hit (a reach of 10 let a refusal through whose offer of help came three
# clauses later), only the characters within it where a clause is itself that long; such a
# clause counts the characters within LONG_CLAUSE_REACH.
LONG_SENTENCE, LONG_SENTENCE_REACH, LONG_CLAUSE_REACH = 60, 20, 10
# In a call spaced word by word no pause shows where the customer's words an agent reports end:
# an agent sums them up in a few (「您说 亏了 当初 买的 时候 干嘛 去了 没脑子 吗」) and goes on in its own.
SPACED_REPORT_REACH = 8
INERT_REACH = 16  # characters past a window where words reporting nothing may still hold a frame met in it
AFTER_SPEECH_VERB = "的了过是啊呀呢嘛吧哦"  # 「跟您说的 …」: a clause ending in these after its frame reports the next
# How far after a frame a word pointing back at the report (`JudgeContext.report_ends`) may stand:
# a call reports a few pauses of someone's words, then judges them (「…别打了 然后就挂了 这个处理是不对的」).
REPORT_END_REACH = 40


@dataclass(frozen=True)
class JudgeContext:
    """Pack-wide judging settings: how quotation and reported speech look, and which particles
    jieba may glue onto the end of a hit (「看吧」) without the hit cutting through a word."""

    quote_pairs: tuple[str, ...]
    frames: Anchored
    frame_reach: int
    particles: frozenset[str]
    not_reported: Anchored  # 「您说得对」, 「跟您讲清楚」, 说明书 hold a frame's words but report nothing
    not_excusing: Anchored  # 您好, 谢谢您 hold a courtesy word but excuse nothing
    mentions: Anchored  # 服务禁语, 考试题: the message talks about what may be said
    report_ends: Anchored  # 这句话, 这个处理: pointing back, they end what a frame reported
    quote_talk: Anchored  # “…”这种话, 不能说“…”: beside a quotation, they make it the topic
    rescore: Callable[[str], bool] | None = None  # the model on folded text: does it still reach its threshold?
    compiled: tuple | None = None  # `judge.compiled_guards`, built on a checker's first check and not pickled


class Regions:
    """Clause and sentence edges of one text, computed once and shared by every candidate."""

    def __init__(self, text: NormalizedText):
        self.text = text
        self.length = len(text.norm)
        self._edges: dict[int, list[int]] = {}  # by level, found on first use (a compiled judge needs none)
        self._tokens: dict[int, list[int]] = {}
        self._found: dict[tuple[int, int, int], PatternMatch | None] = {}
        self._idle: list[tuple[int, int]] | None = None  # not_excusing words, by start (`excuses`)
        self._idle_starts: list[int] = []
        self._idle_reach = 0
        self._mention: PatternMatch | None | bool = False  # False: not looked for yet
        self._quotes: Quotes | None = None
        self._frames: list[CompiledPattern] | None = None  # the frames matching in the text
        self._not_reported: list[CompiledPattern] | None = None  # and the words reporting nothing
        self._word_spaced: bool | None = None  # None: not looked at yet
        self._judged: tuple | None = None  # (the text, its compiled guards): `judged`

    def edges(self, level: int) -> list[int]:
        """Where clauses (`CLAUSE_BREAK`) or sentences end inside the text, in order."""
        edges = self._edges.get(level)
        if edges is None:
            edges = self._edges[level] = edges_at_level(self.text.breaks, level)
        return edges

    def around(self, start: int, end: int, level: int) -> tuple[int, int]:
        """The clause or sentence holding [start, end): from the last edge at or before `start`
        to the first edge at or after `end` (a hit spanning an edge spans both stretches)."""
        edges = self.edges(level)
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
        bounds = [0, *self.edges(SENTENCE_BREAK), self.length]
        return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]

    def crosses(self, start: int, end: int, level: int) -> bool:
        """Whether a clause or sentence edge lies strictly inside [start, end)."""
        edges = self.edges(level)
        index = bisect_right(edges, start)
        return index < len(edges) and edges[index] < end

    def clause_after(self, position: int) -> tuple[int, int]:
        """The clause that starts at or runs through `position`."""
        return self.around(position, position + 1, CLAUSE_BREAK)

    def reported_end(self, frame_end: int, ends: Anchored | None = None) -> int:
        """Where the words a frame ending at `frame_end` reports end: with the clause the frame
        ends in (「您说柜员讲结账了不能办」), or with the next one when the frame closes its own
        (「您刚才说：不归我管…」, 「客服跟您说的 不归我们管」); in a call spaced word by word, whose clauses run from filler
        to filler, `SPACED_REPORT_REACH` characters after the frame at most; and, where one of
        `ends` points back at the report within `REPORT_END_REACH` characters in the same sentence
        (「…你这种情况赔不了 别打了 然后就挂了 这个处理是不对的」), up to it."""
        high = self.clause_after(frame_end - 1)[1]
        closes = high == frame_end or not self.text.norm[frame_end:high].strip(AFTER_SPEECH_VERB)
        if closes and high < self.length and self.text.breaks[high] < SENTENCE_BREAK:
            high = self.clause_after(high)[1]
        if self._word_spaced is None:
            self._word_spaced = word_spaced(self.text.original)
        if self._word_spaced:
            high = min(high, frame_end + SPACED_REPORT_REACH)
        if ends:
            limit = min(self.around(frame_end, frame_end + 1, SENTENCE_BREAK)[1], frame_end + REPORT_END_REACH)
            back = min((m.start for pattern in ends.within(self.text) for m in pattern.search(self.text, frame_end, limit, True)),
                       default=high)
            high = max(high, back)
        return high

    def frames_within(self, context: JudgeContext, low: int, high: int) -> list[PatternMatch]:
        """Frame matches anchored in [low, high), except those whose verb or speaker lies in words
        that report nothing (「您自己把验证码告诉别人」, 「感谢您的耐心，跟您…」; looked for only once
        a frame is met: most windows hold none).  Those words are looked for a little past `high`:
        a frame met at the window's edge ends past it, and so do the words around its verb
        (「您好，跟您说不清楚」)."""
        found, inert = [], None
        for frame in self.matching_frames(context):
            for match in frame.search(self.text, low, high, True):
                if inert is None:
                    if self._not_reported is None:
                        self._not_reported = context.not_reported.within(self.text)
                    inert = [m for pattern in self._not_reported for m in pattern.search(self.text, low, high + INERT_REACH, True)]
                if not any(n.start < match.end <= n.end or n.start <= match.start < n.end for n in inert):
                    found.append(match)
        return found

    def matching_frames(self, context: JudgeContext) -> list[CompiledPattern]:
        """The frames that match somewhere in the text, listed once per text (a flagged message asks
        for two windows per hit): a window's matches are some of the whole text's, so a frame
        matching nowhere is never searched again, and most texts, which report nothing, list none."""
        if self._frames is None:
            self._frames = [frame for frame in context.frames.within(self.text) if frame.search(self.text, known=True)]
        return self._frames

    def first_within(self, pattern: CompiledPattern, low: int, high: int, context: JudgeContext) -> PatternMatch | None:
        """The first match of `pattern` lying wholly in [low, high) that excuses (`excuses`),
        remembered: every hit in one sentence asks the same question of its `unless` contexts, and
        asking it once per hit made long texts quadratic."""
        key = (id(pattern), low, high)
        if key not in self._found:
            self._found[key] = next((m for m in pattern.search(self.text, low, high, True)
                                     if low <= m.start and m.end <= high and self.excuses(m, context)), None)
        return self._found[key]

    def quotes(self, pairs: tuple[str, ...]) -> Quotes:
        """The stretches of the original text inside quotation marks, found once per text (the
        patterns' hits and the model's are judged apart)."""
        if self._quotes is None:
            self._quotes = Quotes(self.text.original, pairs)
        return self._quotes

    def mention(self, context: JudgeContext) -> PatternMatch | None:
        """The pack's `judge.mentions` word that makes this message talk about service language
        (training material, an exam question listing 禁语), looked for once per text."""
        if self._mention is False:
            self._mention = next((m for pattern in context.mentions.within(self.text)
                                  for m in pattern.search(self.text, known=True)), None)
        return self._mention

    def excuses(self, match: PatternMatch, context: JudgeContext) -> bool:
        """Whether an `unless` context's match counts: not when it lies inside a longer word of the
        pack's `judge.not_excusing` (the 您 of 「您好，外面有，你自己去看」 greets, it does not ask)."""
        if not context.not_excusing:
            return True
        if self._idle is None:  # sorted by start, so a match looks only at those starting just before it
            self._idle = sorted((m.start, m.end) for pattern in context.not_excusing.within(self.text)
                                for m in pattern.search(self.text, known=True))
            self._idle_starts = [a for a, _ in self._idle]
            self._idle_reach = max((b - a for a, b in self._idle), default=0)
        index = bisect_right(self._idle_starts, match.start)
        while index > 0 and self._idle_starts[index - 1] >= match.start - self._idle_reach:
            index -= 1
            a, b = self._idle[index]
            if match.end <= b and match.end - match.start < b - a:
                return False
        return True

    def judged(self, context: JudgeContext) -> JudgeText:
        """The judge's compiled guards of the text (`judge.compiled_guards`), made once per text."""
        judged, text = self._judged, self.text
        if judged is None or judged[0] is not text:
            judged = self._judged = (text, JudgeText(context.compiled, text.original, text.norm, text.phon, text.breaks,
                                                     bool(text.rewrite), text.edges))
        return judged[1]

    def token_edges(self, position: int) -> list[int]:
        """Word edges of the clause around `position`, from jieba's dictionary only.  Clause
        punctuation is gone from the folded text, so each clause is segmented on its own (「看，看完」
        is not the word 看看); jieba's HMM is off because it glues unknown single characters into
        pseudo-words (「名快」) that would hide real hits.  Sorted, so a hit finds its word by bisection."""
        low, high = self.around(min(position, self.length - 1), min(position + 1, self.length), CLAUSE_BREAK)
        if low not in self._tokens:
            self._tokens[low] = sorted({low, high, *(low + end for end in word_ends(self.text.norm[low:high]))})
        return self._tokens[low]
