"""`phrasecheck review`: verdicts and appeals applied to a real scored run, each reviewed score and
each precision worked out by hand in the comments from the machine deductions the test first
pins down; verdict files that are wrong in every way a person gets them wrong."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from phrasecheck.cli import app
from phrasecheck.review import read_verdicts

runner = CliRunner()
HEADER = "conversation,turn,rule,start,end,matched,verdict,corrected_rule,reviewer,time,note"


def line(conv, seq, role, text, time, agent=None, **extra):
    row = {"conv_id": conv, "seq": seq, "role": role, "text": text, "ts": f"2024-05-{time}+08:00", **extra}
    if agent:
        row.update(agent_id=agent[0], agent_name=agent[1])
    return json.dumps(row, ensure_ascii=False)


A1, A2 = ("a1", "张三"), ("a2", "李四")
CALLS = [
    line("r1", 1, "agent", "您好，请问有什么可以帮您？", "06T09:00:00", A1, team="一组"),
    line("r1", 2, "customer", "我的卡被吞了", "06T09:00:10"),
    line("r1", 3, "agent", "这个不归我管，找别人去。", "06T09:00:20", A1),
    line("r1", 4, "customer", "那怎么办", "06T09:00:30"),
    line("r1", 5, "agent", "等着！", "06T09:00:40", A1),
    line("r1", 6, "agent", "请您稍候，谢谢，再见。", "06T09:00:50", A1),
    line("r2", 1, "agent", "您好，请问有什么可以帮您？", "13T14:00:00", A2, team="二组"),
    line("r2", 2, "customer", "你们这什么破服务", "13T14:00:10"),
    line("r2", 3, "agent", "你有病吧", "13T14:00:20", A2),
    line("r2", 4, "agent", "请您谅解，谢谢，再见。", "13T14:00:30", A2),
    line("r3", 1, "agent", "您好，请问有什么可以帮您？", "14T10:00:00", A1, team="一组"),
    line("r3", 2, "customer", "查一下余额", "14T10:00:10"),
    line("r3", 3, "agent", "快点说卡号，后面还有人排队。", "14T10:00:20", A1),
    line("r3", 4, "agent", "请您稍候，谢谢，再见。", "14T10:00:30", A1),
]
DEFLECT = "counter-not-my-job-find-others"
REVIEW = f"""{HEADER}
r1,2,{DEFLECT},2,11,不归我管，找别人去,confirmed,,王质检,2024-05-20T10:00:00+08:00,
r1,4,curt-command,0,2,等着,false,,王质检,2024-05-20T10:01:00+08:00,客户要求等待
r2,2,abuse-threat,0,3,你有病,◐,,王质检,2024-05-20T10:02:00+08:00,是抱怨不是辱骂
r3,2,impatience-hurry,0,8,快点说卡号，后面,false,,王质检,,
r3,2,curt-command,11,13,排队,missed,,王质检,,催客户
"""
APPEALS = f"""kind,conversation,turn,rule,start,end,appellant,reason,resolution,reviewer,time,final
appeal,r1,2,{DEFLECT},2,11,张三,客户问的是别家银行,rejected,组长,2024-05-21T09:00:00+08:00,no
appeal,r1,2,{DEFLECT},2,11,张三,再次申诉,accepted,质检主管,2024-05-22T09:00:00+08:00,yes
appeal,r1,2,{DEFLECT},2,11,张三,第三次,rejected,质检主管,2024-05-23T09:00:00+08:00,no
appeal,r2,2,abuse-threat,0,3,李四,没有骂人,,,,
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    (folder / "calls.jsonl").write_text("\n".join(CALLS) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(folder / "calls.jsonl"), "--channel", "chat", "--out", str(folder / "qa"), "-j", "1", "--template", "seed-003"])
    assert result.exit_code == 0, result.output
    return folder / "qa"


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def by(rows, key):
    return {row[key]: row for row in rows}


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_the_machine_run_the_verdicts_speak_of(run):
    """What the scorer charged (the baseline every expected number below starts from)."""
    results = {r["id"]: r for r in map(json.loads, (run / "conversations.jsonl").read_text(encoding="utf-8").splitlines())}
    charged = {cid: sorted((d["rule"], d["turn"], d["points"], d["veto"]) for d in r["deductions"]) for cid, r in results.items()}
    assert charged == {
        "r1": [("counter-not-my-job-find-others", 2, 2, False), ("curt-command", 4, 1, False)],  # 100 − 2 − 1 = 97
        "r2": [("abuse-threat", 2, 100, True)],  # 一票否决: 0
        "r3": [("impatience-hurry", 2, 2, False)],  # 98
    }
    assert [results[c]["score"] for c in ("r1", "r2", "r3")] == [97, 0, 98]


def test_reviewed_scores_follow_the_template_stage_by_stage(run, tmp_path):
    out = tmp_path / "review"
    result = runner.invoke(app, ["review", str(run), str(write(tmp_path, "v.csv", REVIEW)),
                                 str(write(tmp_path, "appeals.csv", APPEALS)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    scores = by(read_csv(out / "scores.csv"), "conversation")
    # r1: curt-command false +1 → 98; appeal 1 rejected → 98; appeal 2 accepted (final) +2 → 100; appeal 3 after final
    # r2: abuse partly → critical becomes error: the veto goes, 禁语 −2 → 98; the open appeal changes nothing
    # r3: impatience false +2 → 100, 排队 missed as curt-command (warning, 用语不规范 −1) → 99
    assert {c: (int(r["machine_score"]), int(r["reviewed_score"])) for c, r in scores.items()} == {
        "r1": (97, 100), "r2": (0, 98), "r3": (98, 99)}
    assert scores["r1"]["stages"] == "machine 97 → review 98 → appeal-1 98 → appeal-2 100 → appeal-3 100"
    assert scores["r2"]["reviewed_grade"] == "优秀" and scores["r2"]["machine_passed"] == "False"
    assert "appeal by 张三 accepted by 质检主管 (final): 再次申诉" in scores["r1"]["explanation"]
    assert "客户要求等待" in scores["r1"]["explanation"]  # the reviewer's note explains the +1

    changes = read_csv(out / "changes.csv")
    assert [(c["conversation"], c["stage"], c["rule"], c["points_before"], c["points_after"], c["veto"]) for c in changes] == [
        ("r1", "review", "curt-command", "1", "", "False"),
        ("r1", "appeal-2", DEFLECT, "2", "", "False"),
        ("r2", "review", "abuse-threat", "100", "", "True"),  # the veto lifted
        ("r2", "review", "abuse-threat", "", "2", "False"),  # and charged as an error
        ("r3", "review", "impatience-hurry", "2", "", "False"),
        ("r3", "review", "curt-command", "", "1", "False"),
    ]

    stages = sorted(p.name for p in (out / "stages").iterdir())
    assert stages == ["0-machine.csv", "1-review.csv", "2-appeal-1.csv", "3-appeal-2.csv", "4-appeal-3.csv"]
    at = {name: {r["conversation"]: int(r["score"]) for r in read_csv(out / "stages" / name)} for name in stages}
    assert at["0-machine.csv"] == {"r1": 97, "r2": 0, "r3": 98}
    assert at["1-review.csv"] == {"r1": 98, "r2": 98, "r3": 99}
    assert at["2-appeal-1.csv"] == {"r1": 98, "r2": 98, "r3": 99}  # a rejection and an open appeal
    assert at["3-appeal-2.csv"] == at["4-appeal-3.csv"] == {"r1": 100, "r2": 98, "r3": 99}

    outcomes = [(r["source"].rsplit("/", 1)[-1], r["outcome"]) for r in read_csv(out / "verdicts.csv")]
    assert ("appeals.csv:4", "after-final") in outcomes and ("appeals.csv:5", "open") in outcomes
    assert sum(o == "applied" for _, o in outcomes) == 7


def test_rules_csv_gains_counts_precision_and_recall(run, tmp_path):
    out = tmp_path / "review"
    runner.invoke(app, ["review", str(run), str(write(tmp_path, "v.csv", REVIEW)), str(write(tmp_path, "a.csv", APPEALS)),
                        "--out", str(out)])
    rules = by(read_csv(out / "rules.csv"), "rule")
    counts = {r: tuple(rules[r][k] for k in ("hits", "confirmed", "partly", "false", "missed", "unreviewed", "precision", "recall"))
              for r in rules}
    # the deflection was confirmed, then dismissed on appeal: by its final state a false hit
    assert counts[DEFLECT] == ("1", "0", "0", "1", "0", "0", "0.000", "")
    # curt-command: r1's hit false, r3's missed → precision 0/1, recall 0/(0+1)
    assert counts["curt-command"] == ("1", "0", "0", "1", "1", "0", "0.000", "0.000")
    assert counts["abuse-threat"] == ("1", "0", "1", "0", "0", "0", "1.000", "1.000")
    assert counts["impatience-hurry"] == ("1", "0", "0", "1", "0", "0", "0.000", "")
    assert rules[DEFLECT]["points_deducted"] == "2"  # the machine columns are as score wrote them
    assert read_csv(run / "rules.csv")[0].keys() <= rules[DEFLECT].keys()

    agents = by(read_csv(out / "agents.csv"), "agent_id")
    assert (agents["a1"]["mean_score"], agents["a1"]["reviewed_mean_score"]) == ("97.5", "99.5")  # (97+98)/2, (100+99)/2
    assert (agents["a2"]["mean_score"], agents["a2"]["reviewed_mean_score"]) == ("0.0", "98.0")
    assert (agents["a2"]["vetoes"], agents["a2"]["reviewed_vetoes"], agents["a2"]["reviewed_passed"]) == ("1", "0", "1")


def test_trends_group_by_period_team_and_lexicon(run, tmp_path):
    trends = read_csv(run / "trends.csv")
    rows = {(r["dimension"], r["group"]): r for r in trends}
    assert {k for k in rows if k[0] == "day"} == {("day", "2024-05-06"), ("day", "2024-05-13"), ("day", "2024-05-14")}
    assert rows[("week", "2024-W19")]["mean_score"] == "97.0"  # 6 May is the Monday of ISO week 19
    assert rows[("week", "2024-W20")]["mean_score"] == "49.0"  # (0 + 98) / 2
    assert rows[("month", "2024-05")]["conversations"] == "3"
    assert rows[("team", "一组")]["mean_score"] == "97.5" and rows[("team", "二组")]["vetoes"] == "1"
    assert not any(k[0] == "skill_group" for k in rows)  # the input names no skill group
    assert [k for k in rows if k[0] == "lexicon"][0][1].startswith("core ")

    out = tmp_path / "review"
    runner.invoke(app, ["review", str(run), str(write(tmp_path, "v.csv", REVIEW)), "--out", str(out)])
    reviewed = {(r["dimension"], r["group"]): r for r in read_csv(out / "trends.csv")}
    assert reviewed[("week", "2024-W20")]["reviewed_mean_score"] == "98.5"  # (98 + 99) / 2
    assert reviewed[("team", "一组")]["reviewed_mean_score"] == "98.5"  # (98 + 99) / 2, before any appeal
    # 一组's reviewed hits: deflect confirmed, curt-command false, impatience false → precision 1/3
    assert reviewed[("team", "一组")]["precision"] == "0.333"


def test_stale_verdicts_are_reported_and_the_rest_applied(run, tmp_path):
    stale = f"""{HEADER}
r1,2,counter-not-my-job,2,11,不归我管，找别人去,confirmed,,王质检,,
r3,2,impatience-hurry,0,8,慢点说卡号，后面,false,,王质检,,
r1,4,curt-command,0,2,等着,false,,王质检,,
r3,9,impatience-hurry,,,,false,,王质检,,
"""
    out = tmp_path / "review"
    result = runner.invoke(app, ["review", str(run), str(write(tmp_path, "old.csv", stale)), "--out", str(out)])
    assert result.exit_code == 1  # stale verdicts, no bad rows
    stale_lines = [l for l in result.output.splitlines() if l.startswith("phrasecheck: stale:")]
    assert len(stale_lines) == 3
    assert "old.csv:2" in stale_lines[0] and "rule renamed?" in stale_lines[0] and DEFLECT in stale_lines[0]
    assert "old.csv:3" in stale_lines[1] and "text changed" in stale_lines[1]
    assert "old.csv:5" in stale_lines[2] and "turn 9 is not in the conversation" in stale_lines[2]
    assert "慢点" not in result.output  # transcript text stays out of the messages
    assert {r["source"].rsplit("/", 1)[-1] for r in read_csv(out / "stale.csv")} == {"old.csv:2", "old.csv:3", "old.csv:5"}
    assert by(read_csv(out / "scores.csv"), "conversation")["r1"]["reviewed_score"] == "98"  # the good row applied


def test_bad_verdict_files_are_one_line_each_and_good_rows_still_apply(run, tmp_path):
    mixed = f"""{HEADER}
r9,2,{DEFLECT},2,11,,confirmed,,王质检,,
r1,4,curt-command,0,2,等着,maybe,,王质检,,
r1,4,curt-command,0,,等着,false,,王质检,,
r1,4,curt-command,0,2,等着啊,false,,王质检,,
r1,4,curt-command,0,2,等着,confirmed,curt-x,王质检,,
r1,4,curt-command,0,2,等着,false,,王质检,yesterday,
r1,-1,curt-command,0,2,等着,false,,王质检,,
r1,4,curt-command,0,2,等着,false,,王质检,,
"""
    wrong_columns = "conversation,turn,rule,verdcit\nr1,4,curt-command,false\n"
    utf16 = write(tmp_path, "utf16.csv", f"{HEADER}\nr1,4,curt-command,0,2,等着,false,,王质检,,\n", "utf-16")
    bad_json = '{"conversation": "r3", "turn": 2, "rule": "impatience-hurry", "verdict": "false"}\n{"conversation": "r3",\n'
    out = tmp_path / "review"
    result = runner.invoke(app, ["review", str(run), str(write(tmp_path, "mixed.csv", mixed)),
                                 str(write(tmp_path, "cols.csv", wrong_columns)), str(utf16),
                                 str(write(tmp_path, "v.jsonl", bad_json)), "--out", str(out)])
    assert result.exit_code == 2
    errors = [l for l in result.output.splitlines() if l.startswith("phrasecheck: error:")]
    expected = ["cols.csv:1: unknown column 'verdcit'", "utf16.csv:1: NUL bytes", "v.jsonl:2: invalid JSON",
                "mixed.csv:3: verdict: expected confirmed | false | partly | missed, found 'maybe'",
                "mixed.csv:4: start, end: expected both", "mixed.csv:5: matched: 3 characters, but the span 0–2 has 2",
                "mixed.csv:6: corrected_rule: only a partly verdict", "mixed.csv:7: time: expected an ISO 8601",
                "mixed.csv:8: turn: expected a whole number from 0", "mixed.csv:2: unknown conversation 'r9'"]
    for text in expected:
        assert sum(text in e for e in errors) == 1, (text, errors)
    assert len(errors) == len(expected)
    scores = by(read_csv(out / "scores.csv"), "conversation")
    assert scores["r1"]["reviewed_score"] == "98"  # mixed.csv:9, curt-command false
    assert scores["r3"]["reviewed_score"] == "100"  # v.jsonl:1, impatience-hurry false


def test_gbk_and_jsonl_verdicts_read_like_utf8_csv(tmp_path):
    gbk = write(tmp_path, "gbk.csv", f"{HEADER}\nr1,4,curt-command,0,2,等着,误报,,王质检,,客户要求\n", "gbk")
    jsonl = write(tmp_path, "v.jsonl", json.dumps({"conversation": "r1", "turn": 4, "rule": "curt-command", "start": 0,
                                                   "end": 2, "verdict": "✗", "reviewer": "王质检", "note": "客户要求"},
                                                  ensure_ascii=False) + "\n")
    (from_gbk,), errors = read_verdicts(gbk, 0)
    (from_jsonl,), more = read_verdicts(jsonl, 1)
    assert errors == more == []
    for verdict in (from_gbk, from_jsonl):
        assert (verdict.conversation, verdict.turn, verdict.span, verdict.verdict, verdict.note) == ("r1", 4, (0, 2), "false", "客户要求")


def test_a_missing_run_or_an_out_over_the_run_is_a_usage_error(run, tmp_path):
    result = runner.invoke(app, ["review", str(tmp_path), str(write(tmp_path, "v.csv", REVIEW))])
    assert result.exit_code == 2 and "no conversations.jsonl" in result.output
    before = (run / "conversations.jsonl").read_bytes()
    result = runner.invoke(app, ["review", str(run), str(tmp_path / "v.csv"), "--out", str(run)])
    assert result.exit_code == 2 and "cannot be written over the run" in result.output
    assert (run / "conversations.jsonl").read_bytes() == before


def test_the_machine_stage_rebuilt_from_the_run_is_what_the_scorer_charged(tmp_path):
    """Every later stage is priced from hits read back out of conversations.jsonl: read back with no
    verdict, they must give the scorer's own deductions, point for point (sample transcripts of
    several formats, bank-counter, calls)."""
    from phrasecheck.qa.catalog import rule_catalog
    from phrasecheck.qa.checker import Checker
    from phrasecheck.qa.template import load_template
    from phrasecheck.review import review_conversation
    from test_transcripts import DATA

    out = tmp_path / "qa"
    files = [str(DATA / name) for name in ("calls.jsonl", "calls.csv", "aliyun.json", "call.srt", "chats.json", "zendesk.json")]
    assert runner.invoke(app, ["score", *files, "--pack", "bank-counter", "--out", str(out), "-j", "1"]).exit_code == 0
    catalog = rule_catalog(Checker.load("bank-counter", verify_examples=False))
    titles = {rule: info.title for rule, info in catalog.items() if info.kind != "utterance"}
    results = [json.loads(l) for l in (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(results) >= 8 and sum(len(r["deductions"]) for r in results) >= 10
    for result in results:
        machine = review_conversation(result, [], load_template(result["template"]["id"]), catalog.get, titles).stages[0]
        rebuilt = [d.to_dict() for d in machine.deductions]
        assert rebuilt == [{k: v for k, v in d.items() if k != "seq"} for d in result["deductions"]], result["id"]
        assert (machine.score, machine.vetoed) == (result["score"], result["vetoed"])


def test_a_second_reviewer_can_dismiss_a_hit_the_first_added(run, tmp_path):
    rows = f"""{HEADER}
r3,2,curt-command,11,13,排队,missed,,王质检,2024-05-20T10:00:00+08:00,催客户
r3,2,curt-command,11,13,排队,false,,赵组长,2024-05-21T10:00:00+08:00,排队是实情
"""
    out = tmp_path / "review"
    result = runner.invoke(app, ["review", str(run), str(write(tmp_path, "v.csv", rows)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert by(read_csv(out / "scores.csv"), "conversation")["r3"]["reviewed_score"] == "98"  # −1, then withdrawn
    assert [r["outcome"] for r in read_csv(out / "verdicts.csv")] == ["superseded", "applied"]
    assert by(read_csv(out / "rules.csv"), "rule")["curt-command"]["missed"] == "0"
