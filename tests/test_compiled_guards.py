"""The judge's compiled guards (`_judge.c`, `_judge_rank.c`) against `judge._first_problem` and
`judge._judged_by_rank`: they rank the candidates and decide every guard of each (role, coverage,
`unless` contexts, mentions, reported speech, word edges; quotation asked in Python of a text
that quotes) in one call, and must keep exactly the candidates the Python guards keep, or a
decision would depend on how the package was installed."""

import collections
from dataclasses import replace

import pytest

from phrasecheck import Checker
from phrasecheck.engine import judge
from phrasecheck.engine.match import Candidate
from phrasecheck.engine.regions import JudgeText, Regions

from test_fast_paths import _texts  # the training lines, corpus replies and long messages

pytestmark = pytest.mark.skipif(JudgeText is None, reason="phrasecheck/engine/_native.c was not compiled by the install")


def _judged_both_ways(checker: Checker, texts, monkeypatch) -> collections.Counter:
    """Checks every text; wherever the judge takes the compiled way (`JudgeText.chosen`), also
    judges each candidate and the whole list the Python way, which must agree.  Counts each
    candidate's answer by the way the check itself took."""
    answered = collections.Counter()
    compiled_judged, python_guards = Regions.judged, judge._first_problem
    comparing = False  # the Python way, asked only to compare: not counted

    class BothWays:
        def __init__(self, regions: Regions, context):
            self.regions, self.context, self.compiled = regions, context, compiled_judged(regions, context)

        def chosen(self, candidates, role, drops=None):
            nonlocal comparing
            quotes = self.regions.quotes(self.context.quote_pairs)
            assert (drops is not None) == quotes.found  # a text that quotes has its quotation guards asked in Python
            for candidate in candidates:
                compiled = checker.rules[candidate.rule]
                kept = role in compiled.rule.roles and self.compiled.verdict(
                    candidate.rule, candidate.start, candidate.end, candidate.spans[-1][0], candidate.match_type == "model")
                kept = kept and not (drops and drops(candidate))
                python = python_guards(candidate, self.regions, role, compiled, self.context, quotes)
                assert kept == (python[0] is None), (self.regions.text.original, candidate, python)
                answered[("quoting" if quotes.found else "compiled", kept)] += 1
            chosen = self.compiled.chosen(candidates, role, drops)
            comparing = True
            try:
                python_chosen = judge._judged_by_rank(candidates, self.regions, role, checker.rules, self.context, quotes)
            finally:
                comparing = False
            assert chosen == python_chosen, (self.regions.text.original, candidates)
            return chosen

    def counted(candidate, regions, role, compiled, context, quotes):
        found = python_guards(candidate, regions, role, compiled, context, quotes)
        if not comparing:  # the Python way alone: never, where the extension is built
            answered[("python", found[0] is None)] += 1
        return found

    monkeypatch.setattr(Regions, "judged", lambda regions, context: BothWays(regions, context))
    monkeypatch.setattr(judge, "_first_problem", counted)
    for text in texts:
        checker.check(text)
    return answered


def test_compiled_guards_keep_what_the_python_guards_keep(bank: Checker, monkeypatch):
    examples = [text for compiled in bank.rules for text in (*compiled.rule.examples.flag, *compiled.rule.examples.clean)]
    answered = _judged_both_ways(bank, [*examples, *_texts()], monkeypatch)
    # texts that quote and texts that do not, each keeping and dropping candidates; without the
    # corpus beside the repository the texts quote less
    assert answered[("compiled", True)] > 1000 and answered[("compiled", False)] > 200
    assert answered[("quoting", True)] > 20 and answered[("quoting", False)] > 100
    assert not answered[("python", True)] and not answered[("python", False)]


def test_a_checker_without_its_compiled_guards_judges_the_same(bank: Checker):
    texts = [text for compiled in bank.rules for text in compiled.rule.examples.flag[:3]] + ["您好，请问您办理什么业务？"]
    compiled = [bank.check(text).to_dict() for text in texts]
    python_only = Checker.load("bank-counter")
    python_only.check("您好")  # builds the plain check and the compiled guards
    assert python_only.judging.compiled is not None
    python_only.judging = replace(python_only.judging, compiled=None)  # as where the extension is not compiled
    assert [python_only.check(text).to_dict() for text in texts] == compiled


def test_a_context_as_long_as_the_idle_word_holding_it_still_excuses(write_pack, monkeypatch):
    """Only a match inside a *longer* `judge.not_excusing` word excuses nothing: where the context
    is the idle word itself (您好 here), it counts, compiled as in Python."""
    path = write_pack("""
        pack: mini
        title: t
        version: '1'
        judge:
          not_excusing: ["您好"]
        rules:
          - id: go-look
            category: 测试
            severity: error
            scenario: 测试
            phrases: ["自己去看"]
            unless:
              - pattern: "[您|您好]"
                scope: sentence
            why: 测试用规则。
            suggest: ["请您稍候"]
            source: {seed: "000", line: "1"}
            examples: {flag: [你自己去看], clean: [您自己去看一下]}
        """)
    checker = Checker.load(str(path))
    answered = _judged_both_ways(checker, ["您好，你自己去看", "你自己去看", "好的，你自己去看"], monkeypatch)
    assert answered == {("compiled", True): 2, ("compiled", False): 1}
    assert checker.check("您好，你自己去看").decision == "pass"


def test_compiled_guards_refuse_what_they_cannot_read(bank: Checker):
    bank.check("您好")  # the first check builds them
    with pytest.raises(TypeError, match="specs"):
        JudgeText((), "好", "好", "好", b"\x02\x02", False, ())
    with pytest.raises(ValueError, match="one folded text"):
        JudgeText(bank.judging.compiled, "好的", "好的", "好", b"\x02\x02", False, ())
    judged = JudgeText(bank.judging.compiled, "好的", "好的", "好的", b"\x02\x00\x02", False, ())
    with pytest.raises(ValueError, match="no such rule"):
        judged.verdict(len(bank.rules), 0, 1, 0, False)
    with pytest.raises(ValueError, match="outside the text"):
        judged.verdict(0, 1, 3, 1, False)
    with pytest.raises(TypeError, match="chosen"):
        judged.chosen((), "agent")  # a list of candidates
    hit = Candidate(0, 0, 2, ((0, 2),), "exact", 1.0)
    with pytest.raises(ValueError, match="no such rule"):
        judged.chosen([replace(hit, rule=len(bank.rules))], "agent")
    with pytest.raises(TypeError, match="spans"):
        judged.chosen([replace(hit, spans=())], "agent")
    with pytest.raises(ValueError, match="outside the text"):
        judged.chosen([replace(hit, end=5)], "agent")
