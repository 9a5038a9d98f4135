"""Metamorphic: a rule's own examples keep their verdict inside long, polite agent messages.

An agent's chat reply is often several sentences of courtesy around one curt line.  Every `flag`
example of every rule of every pack must still be flagged by its rule when placed before, between
and after such sentences, and every `clean` example must stay clean there: guards are judged on the
sentence that holds the hit, so a 您 or 请 elsewhere in the message neither hides nor causes a hit.
"""

import pytest

from phrasecheck import Checker
from phrasecheck.engine.examples import fired_before_overlaps
from phrasecheck.lexicon import available_packs

# Polite agent sentences that give no remedy, apology or explanation for any particular line, so
# they cannot honestly change the verdict on the sentence placed among them.
FILLERS = (
    "您好，很高兴为您服务！",
    "感谢您一直以来对我们的支持与信任。",
    "我们的营业时间是每天上午九点到下午五点，节假日照常营业。",
    "请您留意手机短信，办理进度会第一时间通知您。",
    "祝您生活愉快，欢迎您再来！",
)
SENTENCE_END = "。！？!?…"


def placements(example: str) -> list[str]:
    line = example if example[-1] in SENTENCE_END else example + "。"
    first, second, third, fourth, fifth = FILLERS
    return [
        line + second + fifth,
        first + second + line + third + fifth,
        first + third + fourth + line,
        first + second + third + fourth + line + fifth,
    ]


def pack_rules():
    for name in available_packs():
        checker = Checker.load(name)
        for compiled in checker.rules:
            if compiled.pack == name:
                yield pytest.param(checker, compiled.rule, id=f"{name}:{compiled.id}")


@pytest.mark.parametrize("checker,rule", list(pack_rules()))
def test_examples_keep_their_verdict_inside_long_polite_messages(checker, rule):
    missed = [
        message
        for example in rule.examples.flag
        for message in placements(example)
        if rule.id not in fired_before_overlaps(checker, message)
    ]
    fired = [
        (message, [v.rule for v in checker.check(message).violations])
        for example in rule.examples.clean
        for message in placements(example)
        if checker.check(message).violations
    ]
    assert not missed, f"{rule.id} misses its flag example inside a long message: {missed[0]}"
    assert not fired, f"a clean example of {rule.id} is flagged inside a long message: {fired[0]}"


def test_the_fillers_themselves_are_clean():
    checker = Checker.load("bank-counter")
    for filler in FILLERS:
        assert not checker.check(filler).violations, filler
