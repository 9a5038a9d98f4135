"""QAReport: aggregates, CSV files and report.html, from result dicts built by hand as the scorer
emits them (wire schema phrasecheck/1, kind conversation).  Expected numbers are worked out by hand
in the comments; the report never recomputes a score, it only counts what the scorer decided."""

from __future__ import annotations

import csv
import re
from html import unescape

import pytest

from phrasecheck.conversation import Conversation, Turn
from phrasecheck.reports.qa import QAReport, clock, highlight_segments

TEMPLATE = {"id": "seed-003", "title": "服务质量测评", "pass_mark": 85}
LEXICON = {"pack": "bank-counter", "version": "2026.11.0+test"}
DEFLECT = "不归我管，找别人去"
SCRIPT = "<script>alert(1)</script>"


def turn(index, role, text, begin_ms=None, violations=()):
    scored = role == "agent"
    data = {"index": index, "seq": index + 1, "role": role, "speaker": None, "text": text,
            "begin_ms": begin_ms, "end_ms": None if begin_ms is None else begin_ms + 2000, "scored": scored}
    if scored:
        data["score"] = 100 - 2 * len(violations)
    data.update(decision="block" if violations else "pass", violations=list(violations), rewrite=None)
    return data


def violation(rule, text, matched, category="推诿", severity="error", message="推诿客户，违背首问负责。", suggestion="请您到××柜台办理"):
    start = text.index(matched)
    return {"rule": rule, "category": category, "severity": severity, "start": start, "end": start + len(matched),
            "matched": matched, "match_type": "exact", "confidence": 1.0, "message": message, "suggestions": [suggestion]}


def finding(rule, kind, status="violated", turn=None, message="缺少问候", severity="warning", time_ms=None):
    return {"rule": rule, "kind": kind, "severity": severity, "status": status, "turn": turn, "start": None, "end": None,
            "matched": None, "time_ms": time_ms, "message": message, "suggestions": ["您好，请问有什么可以帮您？"]}


def deduction(item, points, rule, turn=None, matched=None, category="推诿", severity="error", veto=False, time_ms=None):
    return {"item": item, "title": item, "dimension": None if veto else "language", "points": points, "veto": veto,
            "rule": rule, "category": category, "severity": severity, "turn": turn, "start": None, "end": None,
            "matched": matched, "time_ms": time_ms, "message": "", "suggestion": None}


def conversation(cid, agent_id, agent_name, score, grade, passed, vetoed, turns, findings=(), deductions=()):
    return {"schema": "phrasecheck/1", "kind": "conversation", "id": cid, "source": f"calls/{cid}.jsonl",
            "channel": "call", "agent_id": agent_id, "agent_name": agent_name, "score": score, "grade": grade,
            "passed": passed, "vetoed": vetoed, "template": TEMPLATE, "lexicon": LEXICON,
            "dimensions": [{"id": "language", "title": "服务用语", "cap": 40, "deducted": 0, "score": 40}],
            "deductions": list(deductions), "findings": list(findings), "turns": list(turns),
            "stats": {"turns": len(turns), "agent_turns": sum(t["role"] == "agent" for t in turns), "duration_ms": None}}


def results():
    """Five conversations: agent a1 three times (one vetoed), a2 once (clean), one without an agent id."""
    t1 = "喂，这事" + DEFLECT
    c1 = conversation(  # 100 − 2 − 3 − 1 = 94 优良
        "c1", "a1", "张三", 94, "优良", True, False,
        [turn(0, "agent", t1, 0, [violation("counter-deflect", t1, DEFLECT)]),
         turn(1, "customer", "我要办一张储蓄卡", 3000),
         turn(2, "agent", "你等着吧", 65000, [violation("impatient-wait", "你等着吧", "等着吧", "不耐烦", "warning")])],
        [finding("conv-greeting", "opening", turn=0, time_ms=0),
         finding("conv-apology-after-wait", "after_wait", status="skipped", message="需要保持事件：未检查")],
        [deduction("forbidden-language", 2, "counter-deflect", 0, DEFLECT, time_ms=0),
         deduction("opening", 3, "conv-greeting", 0, category="首句未问候", severity="warning", time_ms=0),
         deduction("improper-language", 1, "impatient-wait", 2, "等着吧", "不耐烦", "warning", time_ms=65000)],
    )
    t2 = SCRIPT + DEFLECT
    c2 = conversation(  # 100 − 2 − 2 − 3 − 3 = 90 良好 (passes: 90 ≥ 85)
        "c2", "a1", "张三", 90, "良好", True, False,
        [turn(0, "agent", t2, None, [violation("counter-deflect", t2, DEFLECT, message="<b>别推诿</b>")]),
         turn(1, "customer", "那我找谁？"),
         turn(2, "agent", DEFLECT, None, [violation("counter-deflect", DEFLECT, DEFLECT)])],
        [finding("conv-greeting", "opening", turn=0), finding("conv-farewell", "closing", turn=2, message="没有道别")],
        [deduction("forbidden-language", 2, "counter-deflect", 0, DEFLECT),
         deduction("forbidden-language", 2, "counter-deflect", 2, DEFLECT),
         deduction("opening", 3, "conv-greeting", 0, category="首句未问候", severity="warning"),
         deduction("closing", 3, "conv-farewell", 2, category="未道别", severity="warning")],
    )
    c3 = conversation(  # a critical hit vetoes: the veto deduction takes the remaining 100 points
        "c3", "a1", "张三", 0, "不合格", False, True,
        [turn(0, "customer", "你们怎么回事"),
         turn(1, "agent", "你有病吧", None, [violation("abuse-insult", "你有病吧", "有病", "辱骂", "critical", "辱骂客户")])],
        [],
        [deduction("abuse-threat", 100, "abuse-insult", 1, "有病", "辱骂", "critical", veto=True)],
    )
    c4 = conversation(  # clean but for an info note the template does not price
        "c4", "a2", "李四", 100, "优秀", True, False,
        [turn(0, "agent", "您好，请问办理什么业务呀", 0, [violation("dialect-particle", "您好，请问办理什么业务呀", "呀", "方言", "info")])],
        [finding("conv-apology-after-wait", "after_wait", status="skipped", message="需要保持事件：未检查")],
    )
    c5 = conversation(
        "c5", None, None, 72, "合格", False, False,
        [turn(0, "agent", "说吧，什么事")],
        [finding("conv-greeting", "opening", turn=0)],
        [deduction("opening", 3, "conv-greeting", 0, category="首句未问候", severity="warning")],
    )
    return [c1, c2, c3, c4, c5]


def written(tmp_path, report=None, **kwargs):
    if report is None:
        report = QAReport(**kwargs)
        for result in results():
            report.add(result)
        report.add_error("calls/bad<1>.csv", "calls/bad<1>.csv:3: expected 7 columns, got 2")
    paths = report.write(tmp_path)
    return report, paths


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def details(html):
    return re.findall(r'<details class="conv[^"]*" id="c\d+" data-score="(\d+)">.*?<span class="cid mono">([^<]*)</span>', html, re.S)


def marked(html, cid, index):
    """Turn `index` of conversation `cid` as the page shows it, and the character offsets inside <mark>s."""
    anchor = f"c{[c for _, c in details(html)].index(cid)}-t{index}"
    inner = re.search(rf'<li class="turn[^"]*" id="{anchor}"[^>]*>.*?<div class="text">(.*?)</div>', html, re.S).group(1)
    text, offsets = "", set()
    for mark, plain in re.findall(r"<mark[^>]*>([^<]*)</mark>|([^<]+)", inner):
        piece = unescape(mark or plain)
        if mark:
            offsets.update(range(len(text), len(text) + len(piece)))
        text += piece
    return text, offsets


def test_write_returns_the_four_files(tmp_path):
    _, paths = written(tmp_path)
    assert set(paths) == {"agents", "rules", "trends", "html"}
    assert all(p.parent == tmp_path and p.is_file() for p in paths.values())


def test_csv_files_start_with_a_bom_for_excel(tmp_path):
    _, paths = written(tmp_path)
    assert paths["agents"].read_bytes().startswith(b"\xef\xbb\xbfagent_id,")
    assert paths["rules"].read_bytes().startswith(b"\xef\xbb\xbfrule,")


def test_agents_csv(tmp_path):
    _, paths = written(tmp_path)
    rows = read_csv(paths["agents"])
    assert list(rows[0]) == ["agent_id", "agent_name", "conversations", "mean_score", "min_score", "vetoes", "passed",
                             "failed", "优秀", "优良", "良好", "合格", "不合格", "points_deducted", "top_rules"]
    by_id = {r["agent_id"]: r for r in rows}
    assert [r["agent_id"] for r in rows] == ["a1", "a2", "(unknown)"]
    # a1: (94 + 90 + 0) / 3 = 61.33; points 6 + 10 + 100; counter-deflect 1 + 2 hits, conv-greeting 1 + 1,
    # then three rules once each, the tie broken by rule id.
    assert by_id["a1"] == {
        "agent_id": "a1", "agent_name": "张三", "conversations": "3", "mean_score": "61.3", "min_score": "0",
        "vetoes": "1", "passed": "2", "failed": "1", "优秀": "0", "优良": "1", "良好": "1", "合格": "0", "不合格": "1",
        "points_deducted": "116", "top_rules": "counter-deflect×3; conv-greeting×2; abuse-insult×1",
    }
    assert by_id["a2"]["mean_score"] == "100.0" and by_id["a2"]["优秀"] == "1"
    assert by_id["a2"]["points_deducted"] == "0" and by_id["a2"]["top_rules"] == "dialect-particle×1"
    assert by_id["(unknown)"] == {
        "agent_id": "(unknown)", "agent_name": "", "conversations": "1", "mean_score": "72.0", "min_score": "72",
        "vetoes": "0", "passed": "0", "failed": "1", "优秀": "0", "优良": "0", "良好": "0", "合格": "1", "不合格": "0",
        "points_deducted": "3", "top_rules": "conv-greeting×1",
    }


def test_rules_csv(tmp_path):
    _, paths = written(tmp_path)
    rows = read_csv(paths["rules"])
    assert list(rows[0]) == ["rule", "kind", "category", "severity", "hits", "conversations", "agents", "points_deducted", "skipped"]
    by_rule = {r["rule"]: r for r in rows}
    assert by_rule["counter-deflect"] == {"rule": "counter-deflect", "kind": "utterance", "category": "推诿", "severity": "error",
                                          "hits": "3", "conversations": "2", "agents": "1", "points_deducted": "6", "skipped": "0"}
    # c1, c2 (a1) and c5 (no agent id): 3 hits in 3 conversations by 2 agents, 3 points each.
    assert by_rule["conv-greeting"] == {"rule": "conv-greeting", "kind": "opening", "category": "首句未问候", "severity": "warning",
                                        "hits": "3", "conversations": "3", "agents": "2", "points_deducted": "9", "skipped": "0"}
    # skipped twice (c1, c4), never violated: listed with no hits.
    assert (by_rule["conv-apology-after-wait"]["kind"], by_rule["conv-apology-after-wait"]["hits"],
            by_rule["conv-apology-after-wait"]["skipped"]) == ("after_wait", "0", "2")
    assert (by_rule["abuse-insult"]["hits"], by_rule["abuse-insult"]["points_deducted"]) == ("1", "100")
    # a hit the template does not price still counts as a hit, with no points
    assert (by_rule["dialect-particle"]["hits"], by_rule["dialect-particle"]["points_deducted"]) == ("1", "0")
    assert [r["rule"] for r in rows][:2] == ["conv-greeting", "counter-deflect"]  # most hits first, then points


def test_summary_numbers(tmp_path):
    report, paths = written(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    # 5 conversations, 3 agent groups, mean (94 + 90 + 0 + 100 + 72) / 5 = 71.2, 3 of 5 passed
    assert report.summary_line().startswith("5 conversations, 3 agents, mean 71.2, 60% passed, 1 vetoed, 1 file(s)")
    for element, value in [("stat-conversations", "5"), ("stat-agents", "3"), ("stat-mean", "71.2"),
                           ("stat-pass-rate", "60.0%"), ("stat-vetoes", "1"), ("stat-errors", "1")]:
        assert f'id="{element}">{value}<' in html


def test_charts_are_inline_svg_with_one_bar_per_bin(tmp_path):
    _, paths = written(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")

    def bars(chart_id):
        svg = re.search(rf'<svg id="{chart_id}".*?</svg>', html, re.S).group(0)
        return re.findall(r'<rect class="bar[^"]*" data-label="([^"]*)" data-count="(\d+)"', svg)

    scores = bars("chart-scores")
    assert len(scores) == 10 and scores[0] == ("0–9", "1") and scores[7] == ("70–79", "1") and scores[9] == ("90–100", "3")
    assert bars("chart-grades") == [("优秀", "1"), ("优良", "1"), ("良好", "1"), ("合格", "1"), ("不合格", "1")]
    # by hits, then points (abuse-insult 100, conv-farewell 3, impatient-wait 1, dialect-particle 0)
    assert [label for label, _ in bars("chart-rules")] == ["conv-greeting", "counter-deflect", "abuse-insult", "conv-farewell",
                                                           "impatient-wait", "dialect-particle"]


def test_report_is_self_contained(tmp_path):
    _, paths = written(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html, re.I)
    assert not re.search(r"""@import|url\(\s*["']?(?:[a-z]+:)?//""", html, re.I)
    assert "<link" not in html
    assert html.count("<script") == 1 and html.count("<style") == 1  # ours, inline


def test_highlight_wraps_exactly_the_offending_substring(tmp_path):
    _, paths = written(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    marks = re.findall(r'<mark class="hl sev-(\w+)"[^>]*>([^<]*)</mark>', html)
    assert ("error", DEFLECT) in marks
    assert ("warning", "等着吧") in marks and ("critical", "有病") in marks
    # exactly the span, nothing around it
    text, offsets = marked(html, "c1", 0)
    assert text == "喂，这事" + DEFLECT and offsets == set(range(4, 4 + len(DEFLECT)))
    text, offsets = marked(html, "c1", 2)
    assert text == "你等着吧" and offsets == {1, 2, 3}


def test_html_in_transcripts_and_messages_is_escaped(tmp_path):
    _, paths = written(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;别推诿&lt;/b&gt;" in html and "<b>别推诿" not in html
    assert "calls/bad&lt;1&gt;.csv" in html  # error sources too


def test_errors_are_listed(tmp_path):
    _, paths = written(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert 'id="errors"' in html and "读取失败（1 个文件）" in html
    assert "expected 7 columns, got 2" in html
    _, paths_clean = written(tmp_path / "clean", QAReport())
    assert 'id="errors"' not in paths_clean["html"].read_text(encoding="utf-8")


def test_detail_keeps_vetoed_then_lowest_scores(tmp_path):
    report = QAReport(detail_limit=3)
    for result in results():
        report.add(result)
    html = report.write(tmp_path)["html"].read_text(encoding="utf-8")
    assert details(html) == [("0", "c3"), ("72", "c5"), ("90", "c2")]
    assert "显示 3 通（共 5 通）" in html
    fewer = report.write(tmp_path / "fewer", detail_limit=1)["html"].read_text(encoding="utf-8")
    assert details(fewer) == [("0", "c3")] and "显示 1 通（共 5 通）" in fewer


def test_a_vetoed_conversation_outranks_an_unvetoed_zero(tmp_path):
    zero = conversation("zero", "a9", None, 0, "不合格", False, False, [turn(0, "agent", "嗯")])
    vetoed = results()[2]
    report = QAReport(detail_limit=1)
    for result in (zero, vetoed, zero | {"id": "zero-again"}):
        report.add(result)
    assert details(report.render_html()) == [("0", "c3")]


def test_detail_memory_is_bounded():
    report = QAReport(detail_limit=5)
    batch = results()
    for n in range(2000):
        report.add(batch[n % len(batch)] | {"id": f"x{n}", "agent_id": f"a{n % 7}"})
    assert len(report._detail) == 5  # noqa: SLF001 (the heap is the memory bound under test)
    assert report.conversations == 2000 and len(report.agents) == 7


def test_error_list_is_bounded(monkeypatch):
    monkeypatch.setattr("phrasecheck.reports.qa.ERROR_LIMIT", 3)
    report = QAReport()
    for n in range(5):
        report.add_error(f"f{n}.txt", "bad")
    html = report.render_html()
    assert report.error_count == 5 and len(report.errors) == 3
    assert "另有 2 个失败未列出" in html


def test_overlapping_spans_are_cut_and_marked_once():
    notes = [{"rule": "r1", "severity": "warning", "message": "m1", "start": 0, "end": 4},
             {"rule": "r2", "severity": "error", "message": "m2", "start": 2, "end": 6},
             {"rule": "r3", "severity": "error", "message": "off the end", "start": 5, "end": 99}]
    segments = highlight_segments("abcdefgh", notes)
    assert [(s["text"], s["severity"]) for s in segments] == [("ab", "warning"), ("cd", "error"), ("ef", "error"), ("gh", None)]
    assert segments[1]["title"] == "r1：m1；r2：m2"


@pytest.mark.parametrize("ms, text", [(None, ""), (0, "0:00"), (65_400, "1:05"), (3_725_000, "62:05")])
def test_clock(ms, text):
    assert clock(ms) == text


def test_real_scorer_output(bank, tmp_path):
    """The contract with Checker.score_conversation: its dicts go straight in and spans land on the text."""
    said = "这个业务" + DEFLECT
    conv = Conversation(id="live", channel="call", agent_id="a7", agent_name="赵六", turns=[
        Turn(role="agent", text="您好，工号 007 为您服务。", begin_ms=0, end_ms=2000),
        Turn(role="customer", text="我想开通网银", begin_ms=2500, end_ms=4000),
        Turn(role="agent", text=said, begin_ms=5000, end_ms=7000),
    ])
    result = bank.score_conversation(conv).to_dict()
    report = QAReport()
    report.add(result)
    paths = report.write(tmp_path)
    violations = result["turns"][2]["violations"]
    assert violations, "the scorer no longer flags the deflection"
    html = paths["html"].read_text(encoding="utf-8")
    text, offsets = marked(html, "live", 2)
    assert text == said
    for v in violations:
        assert set(range(v["start"], v["end"])) <= offsets and said[v["start"]:v["end"]] == v["matched"]
    assert read_csv(paths["agents"])[0]["agent_id"] == "a7"
    assert int(read_csv(paths["agents"])[0]["points_deducted"]) == 100 - result["score"]
