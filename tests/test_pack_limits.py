"""Bounded packs: what used to hang a load, exhaust memory or end in a traceback is one line naming
the file, the rule and the field, and what was expected; loading grows linearly with the pack."""

from __future__ import annotations

import os
import statistics
import time

import pytest
import yaml

from phrasecheck import Checker, LexiconError
from phrasecheck.engine.normalize import Normalizer
from phrasecheck.engine.rules import PatternCompiler
from phrasecheck.lexicon import reading
from phrasecheck.lexicon.limits import ENVIRONMENT
from phrasecheck.lexicon.patterns import ElementSpec

HEAD = "pack: mini\ntitle: t\nversion: '1'\n"
LIST_RULE = "rules:\n  - {id: house, category: 禁语, severity: error, phrase_list: [随缘]}\n"
PHRASE_RULE = """
  - id: %(id)s
    category: 测试
    severity: error
    scenario: 测试
    %(body)s
    why: 测试。
    suggest: [请您稍候]
    source: {seed: "000", line: "1"}
    examples: {flag: [%(flag)s], clean: [您好]}
"""


def rule(body: str, flag: str = "不归我管", id: str = "bad-rule") -> str:
    return PHRASE_RULE % {"id": id, "body": body, "flag": flag}


def refused(write_pack, text: str, name: str = "mini") -> str:
    """The one-line error a pack gets; fails if the pack loads or the error is not one line."""
    path = write_pack(text, name=name)
    with pytest.raises(LexiconError) as caught:
        Checker.load(str(path))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    assert len(message) < 400, message
    return message


# -- the reported bombs ------------------------------------------------------------------------


def test_an_empty_dialect_word_is_refused_instead_of_looping(write_pack):
    message = refused(write_pack, HEAD + "normalize: {dialect: {'': [侬]}}\n" + LIST_RULE)
    assert "normalize.dialect: dialect word is empty" in message


def test_a_two_character_variant_key_is_a_message_not_a_type_error(write_pack):
    message = refused(write_pack, HEAD + "normalize: {variants: {象样: 像}}\n" + LIST_RULE)
    assert "normalize.variants: variant '象样' must be a single character" in message


@pytest.mark.parametrize("deduction", [-50, 101])
def test_deductions_are_points_between_0_and_100(write_pack, deduction):
    message = refused(write_pack, HEAD + f"scoring: {{deductions: {{error: {deduction}}}}}\n" + LIST_RULE)
    assert "scoring.deductions.error: Input should be" in message


def test_warn_at_above_block_at_is_refused(write_pack):
    message = refused(write_pack, HEAD + "scoring: {block_at: warning, warn_at: error}\n" + LIST_RULE)
    assert "expected warn_at at or below block_at" in message


def test_nested_brackets_are_refused_not_read_as_literal_brackets(write_pack):
    message = refused(write_pack, HEAD + "rules:" + rule('patterns: ["[[不归|不是]|找] 我管"]'))
    assert "rule 'bad-rule': patterns: bad pattern" in message and "brackets do not nest" in message


def test_a_megabyte_phrase_is_refused_by_length(write_pack):
    message = refused(write_pack, HEAD + "rules:" + rule(f"phrases: [{'不归我管' * 50_000}]"))
    assert "rule 'bad-rule': phrases: phrase 1 '不归我管" in message
    assert "has 200,000 characters; expected at most 200 characters (limit `phrase_chars`" in message
    # A megabyte of phrase in UTF-8 is already more than a pack file may hold.
    message = refused(write_pack, HEAD + "rules:" + rule(f"phrases: [{'不归我管' * 250_000}]"))
    assert "YAML file too large; expected at most 1,048,576 bytes (limit `pack_bytes`" in message


@pytest.mark.parametrize("text, problem", [
    ("x: " + "[" * 5000 + "]" * 5000, "nesting depth"),  # flow style: libyaml's own bound
    ("x:\n" + "".join(" " * i + "- \n" for i in range(1, 100)), "nested too deep; expected at most 32 levels"),
    ("x: " + "9" * 5000, "an integer of 5,000 digits; expected at most 100"),
    ("x: &a [*a]", "an alias refers to the value that holds it"),
    ("version: 2024-13-45", "cannot read timestamp value"),
])
def test_hostile_yaml_is_an_invalid_yaml_line(write_pack, text, problem):
    message = refused(write_pack, HEAD + text + "\n")
    assert "invalid YAML" in message and problem in message


@pytest.mark.parametrize("loader", [reading._Loader, reading._PythonLoader], ids=["libyaml", "python"])
@pytest.mark.parametrize("text, problem", [
    ("x:\n" + "".join(" " * i + "- \n" for i in range(1, 2000)), "nest"),  # past Python's recursion limit
    ("x: [" * 40 + "]" * 40, "nested too deep"),
    ("a: &a [1, 2]\nb: [*a, *a]\nc: " + "9" * 101, "an integer of 101 digits"),
])
def test_both_yaml_parsers_are_bounded(loader, text, problem):
    with pytest.raises(yaml.YAMLError, match=problem):
        reading.load_yaml(text, loader)
    assert reading.load_yaml("a: &a [1, 2]\nb: [*a, *a]\n", loader) == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_aliases_that_expand_to_billions_are_refused(write_pack):
    laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
    message = refused(write_pack, HEAD + laughs)
    assert "too many values (an alias counts as what it stands for)" in message


# -- more of the same kind ----------------------------------------------------------------------


@pytest.mark.parametrize("field, value, problem", [
    ("unless", "5", "unless must be a list, got int"),
    ("patterns", '["不归 …99999999999999999999 管"]', "is larger than allowed; expected at most 20 characters"),
    ("patterns", '["' + " ".join("不归我管" for _ in range(17)) + '"]', "too many elements; expected at most 16"),
    ("patterns", '["[' + "|".join(f"词{i}" for i in range(65)) + ']"]', "65 alternatives in one element; expected at most 64"),
    ("whole_utterance", ".nan", "whole_utterance is true/false or a coverage between 0 and 1"),
    ("fuzzy", "{threshold: .inf}", "fuzzy.threshold: Input should be less than or equal to 100"),
])
def test_rule_fields_refuse_wrong_types_and_sizes(write_pack, field, value, problem):
    message = refused(write_pack, HEAD + "rules:" + rule(f"phrases: [不归我管]\n    {field}: {value}"))
    assert "rule 'bad-rule'" in message and problem in message


@pytest.mark.parametrize("setting, problem", [
    ("normalize: {variants: {象: ''}}", "variant '象' maps to nothing"),
    ("normalize: {variants: {象: 像像像像像}}", "expected at most 4 characters (limit `variant_chars`"),
    ('normalize: {fillers: ["\\0"]}', "holds the control or private-use character"),
    ("normalize: {dialect: {你: ['！']}}", "has no letter, digit or ideograph"),
    ("normalize: {dialect: {你: [" + ", ".join(f"侬{i}" for i in range(17)) + "]}}", "has 17 forms; expected at most 16"),
    ("normalize: {initials: {sb: " + "傻" * 17 + "}}", "expected at most 16 characters (limit `form_chars`"),
    ("classifier: {model: categories, min_chars: 30, max_chars: 10, rules: {讽刺: house}}", "expected min_chars ≤ max_chars"),
    ("classes: {big: [" + ", ".join(f"词{i}" for i in range(2001)) + "]}", "has 2,001 words; expected at most 2,000"),
])
def test_pack_settings_refuse_what_cannot_work(write_pack, setting, problem):
    assert problem in refused(write_pack, HEAD + setting + "\n" + LIST_RULE)


def test_a_conversation_example_needs_a_turn(write_pack):
    conversation_rule = """conversation_rules:
  - {id: conv-open, kind: opening, title: t, severity: warning, why: w, cues: [您好], source: {seed: "000", line: "1"},
     examples: {flag: [[]], clean: [["坐席: 您好"]]}}
"""
    message = refused(write_pack, HEAD + conversation_rule)
    assert "conversation rule 'conv-open': examples.flag.0.turns: List should have at least 1 item" in message


def test_extends_deeper_than_the_limit_is_refused(write_pack, tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_LEXICONS", str(tmp_path))
    for level in range(20):
        write_pack(f"pack: p{level}\ntitle: t\nversion: '1'\nextends: [p{level + 1}]\n", name=f"p{level}")
    write_pack("pack: p20\ntitle: t\nversion: '1'\n", name="p20")
    with pytest.raises(LexiconError, match=r"`extends` goes too deep; expected at most 16 packs"):
        Checker.load("p0")


def test_a_word_list_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "words.txt")  # opening a FIFO would wait for a writer forever
    (tmp_path / "house.yaml").write_text(HEAD + "rules:\n  - {id: house, category: c, severity: error, phrase_list: {file: words.txt}}\n",
                                         encoding="utf-8")
    with pytest.raises(LexiconError, match=r"words\.txt: not a regular file, expected word list file \(rule 'house'\)"):
        Checker.load(str(tmp_path / "house.yaml"))


def load_house_list(tmp_path, words: str) -> Checker:
    """A pack whose one rule is the word list `words` (the text of words.txt)."""
    (tmp_path / "words.txt").write_text(words, encoding="utf-8")
    (tmp_path / "house.yaml").write_text(HEAD + "rules:\n  - {id: house, category: c, severity: error, phrase_list: {file: words.txt}}\n",
                                         encoding="utf-8")
    return Checker.load(str(tmp_path / "house.yaml"))


def test_a_long_list_entry_names_its_file_and_line(tmp_path):
    with pytest.raises(LexiconError, match=r"words\.txt:2: entry '好好.* has 300 characters; expected at most 200"):
        load_house_list(tmp_path, "随缘\n" + "好" * 300 + "\n")


def test_a_list_with_more_entries_than_the_lexicon_may_hold_is_refused_before_it_is_split(tmp_path, monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, "forms=1000")
    with pytest.raises(LexiconError, match=r"words\.txt: 1,500 entries; expected at most 1,000 \(limit `forms`"):
        load_house_list(tmp_path, "# a comment\n\n" + "\n".join(f"词{i}" for i in range(1500)))


def test_a_pack_file_past_the_size_limit_is_refused(write_pack, monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, "pack_bytes=1000")
    message = refused(write_pack, HEAD + "description: " + "长" * 1000 + "\n" + LIST_RULE)
    assert "YAML file too large; expected at most 1,000 bytes (limit `pack_bytes`" in message


def test_a_class_named_by_many_patterns_stops_at_the_forms_limit(write_pack):
    words = ", ".join(f"词语{i:04d}" for i in range(2000))
    patterns = ", ".join('"{big}"' for _ in range(300))  # 600,000 spellings
    message = refused(write_pack, HEAD + f"classes: {{big: [{words}]}}\nrules:\n"
                      f"  - {{id: house, category: c, severity: error, phrase_list: [随缘], patterns: [{patterns}]}}\n")
    assert "rule 'house': patterns: the lexicon compiles to too many spellings and phonetic keys; expected at most 400,000" in message


def test_the_environment_raises_a_limit_and_a_bad_setting_is_one_line(write_pack, monkeypatch):
    path = write_pack(HEAD + "rules:\n  - {id: house, category: c, severity: error, phrase_list: [" + "好" * 300 + "]}\n")
    with pytest.raises(LexiconError, match="phrase_chars"):
        Checker.load(str(path))
    monkeypatch.setenv(ENVIRONMENT, "phrase_chars=400, forms=1_000_000")
    assert Checker.load(str(path)).check("这" + "好" * 300).violations
    monkeypatch.setenv(ENVIRONMENT, "phrase_chars=lots")
    with pytest.raises(LexiconError, match=rf"^{ENVIRONMENT}: phrase_chars must be a whole number"):
        Checker.load(str(path))
    monkeypatch.setenv(ENVIRONMENT, "phrases=400")
    with pytest.raises(LexiconError, match=rf"^{ENVIRONMENT}: unknown limit 'phrases' \(known: pack_bytes, "):
        Checker.load(str(path))


def test_a_team_model_with_a_short_weight_list_is_refused_at_load(write_pack, tmp_path):
    (tmp_path / "team.json").write_text('{"name": "team", "categories": ["讽刺", "辱骂"], "bias": 0, "category_bias": [0, 0],'
                                        ' "features": {"真行": [3.0, [1.0]]}}', encoding="utf-8")
    message = refused(write_pack, HEAD + "classifier: {model: team.json, rules: {讽刺: house}}\n" + LIST_RULE)
    assert "classifier.model: cannot load 'team.json' (`features` must map each n-gram to [weight, [2 category weights]]" in message


# -- linear growth -------------------------------------------------------------------------------


def test_regional_forms_and_phonetic_keys_stay_bounded_for_a_long_literal():
    normalizer = Normalizer(dialect={"你": ["侬", "恁"], "去": ["克"]})
    literal = "你找别人去" * 2000
    forms = normalizer.spoken_forms(literal)
    assert forms[0] == literal and len(forms) == 48 and all(len(f) == len(literal) for f in forms)
    assert normalizer.spoken_forms("你找别人去") == ("你找别人去", "你找别人克", "侬找别人去", "侬找别人克", "恁找别人去", "恁找别人克")
    keys = normalizer.phonetic_variants(normalizer.fold("长行乐" * 3000))
    assert 1 < len(keys) <= 32 and len(set(keys)) == len(keys)


def _seconds_to_test_examples(write_pack, text: str, name: str) -> float:
    checker = Checker.load(str(write_pack(text, name=name)), verify_examples=False)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        checker.test_examples()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def test_testing_examples_grows_linearly_with_rules_that_share_a_phrase(write_pack):
    """Each rule's flag examples are verified against its own hits: 4× the rules, about 4× the
    time (every example against every rule, as before, took 16×: 2,000 such rules loaded in 111 s)."""
    def pack(count: int) -> str:
        return HEAD + "rules:" + "".join(rule("phrases: [不归我管]", id=f"rule-{i}") for i in range(count))

    small, large = _seconds_to_test_examples(write_pack, pack(150), "small"), _seconds_to_test_examples(write_pack, pack(600), "large")
    assert large / small < 9, f"150 rules {small:.3f} s, 600 rules {large:.3f} s"


def test_compiling_a_phrase_grows_linearly_with_its_length(monkeypatch):
    """Regional forms and phonetic keys of a phrase: 4× the characters, about 4× the time (they
    were built quadratically: a 32,000-character phrase took 12 s)."""
    monkeypatch.setenv(ENVIRONMENT, "phrase_chars=100000")
    normalizer = Normalizer(dialect={"你": ["侬", "恁"], "去": ["克"]})

    def seconds(length: int) -> float:
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            PatternCompiler(normalizer, {}).pattern((ElementSpec(("你找别人去" * (length // 5),)),), "phrases", True)
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)

    small, large = seconds(5_000), seconds(20_000)
    assert large / small < 9, f"5,000 characters {small:.3f} s, 20,000 characters {large:.3f} s"
