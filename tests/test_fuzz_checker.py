"""Property tests of `Checker.check` on generated text: whatever comes in, the result is usable.

Texts mix pieces of the packs' own example lines (so hits, guards and overlaps really happen) with
characters that stress the normalizer: traditional and full-width forms, Latin runs, emoji, zero-width
and combining marks, lone surrogates, punctuation and white space of every kind.
"""

import json

import pytest
from hypothesis import given, strategies as st

from phrasecheck import Checker

NOISE = st.sampled_from(list(
    "，。！？、；：…—“”‘’「」『』()（）[]【】 \t\n\u3000\u200b\u200d\ufeff\u0301"
    "您你妳恁侬俺我他她它们這個为為什么麼不没沒知道找别別人去管办辦啥急忙嗯啊哦呃"
    "aAbBsSzZ0123456789ｓｂＡ①Ⓐ😀🙂\U0002a6a5\ud800\udfff"
))


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker.load(["core", "bank-counter"])


def _example_pieces() -> list[str]:
    loaded = Checker.load(["core", "bank-counter"])
    pieces = []
    for compiled in loaded.rules:
        examples = compiled.rule.examples
        pieces += [line for line in [*examples.flag, *examples.clean] if isinstance(line, str)]
    return sorted(set(pieces))


PIECES = _example_pieces()
TEXTS = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(NOISE, max_size=6), st.text(max_size=4)), max_size=8
).map("".join)


@given(text=TEXTS, role=st.sampled_from(["agent", "customer"]))
def test_every_result_points_into_the_text_and_serialises(checker, text, role):
    result = checker.check(text, role=role)
    data = result.to_dict()
    json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")  # strict JSON, valid UTF-8
    previous_end = 0
    for violation in result.violations:
        assert previous_end <= violation.start < violation.end <= len(text)  # sorted, never overlapping
        assert violation.matched == text[violation.start : violation.end].replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
        previous_end = violation.end
    if not result.scored:  # customer turns are read, never scored
        assert result.score is None and not result.violations
    elif not result.violations:
        assert (result.score, result.decision, result.rewrite) == (100, "pass", None)
    else:
        assert 0 <= result.score < 100 or all(v.severity == "info" for v in result.violations)


@given(text=TEXTS)
def test_checking_is_deterministic_and_explain_changes_no_verdict(checker, text):
    first = checker.check(text, role="agent")
    again = checker.check(text, role="agent")
    explained = checker.check(text, role="agent", explain=True)
    assert first.to_dict() == again.to_dict()
    assert [v.to_dict() for v in explained.violations] == [v.to_dict() for v in first.violations]
    assert explained.rewrite == first.rewrite


@given(text=TEXTS)
def test_compiled_verification_matches_the_python_one_on_any_text(checker, text):
    """The compiled `match_at` (`_verify.c`) reads the text's strings itself: on any text, every
    anchor the scan finds gets the match (or none) the Python steps give."""
    normalized = checker.normalizer.full(text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd"))
    for end_index, values in checker.matcher.scan(normalized.phon, normalized.norm):
        for kind, _, payload, alternative in values:
            if kind == "pattern":
                start = end_index - len(alternative.norm) + 1
                for typed_pinyin in (False, True):
                    assert payload.match_at(normalized, alternative, start, typed_pinyin=typed_pinyin) == \
                        payload.match_at(normalized, alternative, start, [], typed_pinyin), (text, alternative.norm, start)
