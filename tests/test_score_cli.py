"""`phrasecheck score` over a folder: every good file scored, every bad file named with its reason."""

import csv
import json

from typer.testing import CliRunner

from phrasecheck.cli import app

runner = CliRunner()

GOOD_CALL = [
    {"conv_id": "g1", "seq": 1, "role": "坐席", "agent_id": "a1", "agent_name": "李雷", "text": "您好，燃气客服中心，工号2201为您服务。", "begin_ms": 0, "end_ms": 2500},
    {"conv_id": "g1", "seq": 2, "role": "客户", "text": "我家燃气表好像坏了", "begin_ms": 3000, "end_ms": 5000},
    {"conv_id": "g1", "seq": 3, "role": "坐席", "agent_id": "a1", "text": "好的，已经为您登记，师傅今天下午上门，感谢您的来电，再见。", "begin_ms": 6000, "end_ms": 9000},
]
BAD_CALL = [
    {"conv_id": "b1", "seq": 1, "role": "agent", "agent_id": "a2", "text": "喂。", "begin_ms": 0, "end_ms": 800},
    {"conv_id": "b1", "seq": 2, "role": "customer", "text": "我要报修", "begin_ms": 1000, "end_ms": 2000},
    {"conv_id": "b1", "seq": 3, "role": "agent", "agent_id": "a2", "text": "不归我管，找别人去", "begin_ms": 3000, "end_ms": 4500},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_score_writes_every_report_and_names_each_bad_file(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    write_jsonl(calls / "good.jsonl", GOOD_CALL)
    write_jsonl(calls / "bad-agent.jsonl", BAD_CALL)
    (calls / "truncated.json").write_text('{"conv_id": "t1", "turns": [{"role": "agent", "text": "您好', encoding="utf-8")
    (calls / "no-role.csv").write_text("conv_id,seq,text\nx1,1,您好\n", encoding="utf-8")
    (calls / "empty.jsonl").write_bytes(b"")
    (calls / "utf16.txt").write_bytes("坐席：您好\n客户：你好\n".encode("utf-16"))
    out = tmp_path / "out"

    result = runner.invoke(app, ["score", str(calls), "--pack", "bank-counter", "--out", str(out), "--jobs", "1", "--channel", "call",
                                 "--template", "seed-003"])

    assert result.exit_code == 2, result.output  # bad files: the exit code says so
    for name in ("truncated.json", "no-role.csv", "empty.jsonl", "utf16.txt"):
        assert name in result.output
    assert "role" in result.output and "empty" in result.output
    lines = [json.loads(line) for line in (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {line["id"]: line for line in lines}
    assert set(by_id) == {"g1", "b1"}  # the good files were all scored
    assert by_id["g1"]["score"] == 100 and by_id["g1"]["agent_id"] == "a1"
    bad = by_id["b1"]
    assert bad["schema"] == "phrasecheck/1" and bad["agent_id"] == "a2"
    # greeting −3, self-introduction −3, farewell −3, 不归我管 −2, civility −1
    assert bad["score"] == 88
    assert any(d["turn"] == 2 and "不归我管" in d["matched"] and d["time_ms"] == 3000 for d in bad["deductions"])

    with open(out / "agents.csv", encoding="utf-8-sig", newline="") as handle:
        agents = {row["agent_id"]: row for row in csv.DictReader(handle)}
    assert set(agents) == {"a1", "a2"}
    assert agents["a2"]["conversations"] == "1" and agents["a2"]["min_score"] == "88"
    with open(out / "rules.csv", encoding="utf-8-sig", newline="") as handle:
        rules = {row["rule"]: row for row in csv.DictReader(handle)}
    assert rules["conv-greeting"]["hits"] == "1"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "truncated.json" in html and "不归我管" in html


def test_score_of_clean_input_exits_zero_and_fail_under_exits_one(tmp_path):
    write_jsonl(tmp_path / "good.jsonl", GOOD_CALL)
    write_jsonl(tmp_path / "bad.jsonl", BAD_CALL)
    clean = runner.invoke(app, ["score", str(tmp_path / "good.jsonl"), "--out", str(tmp_path / "o1"), "--jobs", "1"])
    assert clean.exit_code == 0, clean.output
    # no --channel: self-introduction is skipped, so the bad call scores 100 − 3 − 3 − 2 − 1 = 91
    strict = runner.invoke(app, ["score", str(tmp_path / "bad.jsonl"), "--out", str(tmp_path / "o2"), "--jobs", "1", "--fail-under", "92",
                                 "--template", "seed-003"])
    assert strict.exit_code == 1, strict.output


def test_two_jobs_give_the_same_results_in_the_same_order(tmp_path):
    rows = []
    for n in range(70):  # more than two batches, so both workers take a share
        for row in (GOOD_CALL if n % 3 else BAD_CALL):
            rows.append({**row, "conv_id": f"c{n:03d}"})
    write_jsonl(tmp_path / "many.jsonl", rows)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = runner.invoke(app, ["score", str(tmp_path / "many.jsonl"), "--out", str(out), "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append([(r["id"], r["score"]) for r in map(json.loads, (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines())])
    assert outputs[0] == outputs[1]
    assert [i for i, _ in outputs[0]] == [f"c{n:03d}" for n in range(70)]


def test_a_missing_path_or_broken_template_is_a_usage_error(tmp_path):
    missing = runner.invoke(app, ["score", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2 and "nowhere" in missing.output
    broken = tmp_path / "t.yaml"
    broken.write_text("template: x\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(tmp_path), "--template", str(broken), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "t.yaml" in result.output


def test_score_reads_chat_exports_without_their_internal_notes(tmp_path):
    from pathlib import Path

    data = Path(__file__).parent / "data" / "transcripts"
    files = [str(data / name) for name in ("zendesk.json", "zendesk-qa.json", "intercom.json", "freshdesk.json")]
    result = runner.invoke(app, ["score", *files, "--pack", "bank-counter", "--out", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "conversations.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {line["id"]: line for line in lines}
    assert set(by_id) == {"zendesk", "ZQA-58213", "ZQA-58214", "183947720001", "20417"}
    assert all(line["channel"] == "chat" for line in lines)
    assert any("不归我管" in (d["matched"] or "") for d in by_id["zendesk"]["deductions"])
    assert any("你自己想办法" in (d["matched"] or "") for d in by_id["20417"]["deductions"])
    assert by_id["20417"]["agent_id"] == "48000302" and by_id["183947720001"]["agent_id"] == "7302214"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for note in ("内部备注", "已派单给张师傅", "先解绑再让她重绑"):  # internal notes never reach the report
        assert note not in html and all(note not in t["text"] for line in lines for t in line["turns"])


def test_agent_channel_takes_the_vendors_own_numbering(tmp_path):
    """iFlytek numbers speakers from 1 (rl): --agent-channel 1 is the default reading, 2 the other speaker."""
    from pathlib import Path

    sample = str(Path(__file__).parent / "data" / "transcripts" / "iflytek.json")

    def first_roles(*option):
        out = tmp_path / f"out{len(option)}{''.join(option)}"
        result = runner.invoke(app, ["score", sample, "--out", str(out), "--jobs", "1", *option])
        assert result.exit_code in (0, 1), result.output
        (line,) = (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
        return [t["role"] for t in json.loads(line)["turns"][:2]]

    assert first_roles() == first_roles("--agent-channel", "1") == ["agent", "customer"]
    assert first_roles("--agent-channel", "2") == ["customer", "agent"]
