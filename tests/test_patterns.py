import pytest

from phrasecheck.lexicon.patterns import DEFAULT_GAP, PatternSyntaxError, parse_pattern


def test_elements_alternatives_gaps_and_boundaries():
    elements = parse_pattern("^ [不归我管|不是我管的] … [找别人|问别人]? …3 去 $")
    assert [e.alternatives for e in elements] == [("不归我管", "不是我管的"), ("找别人", "问别人"), ("去",)]
    assert elements[0].break_before and not elements[0].break_after
    assert elements[1].optional and elements[1].gap_before == DEFAULT_GAP
    assert elements[2].gap_before == 3 and elements[2].break_after


@pytest.mark.parametrize(
    "source, message",
    [
        ("[不归我管|", "unclosed"),
        ("不归|我管", r"alternatives must be written as \[a\|b\]"),
        ("… 找别人", "before the first element"),
        ("不归 …99 管", "larger than"),
        ("[a]? [b]?", "not optional"),
        ("[a||b]", "empty alternative"),
        ("找别人 ^", "after the last element"),
    ],
)
def test_bad_patterns_say_what_is_wrong(source, message):
    with pytest.raises(PatternSyntaxError, match=message):
        parse_pattern(source)
