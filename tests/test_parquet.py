"""Parquet in and out: `score` and `scan` read Parquet tables like CSV, `--format parquet` writes
tables that pandas (and so BI tools) read back with the columns the README documents."""

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from phrasecheck.cli import app

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

runner = CliRunner()
DATA = Path(__file__).parent / "data"
CALLS = DATA / "transcripts" / "calls.jsonl"
README = Path(__file__).resolve().parents[1] / "README.md"

# The Chinese export names of the canonical columns, as a QA export writes them.
CHINESE = {"conv_id": "会话ID", "seq": "序号", "role": "角色", "agent_id": "坐席工号", "agent_name": "坐席姓名", "text": "内容",
           "begin_ms": "开始时间(ms)", "end_ms": "结束时间(ms)"}


def jsonl_rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_parquet(path, rows, rename=None):
    keys = list(dict.fromkeys(key for row in rows for key in row))
    table = pa.Table.from_pylist([{key: row.get(key) for key in keys} for row in rows])
    if rename:
        table = table.rename_columns([rename.get(key, key) for key in keys])
    pq.write_table(table, path)
    return path


def score(*args):
    result = runner.invoke(app, ["score", *map(str, args), "--jobs", "1", "-q"])
    assert result.exit_code in (0, 1), result.output
    return result


def conversations(out):
    return [{k: v for k, v in line.items() if k != "source"} for line in jsonl_rows(out / "conversations.jsonl")]


def test_score_reads_parquet_like_the_same_rows_in_jsonl(tmp_path):
    parquet = write_parquet(tmp_path / "calls.parquet", jsonl_rows(CALLS))
    score(CALLS, "--out", tmp_path / "from-jsonl")
    score(parquet, "--out", tmp_path / "from-parquet")
    expected = conversations(tmp_path / "from-jsonl")
    assert [c["id"] for c in expected] == ["c1001", "c1002", "c1003"]
    assert conversations(tmp_path / "from-parquet") == expected
    assert any(t["begin_ms"] == 12000 for t in expected[2]["turns"])  # c1003's ISO `ts` column read as times


def test_chinese_export_columns_read_from_parquet_as_from_csv(tmp_path):
    rows = [{CHINESE.get(k, k): v for k, v in row.items() if k not in ("channel", "ts")} for row in jsonl_rows(CALLS)[:12]]
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "export.csv", index=False)
    frame.to_parquet(tmp_path / "export.parquet")  # pandas: nullable times become floats with NaN
    score(tmp_path / "export.csv", "--out", tmp_path / "csv", "--pack", "bank-counter")
    score(tmp_path / "export.parquet", "--out", tmp_path / "pq", "--pack", "bank-counter")
    from_csv, from_parquet = conversations(tmp_path / "csv"), conversations(tmp_path / "pq")
    assert [c["id"] for c in from_parquet] == ["c1001", "c1002"] and from_parquet == from_csv
    assert from_parquet[1]["agent_id"] == "a17" and from_parquet[1]["turns"][1]["begin_ms"] == 1800


def test_scan_reads_parquet_with_the_same_results_and_row_ids(tmp_path):
    replies = jsonl_rows(DATA / "replies.jsonl")
    parquet = write_parquet(tmp_path / "replies.parquet", [{k: v for k, v in r.items() if k != "id"} for r in replies])
    result = runner.invoke(app, ["scan", str(parquet), "--format", "jsonl"])
    expected = runner.invoke(app, ["scan", str(DATA / "replies.jsonl"), "--format", "jsonl"])
    got = [json.loads(line) for line in result.output.splitlines()]
    want = [json.loads(line) for line in expected.output.splitlines()]
    assert result.exit_code == expected.exit_code == 1
    assert [g["id"] for g in got] == [f"replies.parquet:{n}" for n in range(1, len(replies) + 1)]  # rows from 1
    assert [{**g, "id": None} for g in got] == [{**w, "id": None} for w in want]


def test_unreadable_parquet_is_one_line_naming_the_file(tmp_path):
    no_role = write_parquet(tmp_path / "no-role.parquet", [{"conv_id": "x", "seq": 1, "text": "您好"}])
    whole = (tmp_path / "no-role.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(whole[: len(whole) // 2])  # starts PAR1, footer gone
    bad_role = write_parquet(tmp_path / "bad-role.parquet", [{"conv_id": "x", "seq": 1, "role": "经理", "text": "您好"}])
    for path, expected in ((no_role, "expected Parquet columns role"), (tmp_path / "cut.parquet", "cannot read it as Parquet"),
                           (bad_role, "row 1: unknown role '经理'")):
        result = runner.invoke(app, ["score", str(path), "--out", str(tmp_path / "out"), "--jobs", "1", "-q", "--force"])
        assert result.exit_code == 2
        message = result.output.strip()
        assert message.count("\n") == 0 and str(path) in message and expected in message, message


def test_a_spark_output_folder_is_read_without_its_bookkeeping_files(tmp_path):
    table = tmp_path / "table"
    table.mkdir()
    write_parquet(table / "part-00000.parquet", jsonl_rows(CALLS))
    (table / "_SUCCESS").write_bytes(b"")
    (table / ".part-00000.parquet.crc").write_bytes(b"\0crc")
    result = score(table, "--out", tmp_path / "out")
    assert result.exit_code == 0 and len(conversations(tmp_path / "out")) == 3


def documented_columns(file_name):
    """The columns the README lists for one Parquet table: | `NAME` | col, col, … |."""
    line = next(line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith(f"| `{file_name}` |"))
    return [name.strip(" `") for name in line.split("|")[2].split(",")]


def test_score_writes_parquet_tables_with_the_documented_columns_and_the_jsonl_values(tmp_path):
    inputs = [CALLS, DATA / "transcripts" / "calls.csv"]
    score(*inputs, "--pack", "bank-counter", "--out", tmp_path / "jsonl")
    result = score(*inputs, "--pack", "bank-counter", "--out", tmp_path / "pq", "--format", "parquet")
    assert "conversations.parquet" in result.output or result.output == ""
    # beside conversations.jsonl, which `review` and `trends` read
    assert (tmp_path / "pq" / "conversations.jsonl").exists() and (tmp_path / "pq" / "report.html").exists()
    tables = {}
    for name in ("conversations", "dimensions", "turns", "violations", "findings", "deductions"):
        frame = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert list(frame.columns) == documented_columns(f"{name}.parquet"), name
        tables[name] = [{k: (None if v is None or v != v else v) for k, v in row.items()} for row in frame.to_dict("records")]
    results = jsonl_rows(tmp_path / "jsonl" / "conversations.jsonl")
    assert len(results) == 5 and any(r["deductions"] for r in results)

    assert [(c["conv_id"], c["agent_id"], c["score"], c["grade"], c["passed"], c["pack"], c["duration_ms"])
            for c in tables["conversations"]] == \
           [(r["id"], r["agent_id"], r["score"], r["grade"], r["passed"], r["lexicon"]["pack"], r["stats"]["duration_ms"])
            for r in results]
    assert [(d["conv_id"], d["dimension"], d["score"]) for d in tables["dimensions"]] == \
           [(r["id"], d["id"], d["score"]) for r in results for d in r["dimensions"]]
    assert [(t["conv_id"], t["turn"], t["text"], t["role"], t["score"], t["decision"], t["rewrite"], t["begin_ms"])
            for t in tables["turns"]] == \
           [(r["id"], t["index"], t["text"], t["role"], t.get("score"), t["decision"], t["rewrite"], t["begin_ms"])
            for r in results for t in r["turns"]]
    violations = [(r["id"], t["index"], v["rule"], v["start"], v["end"], v["matched"], v["confidence"], v["suggestions"][0])
                  for r in results for t in r["turns"] for v in t["violations"]]
    assert violations and [(v["conv_id"], v["turn"], v["rule"], v["start"], v["end"], v["matched"], v["confidence"],
                            v["suggestion"]) for v in tables["violations"]] == violations
    assert [(f["conv_id"], f["rule"], f["status"], f["turn"]) for f in tables["findings"]] == \
           [(r["id"], f["rule"], f["status"], f["turn"]) for r in results for f in r["findings"]]
    assert [(d["conv_id"], d["rule"], d["points"], d["veto"], d["seq"]) for d in tables["deductions"]] == \
           [(r["id"], d["rule"], d["points"], d["veto"], d["seq"]) for r in results for d in r["deductions"]]


def test_scan_writes_its_csv_columns_as_a_typed_parquet_table(tmp_path):
    out = tmp_path / "scan.parquet"
    result = runner.invoke(app, ["scan", str(DATA / "replies.jsonl"), "--format", "parquet", "-o", str(out)])
    assert result.exit_code == 1
    csv_out = runner.invoke(app, ["scan", str(DATA / "replies.jsonl"), "--format", "csv"])
    frame = pd.read_csv(pd.io.common.StringIO(csv_out.output.lstrip("\ufeff")))
    table = pq.read_table(out)
    assert table.column_names == list(frame.columns)
    assert table.schema.field("start").type == pa.int64() and table.schema.field("confidence").type == pa.float64()
    assert table.column("rule").to_pylist() == [None if r != r else r for r in frame["rule"]]

    missing = runner.invoke(app, ["scan", str(DATA / "replies.jsonl"), "--format", "parquet"])
    assert missing.exit_code == 2 and "--output FILE" in missing.output


def test_without_pyarrow_parquet_is_a_one_line_error(tmp_path, monkeypatch):
    parquet = write_parquet(tmp_path / "calls.parquet", jsonl_rows(CALLS))
    for module in [name for name in sys.modules if name == "pyarrow" or name.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, module, None)
    read = runner.invoke(app, ["scan", str(parquet), "--format", "jsonl"])
    written = runner.invoke(app, ["score", str(CALLS), "--format", "parquet", "--out", str(tmp_path / "o"), "--jobs", "1"])
    for result in (read, written):
        assert result.exit_code == 2
        assert re.fullmatch(r"phrasecheck: error: .*needs pyarrow: pip install 'phrasecheck\[parquet\]'\n", result.output)
