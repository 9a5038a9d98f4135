"""Rule authors get one-line errors naming the file, the rule id and the field."""

import pytest

from phrasecheck import Checker, LexiconError

GOOD_RULE = """
  - id: good-rule
    category: 测试
    severity: error
    scenario: 测试
    phrases: ["你告吧"]
    why: 测试。
    suggest: ["请您稍候"]
    source: {seed: "000", line: "419"}
    examples:
      flag: ["我就这样，你告吧"]
      clean: ["您好"]
"""


def load(path):
    return Checker.load(str(path))


def test_invalid_yaml_names_file_and_line(write_pack):
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:\n  - id: [unclosed\n")
    with pytest.raises(LexiconError, match=r"mini\.yaml:\d+:\d+: invalid YAML"):
        load(path)


def test_unknown_field_names_rule_and_field(write_pack):
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE.replace("    why:", "    whyy: x\n    why:"))
    with pytest.raises(LexiconError, match=r"mini\.yaml: rule 'good-rule': whyy: Extra inputs"):
        load(path)


def test_bad_severity_and_bad_pattern_are_explained(write_pack):
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE.replace("severity: error", "severity: fatal"))
    with pytest.raises(LexiconError, match=r"rule 'good-rule': severity: Input should be 'info', 'warning', 'error' or 'critical'"):
        load(path)
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE.replace('phrases: ["你告吧"]', 'patterns: ["[你告吧"]'))
    with pytest.raises(LexiconError, match=r"rule 'good-rule': patterns: bad pattern '\[你告吧': unclosed"):
        load(path)
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE.replace("    why:", "    phonetic: longg\n    why:"))
    with pytest.raises(LexiconError, match=r"rule 'good-rule': phonetic: expected true, false or long, not 'longg'"):
        load(path)


def test_rule_without_examples_or_matchers_is_rejected(write_pack):
    no_examples = GOOD_RULE.split("    examples:")[0]
    with pytest.raises(LexiconError, match=r"rule 'good-rule': examples: Field required"):
        load(write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + no_examples))
    no_match = GOOD_RULE.replace('    phrases: ["你告吧"]\n', "")
    with pytest.raises(LexiconError, match="rule 'good-rule': a rule needs `phrases`, `patterns` or `phrase_list`"):
        load(write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + no_match))


def test_rule_missing_its_flag_example_fails_the_load(write_pack):
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE.replace('flag: ["我就这样，你告吧"]', 'flag: ["你去投诉吧"]'))
    with pytest.raises(LexiconError, match=r"rule 'good-rule': misses its own flag example '你去投诉吧'"):
        load(path)


def test_rule_firing_on_its_clean_example_fails_the_load(write_pack):
    path = write_pack("pack: mini\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE.replace('clean: ["您好"]', 'clean: ["你告吧，没关系"]'))
    with pytest.raises(LexiconError, match=r"fires on its own clean example '你告吧，没关系' \(flagged by good-rule\)"):
        load(path)


def test_unknown_pack_lists_known_packs():
    with pytest.raises(LexiconError, match=r"unknown pack 'bank' \(known packs: .*bank-counter"):
        Checker.load("bank")


def test_extends_cycle_and_duplicate_ids(write_pack, tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_LEXICONS", str(tmp_path))
    write_pack("pack: a\ntitle: t\nversion: '1'\nextends: [b]\n", name="a")
    write_pack("pack: b\ntitle: t\nversion: '1'\nextends: [a]\n", name="b")
    with pytest.raises(LexiconError, match="cycle"):
        Checker.load("a")
    write_pack("pack: c\ntitle: t\nversion: '1'\nrules:" + GOOD_RULE, name="c")
    write_pack("pack: d\ntitle: t\nversion: '1'\nextends: [c]\nrules:" + GOOD_RULE, name="d")
    with pytest.raises(LexiconError, match="rule 'good-rule' is already defined in .*c.yaml"):
        Checker.load("d")


def test_every_shipped_pack_loads_and_passes_its_examples():
    from phrasecheck.lexicon import available_packs

    for name in available_packs():
        checker = Checker.load(name, verify_examples=False)
        assert checker.test_examples() == [], name
        assert checker.rules or checker.courtesy, name


def test_a_pack_extending_core_keeps_the_longest_frame_reach(write_pack, tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_LEXICONS", str(tmp_path))
    write_pack("pack: narrow\ntitle: t\nversion: '1'\nextends: [core]\njudge:\n  frame_reach: 4\n", name="narrow")
    assert Checker.load("narrow", verify_examples=False).judging.frame_reach == Checker.load("core").judging.frame_reach
