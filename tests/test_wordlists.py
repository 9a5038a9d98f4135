"""House word lists as a team lead uses them: a 禁语 file becomes a pack in one step, a violation
names the entry it matched, and a bad list is one line naming the file and the line."""

import csv
import io
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from phrasecheck import Checker, LexiconError
from phrasecheck.cli import app
from phrasecheck.engine.normalize import Normalizer

runner = CliRunner()
EXAMPLE_LIST = Path(__file__).resolve().parents[1] / "lexicons" / "examples" / "house-words.txt"

TXT_LIST = """\
# 团队禁语
懒得解释

自己百度   # 推诿
回头再说
#随缘
"""

LIST_PACK = """\
pack: house
title: house words
version: "1"
extends: [core]
rules:
  - id: house-words
    category: 禁语
    severity: error
    phrase_list: {file: %s}
"""


def list_pack(tmp_path: Path, content: str | bytes, name: str = "words.txt", rule: str = "") -> Path:
    listed = tmp_path / name
    if isinstance(content, bytes):
        listed.write_bytes(content)
    else:
        listed.write_text(content, encoding="utf-8")
    pack = tmp_path / "house.yaml"
    pack.write_text(LIST_PACK % name + rule, encoding="utf-8")
    return pack


def only(result, rule="house-words"):
    found = [v for v in result.violations if v.rule == rule]
    assert len(found) == 1, result.violations
    return found[0]


def test_txt_list_violation_names_the_entry_and_points_at_the_original_span(tmp_path):
    checker = Checker.load(str(list_pack(tmp_path, TXT_LIST)))
    text = "好的好的，懒 得 解 释，反正就这价。"
    violation = only(checker.check(text))
    assert violation.entry == "懒得解释"
    assert (violation.start, violation.end) == (5, 12) and text[violation.start:violation.end] == "懒 得 解 释"
    assert violation.matched == "懒 得 解 释" and violation.match_type == "exact"
    assert violation.category == "禁语" and violation.severity == "error"
    assert violation.source == "words.txt, line 2"
    assert violation.to_dict()["entry"] == "懒得解释"


def test_csv_list_with_a_suggest_column(tmp_path):
    content = "词,建议,备注\n懒得解释,请您慢慢挑选。,态度\n\"回头再说\",,\n"
    checker = Checker.load(str(list_pack(tmp_path, content, "words.csv")))
    result = checker.check("懒得解释")
    violation = only(result)
    assert (violation.entry, violation.source) == ("懒得解释", "words.csv, line 2")
    assert violation.suggestions == ("请您慢慢挑选。",)
    assert result.rewrite == "请您慢慢挑选。"
    other = only(checker.check("这个回头再说？"))
    assert other.entry == "回头再说" and other.suggestions == () and other.source == "words.csv, line 3"


def test_traditional_width_case_and_spaced_variants_match_the_entry(tmp_path):
    checker = Checker.load(str(list_pack(tmp_path, "回头再说\nVIP专享\n")))
    for text, matched in (("这个回頭再說", "回頭再說"), ("这个回*头*再*说", "回*头*再*说"), ("ｖｉｐ专享", "ｖｉｐ专享"),
                          ("vip 专 享", "vip 专 享")):
        violation = only(checker.check(text))
        assert violation.matched == matched, text
        assert violation.entry in ("回头再说", "VIP专享")


def test_matching_is_exact_unless_the_rule_asks_for_homophones(tmp_path):
    exact = Checker.load(str(list_pack(tmp_path, "回头再说\n")))
    assert not [v for v in exact.check("你回投再说").violations if v.rule == "house-words"]
    assert only(exact.check("你回头再说吧")).entry == "回头再说"
    phonetic = Checker.load(str(list_pack(tmp_path, "回头再说\n", rule="    phonetic: true\n")))
    violation = only(phonetic.check("你回投再说"))
    assert violation.match_type == "phonetic" and violation.entry == "回头再说"


def test_regional_forms_only_when_the_list_asks(tmp_path):
    plain = Checker.load(str(list_pack(tmp_path, "你懒得解释\n")))
    assert not [v for v in plain.check("侬懒得解释").violations if v.rule == "house-words"]
    regional = list_pack(tmp_path, "你懒得解释\n")
    regional.write_text(regional.read_text(encoding="utf-8").replace("{file: words.txt}", "{file: words.txt, regional: true}"),
                        encoding="utf-8")
    checker = Checker.load(str(regional))
    assert only(checker.check("侬懒得解释")).entry == "你懒得解释"
    words = checker.rule("house-words").words
    assert words.size == 1 and len(words.texts) > 1


def test_comments_blank_lines_and_duplicates_are_skipped(tmp_path):
    checker = Checker.load(str(list_pack(tmp_path, TXT_LIST + "懶得解釋\n懒得解释\n")))
    words = checker.rule("house-words").words
    assert words.texts == ("懒得解释", "自己百度", "回头再说")  # 懶得解釋 folds to an earlier entry
    assert words.lines == (2, 4, 5) and words.duplicates == 2
    assert not [v for v in checker.check("团队禁语随缘").violations if v.rule == "house-words"]


def test_a_tab_ends_a_txt_entry_and_a_tsv_list_has_columns(tmp_path):
    txt = Checker.load(str(list_pack(tmp_path, "懒得解释\t态度\n")))
    assert txt.rule("house-words").words.texts == ("懒得解释",)
    tsv = Checker.load(str(list_pack(tmp_path, "词\t建议\n回头再说\t我来帮您跟进\n", "words.tsv")))
    violation = only(tsv.check("回头再说"))
    assert violation.entry == "回头再说" and violation.suggestions == ("我来帮您跟进",)


def test_gbk_and_bom_lists_are_read(tmp_path):
    gbk = Checker.load(str(list_pack(tmp_path, "懒得解释\n".encode("gbk"))))
    assert only(gbk.check("懒得解释")).entry == "懒得解释"
    bom = Checker.load(str(list_pack(tmp_path, "\ufeff回头再说\n".encode("utf-8"))))
    assert only(bom.check("回头再说")).entry == "回头再说"


@pytest.mark.parametrize(
    "content, name, message",
    [
        ("爱买不买\n！！！\n", "words.txt", r"words\.txt:2: entry '！！！' is empty once folded"),
        (b"\xe7\x88\xb1\n\xff\xff\xff\n", "words.txt", r"words\.txt:2: cannot decode the file: expected UTF-8, UTF-8 with BOM or GBK"),
        (b"a\x00b\n", "words.txt", r"words\.txt:1: NUL bytes"),
        ("词,类别\n爱买不买,态度\n", "words.csv", r"words\.csv:1: a per-entry `category` column is not supported"),
        ("词,建议\n,请您\n", "words.csv", r"words\.csv:2: no entry in column 1"),
        ("# only a comment\n\n", "words.txt", r"words\.txt: the word list has no entries"),
    ],
)
def test_a_bad_list_is_one_line_naming_the_file_and_the_line(tmp_path, content, name, message):
    with pytest.raises(LexiconError, match=message) as caught:
        Checker.load(str(list_pack(tmp_path, content, name)))
    assert "\n" not in str(caught.value)


def test_a_missing_list_file_names_the_file_and_the_rule(tmp_path):
    pack = tmp_path / "house.yaml"
    pack.write_text(LIST_PACK % "nowhere.txt", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"nowhere\.txt: no such word list file \(rule 'house-words'\)"):
        Checker.load(str(pack))


def test_a_list_rule_needs_no_examples_source_why_or_suggestion(tmp_path):
    pack = tmp_path / "inline.yaml"
    pack.write_text("pack: inline\ntitle: t\nversion: '1'\nrules:\n"
                    "  - id: inline-words\n    category: 禁语\n    severity: warning\n    phrase_list: [随缘, 别较真]\n",
                    encoding="utf-8")
    checker = Checker.load(str(pack))
    rule = checker.rule("inline-words").rule
    assert rule.examples is None and rule.source is None and rule.suggest == [] and rule.phonetic is False
    assert "inline list" in rule.why and rule.scenario
    violation = only(checker.check("我现在随缘"), "inline-words")
    assert (violation.entry, violation.source) == ("随缘", "inline.yaml phrase_list, entry 1")
    assert checker.test_examples() == []
    # An ordinary rule still needs them.
    pack.write_text("pack: inline\ntitle: t\nversion: '1'\nrules:\n  - id: plain\n    category: 禁语\n    severity: error\n"
                    "    scenario: s\n    phrases: [随缘]\n    why: w\n    suggest: [请稍候]\n    source: null\n"
                    "    examples: {flag: [随缘], clean: [您好]}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"rule 'plain': a rule needs `source` \(only a phrase_list rule may leave it out\)"):
        Checker.load(str(pack))


def test_an_inline_entry_that_folds_to_nothing_names_the_rule_and_position(tmp_path):
    pack = tmp_path / "inline.yaml"
    pack.write_text("pack: inline\ntitle: t\nversion: '1'\nrules:\n"
                    "  - id: inline-words\n    category: 禁语\n    severity: error\n    phrase_list: [随缘, '~~']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"inline\.yaml: rule 'inline-words': phrase_list entry 2: entry '~~' is empty once folded"):
        Checker.load(str(pack))


def test_a_house_word_in_a_bundled_clean_example_does_not_stop_loading(tmp_path):
    # core's deflect-not-my-job keeps 「…就没有不归我管的事…」 as a clean example.
    checker = Checker.load(str(list_pack(tmp_path, "不归我管\n")))
    assert only(checker.check("就没有不归我管的事")).entry == "不归我管"


def test_ordinary_violations_carry_a_null_entry(bank):
    violation = bank.check("不归我管，找别人去").to_dict()["violations"][0]
    assert "entry" in violation and violation["entry"] is None


def test_fold_many_folds_as_fold_does():
    normalizer = Normalizer(fillers="嗯")
    texts = ["傻逼", "看看看看", "", "~", "ＡＢＣ", "不歸我管", "找*别*人去", "sb", "笨蛋！", "滚。", "\U00020000字", "嗯好嗯", "了了了"]
    assert normalizer.fold_many(texts) == [normalizer.fold(t) for t in texts]


def run(*args):
    return runner.invoke(app, list(args))


def test_lexicon_import_writes_a_pack_that_check_uses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "words.txt").write_text(EXAMPLE_LIST.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("lexicon", "import", "words.txt", "--category", "禁语", "--severity", "error", "--id", "team-words")
    assert result.exit_code == 0, result.output
    assert "wrote words.yaml: rule 'team-words' [error] 禁语, 7 entries from words.txt, extends core" in result.output
    assert "phrasecheck check --pack words.yaml" in result.output
    assert "phrase_list: {file: words.txt}" in (tmp_path / "words.yaml").read_text(encoding="utf-8")

    checked = run("check", "--pack", "words.yaml", "这个我现在隨緣，回頭再說吧")
    assert checked.exit_code == 1
    assert "team-words" in checked.output and "词表「回头再说」" in checked.output and "words.txt, line 9" in checked.output
    data = json.loads(run("check", "--pack", "words.yaml", "--json", "自 己 百 度").output)
    assert [(v["rule"], v["entry"], v["matched"]) for v in data["violations"]] == [("team-words", "自己百度", "自 己 百 度")]
    # Where core's own rule covers the same words, it is reported: it says why and what to say.
    both = json.loads(run("check", "--pack", "words.yaml", "--json", "关我什么事").output)["violations"]
    assert [(v["rule"], v["entry"]) for v in both] == [("talk-back", None)]

    (tmp_path / "replies.txt").write_text("您好，请问办理什么业务？\n别较真了\n", encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(run("scan", "replies.txt", "--pack", "words.yaml", "--format", "csv").output.lstrip("\ufeff"))))
    assert [(r["rule"], r["entry"]) for r in rows] == [("", ""), ("team-words", "别较真")]
    sarif = json.loads(run("scan", "replies.txt", "--pack", "words.yaml", "--format", "sarif").output)
    hit = sarif["runs"][0]["results"][0]
    assert hit["properties"]["entry"] == "别较真" and "别较真" in hit["message"]["text"]
    jsonl = [json.loads(line) for line in run("scan", "replies.txt", "--pack", "words.yaml", "--format", "jsonl").output.splitlines()]
    assert jsonl[1]["violations"][0]["entry"] == "别较真"

    again = run("lexicon", "import", "words.txt", "--category", "禁语", "--severity", "error")
    assert again.exit_code == 2 and "words.yaml: already exists (use --force to overwrite it)" in again.output


def test_lexicon_import_copies_the_list_and_refuses_a_bad_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "bad.txt").write_text("好\n…\n", encoding="utf-8")
    result = run("lexicon", "import", "lists/bad.txt", "--category", "禁语", "--severity", "error", "--out", "packs/bad.yaml", "--copy")
    assert result.exit_code == 2 and "bad.txt:2: entry '…' is empty once folded" in result.output
    assert not (tmp_path / "packs" / "bad.yaml").exists() and not (tmp_path / "packs" / "bad.txt").exists()
    (tmp_path / "lists" / "bad.txt").write_text("别较真\n", encoding="utf-8")
    result = run("lexicon", "import", "lists/bad.txt", "--category", "禁语", "--severity", "warning", "--out", "packs/bad.yaml",
                 "--copy", "--extends", "none", "--pack-name", "mine")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "packs" / "bad.yaml").read_text(encoding="utf-8")
    assert "pack: mine" in text and "{file: bad.txt}" in text and "extends" not in text
    assert (tmp_path / "packs" / "bad.txt").read_text(encoding="utf-8") == "别较真\n"


def test_a_generated_list_of_thousands_loads_and_matches(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from wordlist import house_words, write_pack

    words = house_words(5000, seed=3)
    checker = Checker.load(str(write_pack(tmp_path, words)))
    assert checker.rule("house-words").words.size == 5000
    violation = only(checker.check(f"您好，{words[1234]}。"))
    assert violation.entry == words[1234]


def test_the_service_names_the_entry_and_reloads_an_edited_list(tmp_path, monkeypatch):
    import time

    from fastapi.testclient import TestClient

    from api.app import Settings, create_app

    monkeypatch.setenv("PHRASECHECK_LEXICONS", str(tmp_path))
    listed = tmp_path / "words.txt"
    listed.write_text("懒得解释\n", encoding="utf-8")
    (tmp_path / "house-test.yaml").write_text((LIST_PACK % "words.txt").replace("pack: house", "pack: house-test"),
                                              encoding="utf-8")
    with TestClient(create_app("core", Settings(reload_interval=0.05))) as client:
        def entries(text):
            response = client.post("/v1/check", json={"text": text, "pack": "house-test"})
            assert response.status_code == 200, response.text
            return [v["entry"] for v in response.json()["violations"]]

        assert entries("懒 得 解 释") == ["懒得解释"]
        assert entries("回头再说") == []
        rules = client.get("/v1/rules", params={"pack": "house-test"}).json()["rules"]
        assert {"id": "house-words", "source": "words.txt", "suggest": [], "examples": {"flag": [], "clean": []}}.items() <= \
            next(r for r in rules if r["id"] == "house-words").items()
        listed.write_text("懒得解释\n回头再说\n", encoding="utf-8")  # the pack file is unchanged
        deadline = time.monotonic() + 30
        while entries("回头再说") != ["回头再说"]:
            assert time.monotonic() < deadline, "an edited list was not reloaded"
            time.sleep(0.05)


def test_where_a_list_entry_and_a_rule_flag_the_same_words_the_rule_reports_them(tmp_path):
    # At one severity the rule's own hit wins (it says why and what to say instead; the list only
    # names the word), whichever way the judge takes: compiled, or the Python guards.
    checker = Checker.load(str(list_pack(tmp_path, "不归我管\n回头再说\n")))
    python_only = Checker.load(str(list_pack(tmp_path, "不归我管\n回头再说\n")))
    python_only.check("您好")  # builds the compiled guards, then goes without them
    python_only.judging = replace(python_only.judging, compiled=None)
    for judged in (checker, python_only):
        result = judged.check("这事不归我管，回头再说")
        assert [(v.rule, v.matched) for v in result.violations] == [("deflect-not-my-job", "不归我管"),
                                                                  ("house-words", "回头再说")]
        assert result.violations[0].entry is None and result.violations[1].entry == "回头再说"
