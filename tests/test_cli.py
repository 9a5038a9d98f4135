"""The command line as a team lead uses it: exit codes, formats, and errors that name the line."""

import csv
import io
import json

from typer.testing import CliRunner

from phrasecheck.cli import app

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_check_explains_the_violation_and_exits_1():
    result = run("check", "--pack", "bank-counter", "钱点清楚了，回执也打好了，在这签个名。")
    assert result.exit_code == 1
    assert "counter-sign-here" in result.output
    assert "请您在这里签名!" in result.output
    assert "钱点清楚了，回执也打好了，请您在这里签名。" in result.output  # the rewrite


def test_check_clean_text_exits_0_and_json_follows_the_wire_schema():
    result = run("check", "--pack", "bank-counter", "--json", "您好，请问您办理什么业务？")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["schema"] == "phrasecheck/1" and data["decision"] == "pass" and data["violations"] == []
    assert data["lexicon"]["pack"] == "bank-counter"


def test_fail_on_error_ignores_warnings():
    assert run("check", "等着！").exit_code == 1
    assert run("check", "--fail-on", "error", "等着！").exit_code == 0


def test_scan_jsonl_keeps_input_order_ids_and_extra_fields(tmp_path):
    source = tmp_path / "chat.jsonl"
    lines = [
        {"id": "m1", "role": "agent", "text": "您好，请问您办理什么业务？", "agent_id": "a7"},
        {"id": "m2", "role": "客户", "text": "我就这样，你告吧"},
        {"id": "m3", "role": "坐席", "text": "我就这样，你告吧"},
    ]
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    result = run("scan", str(source), "--pack", "bank-counter", "--format", "jsonl")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["m1", "m2", "m3"]
    assert [o["decision"] for o in out] == ["pass", "pass", "block"]
    assert out[1]["scored"] is False and out[1]["role"] == "customer"
    assert out[0]["meta"] == {"agent_id": "a7"}


def test_scan_bad_line_names_file_and_line_and_keeps_earlier_results(tmp_path):
    source = tmp_path / "broken.jsonl"
    source.write_text('{"id": "a", "text": "下一个！"}\n{"id": "b", "text": "您好"\n{"id": "c", "text": "x"}\n', encoding="utf-8")
    result = run("scan", str(source), "-p", "bank-counter", "-f", "jsonl")
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a"]
    assert "broken.jsonl:2: invalid JSON" in result.stderr
    assert "Traceback" not in result.output


def test_scan_csv_reads_the_same_columns_and_writes_csv(tmp_path):
    source = tmp_path / "replies.csv"
    source.write_text("id,role,text\nr1,agent,结账了，不能办\nr2,agent,请您稍候\n", encoding="utf-8")
    result = run("scan", str(source), "-p", "bank-counter", "-f", "csv")
    assert result.exit_code == 1
    assert result.stdout.startswith("\ufeff")  # a UTF-8 BOM, like score's CSVs, so Excel shows the Chinese
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert [(r["id"], r["decision"], r["rule"]) for r in rows] == [
        ("r1", "block", "counter-closed-accounts-cannot-do"), ("r2", "pass", "")]


def test_scan_csv_without_text_column_is_a_clear_error(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("id,message\n1,你好\n", encoding="utf-8")
    result = run("scan", str(source))
    assert result.exit_code == 2
    assert 'bad.csv:1: expected a CSV header with a "text" column (found: id, message)' in result.stderr


def test_scan_reads_gbk_and_utf8_bom(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,text\n1,你办啥\n".encode("gbk"))
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "2", "text": "你办啥"}, ensure_ascii=False).encode())
    result = run("scan", str(gbk), str(bom), "-p", "bank-counter", "-f", "jsonl")
    assert result.exit_code == 1
    assert [json.loads(line)["decision"] for line in result.stdout.splitlines()] == ["block", "block"]


def test_undecodable_file_is_named(tmp_path):
    source = tmp_path / "latin.txt"
    source.write_bytes(b"ok line\n\xff\xfe\xfa broken\n")
    result = run("scan", str(source))
    assert result.exit_code == 2
    assert "latin.txt:2: cannot decode the file: expected UTF-8, UTF-8 with BOM or GBK" in result.stderr


def test_scan_stdin_and_sarif(tmp_path):
    result = run("scan", "-", "-p", "bank-counter", "-f", "sarif", input="你办啥\n您好\n")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    (hit,) = sarif["runs"][0]["results"]
    assert hit["ruleId"] == "counter-what-do-you-want"
    assert hit["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert rule_ids[hit["ruleIndex"]] == "counter-what-do-you-want"


def test_unknown_role_and_missing_file_are_input_errors(tmp_path):
    source = tmp_path / "roles.jsonl"
    source.write_text('{"text": "你好", "role": "robot"}\n', encoding="utf-8")
    result = run("scan", str(source), str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert "roles.jsonl:1: unknown role 'robot'" in result.stderr
    assert "nope.jsonl: no such file" in result.stderr


def test_unknown_pack_is_a_usage_error():
    result = run("check", "--pack", "no-such-pack", "你好")
    assert result.exit_code == 2
    assert "unknown pack 'no-such-pack'" in result.stderr


def test_lexicon_commands():
    listing = run("lexicon", "list")
    assert listing.exit_code == 0 and "bank-counter" in listing.output
    shown = run("lexicon", "show", "counter-next-one")
    assert shown.exit_code == 0
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Source: seed 000, line 392"):
        assert heading in shown.output
    assert run("lexicon", "show", "no-such-rule").exit_code == 2
    tested = run("lexicon", "test", "bank-counter")
    assert tested.exit_code == 0 and "all examples pass" in tested.output
    assert run("lexicon", "validate", "bank-counter").exit_code == 0


# --- scan reads every format score reads -----------------------------------------------------------

from pathlib import Path  # noqa: E402

DATA = Path(__file__).parent / "data" / "transcripts"
SAMPLES = sorted(str(path) for path in DATA.iterdir() if path.is_file())


def test_scan_finds_in_every_sample_format_what_score_finds(tmp_path):
    """Same utterances, same roles, same order, flagged the same way, whichever command reads them."""
    scanned = run("scan", *SAMPLES, "-p", "bank-counter", "-f", "jsonl", "--fail-on", "never")
    assert scanned.exit_code == 0, scanned.output
    scan = [(o["role"], o["decision"], [v["rule"] for v in o["violations"]])
            for o in map(json.loads, scanned.stdout.splitlines())]
    scored = run("score", *SAMPLES, "-p", "bank-counter", "--out", str(tmp_path), "--jobs", "1")
    assert scored.exit_code == 0, scored.output
    conversations = [json.loads(line) for line in (tmp_path / "conversations.jsonl").read_text(encoding="utf-8").splitlines()]
    score = [(t["role"], t["decision"], [v["rule"] for v in t["violations"]]) for c in conversations for t in c["turns"]]
    assert len(scan) == len(score) > 100
    assert scan == score
    assert {"bot", "agent", "customer"} <= {role for role, _, _ in scan}  # bot turns are read, not scored


def test_scan_reads_a_json_conversation_file_as_its_turns():
    result = run("scan", str(DATA / "chats.json"), "-p", "bank-counter", "-f", "jsonl")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [f"w3001:{n}" for n in range(1, 5)] + [f"w3002:{n}" for n in range(1, 6)]
    assert [o["role"] for o in out[4:6]] == ["customer", "bot"] and out[5]["scored"] is False
    assert result.exit_code == 1 and out[1]["decision"] == "block"  # 自己看页面说明


def test_scan_reads_csv_with_chinese_headers(tmp_path):
    source = tmp_path / "质检导出.csv"
    source.write_bytes("会话ID,序号,角色,坐席工号,内容\nq1,1,坐席,8001,你办啥\nq1,2,客户,,我办卡\n".encode("gbk"))
    result = run("scan", str(source), "-p", "bank-counter", "-f", "jsonl")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["role"], o["decision"]) for o in out] == [("q1:1", "agent", "block"), ("q1:2", "customer", "pass")]
    assert out[0]["meta"]["agent_id"] == "8001"


def test_scan_names_each_unreadable_file_and_line_and_still_scans_the_rest(tmp_path):
    truncated = tmp_path / "cut.json"
    truncated.write_text('{"conv_id": "t1", "turns": [{"role": "agent", "text": "您好', encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    binary = tmp_path / "export.csv"
    binary.write_bytes("conv_id,role,text\nx,agent,您好\n".encode("utf-16"))
    roles = tmp_path / "roles.jsonl"
    roles.write_text('{"conv_id":"r1","role":"agent","text":"你办啥"}\n{"conv_id":"r1","role":"经理","text":"好"}\n',
                     encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("坐席：您好，请问有什么可以帮您？\n客户：我要挂失\n", encoding="utf-8")
    result = run("scan", str(truncated), str(empty), str(binary), str(roles), str(good), "-p", "bank-counter", "-f", "jsonl")
    assert result.exit_code == 2
    assert "cut.json:1: invalid JSON (it ends inside a JSON value: truncated?)" in result.stderr
    assert "empty.jsonl: empty file, expected JSONL" in result.stderr
    assert "export.csv:1: NUL bytes: binary data or UTF-16 text" in result.stderr
    assert "roles.jsonl:2: unknown role '经理'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 4 and "Traceback" not in result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    # the line before the bad one, then the good file
    assert [(o["id"], o["decision"]) for o in out] == [("r1:1", "block"), ("good.txt:1", "pass"), ("good.txt:2", "pass")]


def test_scan_txt_with_role_prefixes_is_a_transcript(tmp_path):
    source = tmp_path / "call.txt"
    source.write_text("坐席：你办啥\n客户：你办啥\n", encoding="utf-8")
    out = [json.loads(line) for line in run("scan", str(source), "-p", "bank-counter", "-f", "jsonl").stdout.splitlines()]
    assert [(o["role"], o["decision"]) for o in out] == [("agent", "block"), ("customer", "pass")]


def test_scan_sarif_regions_point_into_the_file_and_rules_are_documented(tmp_path):
    source = tmp_path / "replies.jsonl"
    line = '{"id": "x1", "role": "agent", "text": "好的，这个不归我管，找别人去"}'
    source.write_text("\n" + line + "\n", encoding="utf-8")
    result = run("scan", str(source), "-p", "bank-counter", "-f", "sarif")
    sarif = json.loads(result.stdout)
    run_ = sarif["runs"][0]
    assert run_["columnKind"] == "unicodeCodePoints"
    (hit,) = run_["results"]
    region = hit["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 2
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == region["snippet"]["text"] == "不归我管，找别人去"
    text = source.read_text(encoding="utf-8")
    assert text[region["charOffset"]:region["charOffset"] + region["charLength"]] == "不归我管，找别人去"
    rule = run_["tool"]["driver"]["rules"][hit["ruleIndex"]]
    assert rule["id"] == hit["ruleId"]
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and "应说" in rule["help"]["text"]
    assert rule["helpUri"] == f"phrasecheck://lexicon/show/{rule['id']}"
    assert all(r["helpUri"].endswith("/" + r["id"]) for r in run_["tool"]["driver"]["rules"])
