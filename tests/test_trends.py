"""Trends: when a conversation started (in the clock its file writes) and the team and skill group
it names reach the conversation result, and trends.csv groups by them."""

from __future__ import annotations

import csv
import json

from phrasecheck import Checker
from phrasecheck.readers import read_conversations
from phrasecheck.reports.trends import Trends, period_keys


def score(tmp_path, name, text, checker):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [checker.score_conversation(c).to_dict() for c in read_conversations(path)]


def test_start_time_team_and_skill_group_reach_the_result(tmp_path):
    checker = Checker.load("core")
    lines = [
        {"会话ID": "k1", "角色": "坐席", "内容": "您好，请问有什么可以帮您？", "开始时间": "2024-05-31T23:59:50+08:00", "班组": "一组", "技能组": "账单"},
        {"会话ID": "k1", "角色": "客户", "内容": "查账单", "开始时间": "2024-06-01T00:00:05+08:00"},
        {"会话ID": "k2", "角色": "坐席", "内容": "您好", "开始时间": "2024-06-02 08:00:00"},
    ]
    results = score(tmp_path, "calls.jsonl", "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), checker)
    k1, k2 = results
    # the first turn's time as the file writes it, offset kept: the call belongs to 31 May in Beijing
    assert (k1["started_at"], k1["team"], k1["skill_group"]) == ("2024-05-31T23:59:50+08:00", "一组", "账单")
    assert k1["turns"][1]["begin_ms"] == 15_000  # turn times stay relative to the start
    assert (k2["started_at"], k2["team"], k2["skill_group"]) == ("2024-06-02T08:00:00", None, None)  # naive stays naive
    assert period_keys(k1["started_at"]) == {"day": "2024-05-31", "week": "2024-W22", "month": "2024-05"}

    whole = {"id": "w1", "team": "三组", "queue": "投诉", "turns": [{"role": "agent", "text": "您好", "begin_ms": 0}]}
    (w1,) = score(tmp_path, "whole.json", json.dumps(whole, ensure_ascii=False), checker)
    assert (w1["started_at"], w1["team"], w1["skill_group"]) == (None, "三组", "投诉")  # times in ms: no date


def result(cid, score, started=None, team=None, version="1", passed=True, rules=()):
    return {"id": cid, "score": score, "passed": passed, "vetoed": score == 0, "started_at": started, "team": team,
            "skill_group": None, "lexicon": {"pack": "core", "version": version}, "grade": "x",
            "turns": [{"violations": [{"rule": r} for r in rules]}], "findings": [],
            "deductions": [{"points": 2} for _ in rules]}


def test_trends_csv_groups_periods_teams_and_lexicon_versions(tmp_path):
    trends = Trends()
    trends.add(result("a", 90, "2024-04-30T10:00:00", "一组", "1", rules=["deflect"]))
    trends.add(result("b", 80, "2024-05-01T10:00:00", "一组", "1", passed=False, rules=["deflect", "curt"]))
    trends.add(result("c", 100, "2024-05-06T10:00:00", "二组", "2"))
    trends.add(result("d", 70, None, None, "2", passed=False, rules=["curt"]))
    trends.write(tmp_path / "trends.csv")
    with open(tmp_path / "trends.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {(r["dimension"], r["group"]): r for r in csv.DictReader(handle)}
    assert [k for k in rows if k[0] == "week"] == [("week", "2024-W18"), ("week", "2024-W19"), ("week", "(not given)")]
    assert rows[("week", "2024-W18")]["mean_score"] == "85.0"  # 30 April and 1 May: (90 + 80) / 2
    assert rows[("week", "2024-W18")]["pass_rate"] == "0.500"
    assert rows[("month", "2024-04")]["conversations"] == "1" and rows[("month", "2024-05")]["conversations"] == "2"
    assert rows[("team", "一组")]["top_rules"] == "deflect×2; curt×1"
    assert rows[("team", "一组")]["hits_per_conversation"] == "1.50"
    # each lexicon version is a group of its own, in the order the versions were first seen
    assert [k[1] for k in rows if k[0] == "lexicon"] == ["core 1", "core 2"]
    assert rows[("lexicon", "core 2")]["min_score"] == "70"
    assert "skill_group" not in {k[0] for k in rows}  # no conversation named one
    assert "precision" not in next(iter(rows.values()))  # no review: no review columns


def test_the_period_chart_starts_near_the_lowest_mean():
    trends = Trends()
    for day, score in (("01", 96), ("02", 92), ("03", 98)):
        trends.add(result(day, score, f"2024-05-{day}T09:00:00"))
    chart = trends.view(pass_mark=95)["chart"]
    assert chart["period"] == "day" and chart["floor"] == 80  # 92 → 90 − 10
    assert [cls for _, _, cls in chart["bars"]] == ["ok", "low", "ok"]


def test_trends_command_merges_runs_so_a_lexicon_change_shows(tmp_path):
    from typer.testing import CliRunner

    from phrasecheck.cli import app
    from test_review import CALLS

    runner = CliRunner()
    (tmp_path / "calls.jsonl").write_text("\n".join(CALLS) + "\n", encoding="utf-8")
    for run, pack in (("before", "core"), ("after", "bank-counter")):
        result = runner.invoke(app, ["score", str(tmp_path / "calls.jsonl"), "--pack", pack, "--channel", "chat",
                                     "--out", str(tmp_path / run), "-j", "1", "-q"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["trends", str(tmp_path / "before"), str(tmp_path / "after")])
    assert result.exit_code == 0, result.output
    rows = {(r["dimension"], r["group"]): r for r in csv.DictReader(result.stdout.splitlines())}
    assert rows[("day", "2024-05-06")]["conversations"] == "2"  # the same call in both runs
    assert [k[1].split()[0] for k in rows if k[0] == "lexicon"] == ["core", "bank-counter"]
    assert all(rows[k]["conversations"] == "3" for k in rows if k[0] == "lexicon")
    missing = runner.invoke(app, ["trends", str(tmp_path)])
    assert missing.exit_code == 2 and "no conversations.jsonl" in missing.output
