"""Reviewed hits as a regression set: `review --export-tests` then `lexicon test --regression`
against edits of a small pack: an edit that breaks a confirmed hit fails with one line per broken
verdict; false hits the rules still fire on are known, and a fix that clears one is reported."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from phrasecheck.cli import app

runner = CliRunner()

PACK = """\
pack: mini
title: 测试
version: "1"
rules:
  - id: deflect-mini
    category: 推诿
    severity: error
    scenario: 测试
    phrases: ["找别人去"]{deflect_unless}
    why: 推诿。
    suggest: ["请您到××柜台办理"]
    source: {{seed: "000", line: "1"}}
    examples: {{flag: ["找别人去。"], clean: ["请您到三号柜台办理。"]}}
  - id: {hurry_id}
    category: 不耐烦
    severity: error
    scenario: 测试
    phrases: ["快点"]{hurry_unless}
    why: 催促客户。
    suggest: ["请您慢慢说"]
    source: {{seed: "000", line: "2"}}
    examples: {{flag: ["快点说。"], clean: ["请您慢慢说。"]}}
"""
CALL = [
    {"conv_id": "m1", "seq": 1, "role": "agent", "agent_id": "a1", "text": "这事找别人去吧。"},
    {"conv_id": "m1", "seq": 2, "role": "customer", "text": "我要挂失"},
    {"conv_id": "m1", "seq": 3, "role": "agent", "agent_id": "a1", "text": "快点说卡号。"},
    {"conv_id": "m1", "seq": 4, "role": "agent", "agent_id": "a1", "text": "快点的话我帮您加急。"},
]
VERDICTS = """conversation,turn,rule,start,end,matched,verdict,reviewer
m1,0,deflect-mini,2,6,找别人去,confirmed,王质检
m1,2,hurry-mini,0,2,快点,confirmed,王质检
m1,3,hurry-mini,0,2,快点,false,王质检
"""


def pack(tmp_path, name, deflect_unless="", hurry_unless="", hurry_id="hurry-mini"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(PACK.format(deflect_unless=deflect_unless, hurry_unless=hurry_unless, hurry_id=hurry_id), encoding="utf-8")
    return str(path)


UNLESS = '\n    unless: [{{pattern: "{0}", scope: sentence}}]'


def exported(tmp_path):
    v1 = pack(tmp_path, "v1")
    calls = tmp_path / "calls.jsonl"
    calls.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CALL), encoding="utf-8")
    scored = runner.invoke(app, ["score", str(calls), "--pack", v1, "--out", str(tmp_path / "qa"), "-j", "1", "--channel", "chat"])
    assert scored.exit_code == 0, scored.output
    (tmp_path / "v.csv").write_text(VERDICTS, encoding="utf-8")
    reg = tmp_path / "reg.jsonl"
    reviewed = runner.invoke(app, ["review", str(tmp_path / "qa"), str(tmp_path / "v.csv"), "--pack", v1,
                                   "--export-tests", str(reg)])
    assert reviewed.exit_code == 0, reviewed.output
    return reg


def failures(result):
    return [line for line in result.output.splitlines() if line.startswith("FAIL")]


def test_export_labels_each_reviewed_hit(tmp_path):
    examples = [json.loads(line) for line in exported(tmp_path).read_text(encoding="utf-8").splitlines()]
    assert [(e["rule"], e["turn"], e["expect"], e["known"]) for e in examples] == [
        ("deflect-mini", 0, "flag", False), ("hurry-mini", 2, "flag", False),
        ("hurry-mini", 3, "clean", True),  # the rule still fires on the hit reviewers called false
    ]
    assert examples[0]["text"] == "这事找别人去吧。" and examples[0]["pack"] == "mini" and examples[0]["source"].endswith("v.csv:2")


def test_the_unchanged_pack_passes_and_a_breaking_edit_fails(tmp_path):
    reg = str(exported(tmp_path))
    same = runner.invoke(app, ["lexicon", "test", pack(tmp_path, "v1"), "--regression", reg])
    assert same.exit_code == 0, same.output
    assert "2 reviewed verdict(s), 0 broken; 1 already wrong when exported (known)" in same.output

    # an unless that also swallows the confirmed 这事找别人去: the rule's own examples still pass
    broken = runner.invoke(app, ["lexicon", "test", pack(tmp_path, "v2", deflect_unless=UNLESS.format("这事")), "--regression", reg])
    assert broken.exit_code == 1
    assert failures(broken) == [f"FAIL {reg}:1: rule 'deflect-mini' no longer flags conversation 'm1' turn 0 [2:6] "
                                f"(confirmed by 王质检, {tmp_path / 'v.csv'}:2)"]
    assert "这事" not in broken.output  # the transcript's words stay out of CI logs

    renamed = runner.invoke(app, ["lexicon", "test", pack(tmp_path, "v3", hurry_id="hurry-fast"), "--regression", reg])
    assert renamed.exit_code == 1
    assert len(failures(renamed)) == 1 and "rule 'hurry-mini' is not in pack 'mini' (renamed or removed?)" in failures(renamed)[0]


def test_a_fix_for_a_false_hit_is_reported_and_does_not_fail(tmp_path):
    reg = str(exported(tmp_path))
    fixed = runner.invoke(app, ["lexicon", "test", pack(tmp_path, "v4", hurry_unless=UNLESS.format("的话")), "--regression", reg])
    assert fixed.exit_code == 0, fixed.output
    assert f"note: {reg}:3: rule 'hurry-mini' now leaves clean conversation 'm1' turn 3 [0:2]" in fixed.output


def test_a_bad_regression_line_is_an_error_naming_it(tmp_path):
    reg = tmp_path / "reg.jsonl"
    reg.write_text('{"schema": "phrasecheck/regression/1", "rule": "x"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, ["lexicon", "test", "core", "--regression", str(reg)])
    assert result.exit_code == 2
    assert f"{reg}:1: expected \"rule\" and \"expect\"" in result.output and f"{reg}:2: invalid JSON" in result.output
