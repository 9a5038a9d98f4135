"""Templates like real QA forms: the calibrated default (call-centre), dimension and conversation
vetoes, per-item caps, N/A items out of the potential score, one charge per incident.

Expected scores are worked out by hand from lexicons/templates/call-centre.yaml: 服务态度 30
(error-level phrase: the dimension scores 0; warning-level −5 up to 15; civility −5 once),
服务规范 30 (self-introduction, greeting, farewell, wait apology, 你 not 您: −5 each), 沟通技巧 20
(incomplete refusal −5 up to 10), 业务处理 20 (「不知道」 unresolved −5 up to 10); critical vetoes.
"""

import pytest

from phrasecheck import Checker, Conversation, LexiconError, Turn
from phrasecheck.qa.template import load_template


@pytest.fixture(scope="module")
def core():
    return Checker.load("core")


def agent(text, begin=None, end=None):
    return Turn(role="agent", text=text, begin_ms=begin, end_ms=end)


def customer(text, begin=None, end=None):
    return Turn(role="customer", text=text, begin_ms=begin, end_ms=end)


def model_call(middle="请您稍等，我帮您查一下。"):
    """A call a reviewer would give full marks, with one agent line that tests may swap."""
    return Conversation(id="model", channel="call", turns=[
        agent("您好，燃气客服中心，工号2201为您服务。", 0, 3000),
        customer("我家燃气表好像坏了", 4000, 6000),
        agent(middle, 7000, 9000),
        agent("对不起让您久等了，已经为您登记，师傅今天下午上门。", 50000, 53000),
        customer("好的，谢谢", 54000, 55000),
        agent("不客气，感谢您的来电，再见！", 56000, 58000),
    ])


def items(result):
    return sorted((d["item"], d["points"]) for d in result["deductions"])


def test_the_default_template_is_the_calibrated_call_centre_form(core):
    assert core.template().template == "call-centre"
    result = core.score_conversation(model_call()).to_dict()
    assert (result["score"], result["grade"], result["passed"], result["deductions"]) == (100, "优秀", True, [])
    assert [d["potential"] for d in result["dimensions"]] == [30, 30, 20, 20]


def test_one_error_level_banned_phrase_fails_the_call(core):
    result = core.score_conversation(model_call("不归我管，找别人去")).to_dict()
    # 服务态度 scores 0: 100 − 30, below the pass mark 85
    assert items(result) == [("attitude-banned-language", 30)]
    assert (result["score"], result["passed"], result["vetoed"]) == (70, False, False)
    veto = result["deductions"][0]
    assert veto["veto"] is True and veto["dimension"] == "attitude" and veto["rule"] == "counter-not-my-job-find-others"
    attitude = next(d for d in result["dimensions"] if d["id"] == "attitude")
    assert (attitude["deducted"], attitude["score"]) == (30, 0)


@pytest.mark.parametrize("pack", ["core", "bank-counter", "retail"])
def test_every_error_level_rule_of_a_pack_fails_a_model_call(pack):
    checker = Checker.load(pack)
    checked = 0
    for compiled in checker.rules:
        rule = compiled.rule
        if rule.severity not in ("error", "critical") or rule.examples is None:
            continue
        checked += 1
        result = checker.score_conversation(model_call(rule.examples.flag[0])).to_dict()
        assert not result["passed"], (rule.id, result["score"])
        if rule.severity == "critical":
            assert result["vetoed"] and result["score"] == 0, rule.id
    assert checked >= 25


def test_a_second_banned_phrase_costs_nothing_more_but_is_on_record(core):
    call = model_call("不归我管，找别人去")
    call.turns[3] = agent("对不起让您久等了。急什么，没看见我正忙吗？", 50000, 53000)
    result = core.score_conversation(call).to_dict()
    vetoes = [(d["item"], d["points"], d["turn"]) for d in result["deductions"]]
    assert vetoes == [("attitude-banned-language", 30, 2), ("attitude-banned-language", 0, 3)]
    assert result["score"] == 70


def test_warning_level_lines_cost_five_each_up_to_the_item_cap(core):
    curt = core.rule("curt-command").rule.examples.flag[0]
    assert core.check(curt).violations[0].severity == "warning"
    scores = []
    for n in range(1, 5):
        call = model_call()
        call.turns[2:3] = [agent(curt, 7000 + i, 7000 + i) for i in range(n)]
        scores.append(core.score_conversation(call).score)
    # −5, −10, −15, then the item's cap of 15: one or two curt lines still pass, three reach the mark
    assert scores == [95, 90, 85, 85]


def test_a_critical_phrase_vetoes_the_call(core):
    result = core.score_conversation(model_call("你有病吧")).to_dict()
    assert (result["score"], result["vetoed"], result["grade"]) == (0, True, "不合格")
    assert [d["item"] for d in result["deductions"] if d["veto"] and d["dimension"] is None] == ["fatal-abuse"]


def test_not_applicable_items_leave_the_potential_score(core):
    chat = Conversation(id="n", channel="chat", turns=[
        agent("您好，请问有什么可以帮您？"), customer("查订单"), agent("请稍等，已经为您查到，明天发货，谢谢"),
    ])
    result = core.score_conversation(chat).to_dict()
    standard = next(d for d in result["dimensions"] if d["id"] == "standard")
    # a chat: no self-introduction (a call rule); no times: the wait rule is skipped
    assert standard["not_applicable"] == ["self-intro", "wait-apology"] and standard["potential"] == 20
    # only the farewell is missing: 5 of the 90 applicable points, scaled to 100 − 5.56 → 94
    assert items(result) == [("closing", 5)] and result["score"] == 94


def test_a_team_template_with_na_items_rounds_half_up(core, tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text("""
template: team
title: t
version: "1"
pass_mark: 80
grades: [{name: 好, min: 80}, {name: 差, min: 0}]
dimensions:
  - id: a
    title: A
    cap: 50
    items: [{id: greet, title: 问候, match: {kinds: [opening]}, deduct: 10, cap: 50}]
  - id: b
    title: B
    cap: 50
    items:
      - {id: wait, title: 等待, match: {kinds: [after_wait]}, deduct: 20, cap: 20}
      - {id: words, title: 用语, match: {kinds: [utterance]}, deduct: 5, cap: 30}
""", encoding="utf-8")
    untimed = Conversation(id="t", channel="chat", turns=[agent("查到了，明天到")])
    result = core.score_conversation(untimed, str(path)).to_dict()
    # the wait item is N/A (no times): potential 80; the missing greeting costs 10: 70/80 = 87.5 → 88
    assert items(result) == [("greet", 10)] and result["score"] == 88
    assert [d["not_applicable"] for d in result["dimensions"]] == [[], ["wait"]]


def test_one_incident_is_charged_once_by_the_costlier_view(core):
    call = Conversation(id="u", channel="call", turns=[
        agent("您好，燃气公司客服中心，工号1024为您服务"), customer("这个月电费怎么涨了"), agent("我不知道"),
        customer("那怎么办"), agent("感谢您的来电，再见"),
    ])
    findings = [f["rule"] for f in core.score_conversation(call).to_dict()["findings"] if f["status"] == "violated"]
    assert findings == ["conv-unknown-unresolved"]  # the conversation rule finds it; 我不知道 is also a banned excuse
    default = core.score_conversation(call).to_dict()
    # call-centre: the banned excuse costs more (服务态度 scores 0) than the unresolved question (−5): charged once, by it;
    # untimed, the wait item is N/A: (95 − 30) / 95 → 68
    assert items(default) == [("attitude-banned-language", 30)] and default["score"] == 68
    seed = core.score_conversation(call, "seed-003").to_dict()
    # seed-003: the unresolved question (−3) costs more than the banned excuse (−2): charged once, by it
    assert items(seed) == [("unresolved-unknown", 3)] and seed["score"] == 97


@pytest.mark.parametrize("template", ["call-centre", "seed-003"])
def test_abuse_vetoes_even_where_another_rule_points_at_the_same_words(core, template):
    chat = Conversation(id="v", channel="chat", turns=[agent("你好"), customer("快点"), agent("你有病吧")])
    result = core.score_conversation(chat, template).to_dict()
    # the 你-not-您 rule points at the 你 of 你有病吧: still one incident, and the veto is the costlier
    assert any(f["rule"] == "conv-address-ni" and f["turn"] == 2 for f in result["findings"])
    assert result["vetoed"] and result["score"] == 0


def test_a_dimension_veto_id_must_be_unique(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("""
template: dup
title: t
version: "1"
grades: [{name: 好, min: 0}]
dimensions:
  - id: a
    title: A
    cap: 100
    veto: [{id: x, title: 否决, match: {severities: [error]}}]
    items: [{id: x, title: 项, match: {kinds: [opening]}, deduct: 1}]
""", encoding="utf-8")
    with pytest.raises(LexiconError, match="repeated: 'x'"):
        load_template(path)
