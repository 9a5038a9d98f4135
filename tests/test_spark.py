"""phrasecheck.spark on local Spark: the same results as `phrasecheck scan` and `phrasecheck score` on
the same rows, one checker per worker process, bad rows reported in place, the README example runs.

One SparkSession (local[2]) for the whole test session; skipped with the reason when PySpark or
Java is missing (`.ci/run` installs Java)."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from phrasecheck.cli import app
from phrasecheck.errors import PhrasecheckError

pytest.importorskip("pyspark", reason="PySpark is not installed: pip install -e '.[spark]'")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java is not installed (apt-get install -y default-jre-headless): Spark needs it", allow_module_level=True)

import pandas as pd  # noqa: E402

from phrasecheck import spark as pcspark  # noqa: E402

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CALLS = DATA / "transcripts" / "calls.jsonl"
DEVSET = ROOT.parent / "shared" / "eval" / "devset.jsonl"
CHINESE = {"conv_id": "会话ID", "seq": "序号", "role": "角色", "agent_id": "坐席工号", "text": "内容", "begin_ms": "开始时间(ms)"}


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("phrasecheck-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def jsonl_rows(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def frame(spark, rows, schema=None):
    keys = list(dict.fromkeys(key for row in rows for key in row))
    return spark.createDataFrame(pd.DataFrame([{k: row.get(k) for k in keys} for row in rows]), schema)


def plain(row):
    return row.asDict(recursive=True) if hasattr(row, "asDict") else row


def test_check_column_equals_scan_on_the_same_rows(spark, tmp_path):
    rows = [{"id": r["id"], "role": r["role"], "text": r["text"]} for r in jsonl_rows(DATA / "replies.jsonl")]
    rows += [{"id": f"{r['conv_id']}:{r['seq']}", "role": r["role"], "text": r["text"]} for r in jsonl_rows(CALLS)]  # 坐席, 客户
    if DEVSET.exists():
        rows += [{"id": r["id"], "role": r["role"], "text": r["text"]} for r in jsonl_rows(DEVSET)]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    scanned = runner.invoke(app, ["scan", str(tmp_path / "rows.jsonl"), "--pack", "bank-counter", "--format", "jsonl"])
    expected = {line["id"]: line for line in map(json.loads, scanned.output.splitlines())}
    assert len(expected) == len(rows) and sum(bool(r["violations"]) for r in expected.values()) >= 4

    checked = pcspark.check_column(frame(spark, rows, "id string, role string, text string").repartition(2), "text",
                                   role="role", id="id", pack="bank-counter")
    got = {row["id"]: plain(row["result"]) for row in checked.collect()}
    assert set(got) == set(expected)
    for id, result in got.items():
        want = expected[id]
        assert result.pop("error") is None
        if not want["scored"]:
            assert result.pop("score") is None
        assert result == want, id


def test_score_conversations_equals_score_on_the_same_rows(spark, tmp_path):
    calls = jsonl_rows(CALLS)
    exported = [{CHINESE.get(k, k): v for k, v in row.items() if k in CHINESE} | {"会话ID": "zh-" + row["conv_id"]}
                for row in jsonl_rows(CALLS)[:12]]
    pd.DataFrame(exported).to_csv(tmp_path / "export.csv", index=False)
    result = runner.invoke(app, ["score", str(CALLS), str(tmp_path / "export.csv"), "--pack", "bank-counter",
                                 "--out", str(tmp_path / "qa"), "--jobs", "1", "-q"])
    assert result.exit_code in (0, 1), result.output
    expected = {line["id"]: line for line in jsonl_rows(tmp_path / "qa" / "conversations.jsonl")}
    assert len(expected) == 5 and any(line["deductions"] for line in expected.values())

    shuffled = frame(spark, calls).orderBy("text")  # rows in no particular order: seq puts them back
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "4")  # every conversation spans batches
    try:
        scored = [plain(row) for row in pcspark.score_conversations(shuffled, pack="bank-counter").collect()]
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    scored += [plain(row) for row in pcspark.score_conversations(frame(spark, exported), pack="bank-counter").collect()]
    assert sorted(r["id"] for r in scored) == sorted(expected)
    for got in scored:
        want = expected[got["id"]]
        assert got.pop("error") is None and got.pop("source") is None
        del want["source"]
        for turn in got["turns"]:
            if not turn["scored"]:
                assert turn.pop("score") is None
        assert got == want, got["id"]


def test_the_checker_is_built_once_per_worker_process_not_per_batch(spark):
    rows = [{"id": str(n), "role": "agent", "text": "不归我管，找别人去" if n % 3 else "您好"} for n in range(40)]
    job = pcspark.prepare("bank-counter")

    def probe(batches):
        for batch in batches:  # the check_column UDF's own per-batch function, on Spark's batches
            checked = pcspark.checked_frame(job, batch["text"], batch["role"], batch["id"])
            yield pd.DataFrame({"pid": [os.getpid()], "rows": [len(checked)],
                                "builds": [pcspark.BUILDS[("bank-counter",)]]})

    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "4")
    try:
        seen = frame(spark, rows).repartition(2).mapInPandas(probe, "pid long, rows long, builds long").collect()
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    assert sum(r["rows"] for r in seen) == 40 and len(seen) >= 10  # many batches …
    assert {r["builds"] for r in seen} == {1}  # … and every process had compiled exactly one checker


def test_a_row_that_cannot_be_read_carries_its_error_and_the_rest_is_scored(spark):
    rows = [{"conv_id": "ok", "seq": 1, "role": "agent", "text": "您好，请问有什么可以帮您？"},
            {"conv_id": "bad", "seq": 1, "role": "经理", "text": "不归我管"},
            {"conv_id": "bad", "seq": 2, "role": "customer", "text": "好吧"}]
    checked = {(r["conv_id"], r["seq"]): r["result"] for r in
               pcspark.check_column(frame(spark, rows), "text", role="role").collect()}
    assert checked["ok", 1]["decision"] == "pass" and checked["ok", 1]["error"] is None
    assert "unknown role '经理'" in checked["bad", 1]["error"] and checked["bad", 1]["decision"] is None
    assert checked["bad", 2]["error"] is None and checked["bad", 2]["scored"] is False

    scored = {r["id"]: r for r in pcspark.score_conversations(frame(spark, rows)).collect()}
    assert scored["ok"]["error"] is None and scored["ok"]["score"] is not None
    assert re.search(r"row \d: unknown role '经理'", scored["bad"]["error"]) and scored["bad"]["score"] is None


def test_bad_arguments_fail_on_the_driver_with_one_line(spark):
    rows = frame(spark, [{"conv_id": "c", "role": "agent", "text": "您好"}])
    with pytest.raises(PhrasecheckError, match=r"needs seq columns .*ordered by seq"):
        pcspark.score_conversations(rows)
    with pytest.raises(PhrasecheckError, match="did you mean 'counter-sign-here'"):
        pcspark.check_column(rows, "text", pack="bank-counter", select=["counter-sing-here"])


TEAM_PACK = """pack: team-shipped
title: 随作业分发的团队包
version: "1"
extends: [bank-counter]
rules:
  - id: team-not-telling
    category: 推诿
    severity: error
    scenario: 咨询
    phrases: ["这个不方便说"]
    why: 不告知客户也不说明原因。
    suggest: ["这项信息需要核实身份后告知，请您提供证件号后四位"]
    source: {seed: "000", line: "401"}
    examples:
      flag: ["这个不方便说，你自己查"]
      clean: ["这个我帮您查一下"]
"""


def test_a_team_pack_shipped_with_the_job_is_read_where_the_folder_lacks_it(spark, tmp_path, monkeypatch):
    """`spark-submit --files team.yaml` (`SparkContext.addFile`): where a process's folder lacks the
    file, as an executor's does on a cluster, it reads the copy Spark keeps."""
    name = "team-shipped-with-the-job.yaml"
    (tmp_path / "ship").mkdir()
    (tmp_path / "ship" / name).write_text(TEAM_PACK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # neither this folder nor the workers' holds the file
    with pytest.raises(PhrasecheckError, match=name):
        pcspark.check_column(frame(spark, [{"text": "您好"}]), "text", pack=name)  # not shipped yet
    spark.sparkContext.addFile(str(tmp_path / "ship" / name))
    rows = [{"id": "1", "text": "这个不方便说，你自己查"}, {"id": "2", "text": "不归我管，找别人去"}, {"id": "3", "text": "您好"}]
    checked = {r["id"]: r["result"] for r in pcspark.check_column(frame(spark, rows), "text", id="id", pack=name).collect()}
    assert [v["rule"] for v in checked["1"]["violations"]] == ["team-not-telling"]
    assert [v["rule"] for v in checked["2"]["violations"]] == ["counter-not-my-job-find-others"]  # the pack it extends
    assert checked["3"]["decision"] == "pass" and checked["1"]["lexicon"]["pack"] == "team-shipped"
    assert pcspark.shipped("bank-counter") == "bank-counter" and pcspark.shipped("never-shipped.yaml") == "never-shipped.yaml"


def test_the_readme_spark_example_runs_as_written(spark, tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Spark"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    monkeypatch.chdir(ROOT)
    exec(compile(code.replace('"qa-spark"', repr(str(tmp_path / "qa-spark"))), "README.md", "exec"), {})
    shown = capsys.readouterr().out
    assert "counter-not-my-job-find-others" in shown and "c1002" in shown
    lines = [json.loads(line) for part in sorted((tmp_path / "qa-spark").glob("part-*")) for line in part.open()]
    assert sorted(line["id"] for line in lines) == ["c1001", "c1002", "c1003"]
