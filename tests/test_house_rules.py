"""House rules: the sample file, inline documents through Python and REST, the operator docs'
examples, and the old `kind:` shorthands finding what the written-out built-in rules find."""

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import Settings, create_app
from phrasecheck import Checker, Conversation, Turn
from phrasecheck.cli import app
from phrasecheck.qa.house import HouseRulesError
from phrasecheck.readers import read_conversations

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "lexicons" / "examples" / "house-rules.yaml"
DATA = Path(__file__).parent / "data"

APOLOGY_RULE = {
    "id": "team-apology-after-refund",
    "title": "客户提到退款后两轮内未致歉",
    "category": "服务态度",
    "severity": "warning",
    "why": "先致歉再处理。",
    "check": {"anchor": {"to": {"say": {"role": "customer", "phrases": ["退款"]}}, "within": {"turns": 2, "role": "agent"},
                         "check": {"absent": {"say": {"phrases": ["抱歉", "对不起"]}}}}},
    "examples": {"flag": [["客户: 我要退款", "坐席: 单号多少"]], "clean": [["客户: 我要退款", "坐席: 抱歉，单号多少"]]},
}
REFUND_CHAT = {"id": "r1", "channel": "chat", "turns": [
    {"role": "agent", "text": "您好，请问有什么可以帮您？"}, {"role": "customer", "text": "我要退款"},
    {"role": "agent", "text": "单号多少"}, {"role": "customer", "text": "778"}, {"role": "agent", "text": "好的，已提交，谢谢，再见"},
]}


@pytest.fixture(scope="module")
def house():
    return Checker.load(str(SAMPLE))


def test_the_sample_holds_house_rules_that_pass_their_own_examples(house):
    rules = [c.rule for c in house.conversation_rules if c.rule.id.startswith("house-")]
    assert len(rules) >= 8
    assert all(r.examples.flag and r.examples.clean for r in rules)
    assert house.test_examples([r.id for r in rules]) == []
    # the kinds of checks QA forms ask for, each from its operator
    operators = {r.id: yaml.safe_dump(r.check.model_dump(exclude_none=True, by_alias=True)) for r in rules}
    for needed in ("anchor", "repeat", "response_time", "interrupt", "speech_rate", "silence", "count", "all"):
        assert any(re.search(rf"\b{needed}:", text) for text in operators.values()), needed
    result = CliRunner().invoke(app, ["lexicon", "test", str(SAMPLE)])
    assert result.exit_code == 0 and "all examples pass" in result.output


def test_a_house_rule_is_priced_by_the_dimension_its_category_names(house):
    result = house.score_conversation(Conversation.model_validate(REFUND_CHAT)).to_dict()
    (finding,) = [f for f in result["findings"] if f["rule"] == "house-apology-after-complaint"]
    assert (finding["status"], finding["turn"], finding["matched"]) == ("violated", 1, "退款")
    charged = [(d["item"], d["dimension"], d["points"]) for d in result["deductions"] if d["rule"] == "house-apology-after-complaint"]
    assert charged == [("attitude-house", "attitude", 5)]


def test_inline_house_rules_in_python(house):
    core = Checker.load("core")
    document = {"conversation_rules": [APOLOGY_RULE]}
    result = core.score_conversation(Conversation.model_validate(REFUND_CHAT), house_rules=document).to_dict()
    assert [(f["rule"], f["turn"]) for f in result["findings"] if f["status"] == "violated"] == [("team-apology-after-refund", 1)]
    assert core.house_rules(document) is core.house_rules(dict(document))  # compiled once per checker
    assert core.score_conversation(Conversation.model_validate(REFUND_CHAT)).to_dict()["findings"] == [
        f for f in result["findings"] if f["rule"] != "team-apology-after-refund"]  # nothing sticks to the checker


@pytest.mark.parametrize("change, rule, field, words", [
    ({"check": {"anchor": {"to": {"say": {}}, "check": {"say": {}}, "within": {"turn": 2}}}}, "team-apology-after-refund",
     "check.anchor.within", "unknown field 'turn'"),
    ({"severity": "fatal"}, "team-apology-after-refund", "severity", "Input should be"),
    ({"id": "conv-greeting"}, "conv-greeting", "id", "already defined"),
    ({"examples": {"flag": [["客户: 我要退款", "坐席: 抱歉"]], "clean": [["坐席: 好"]]}}, "team-apology-after-refund",
     "examples.flag", "misses its own flag example"),
    ({"check": {"say": {"categories": ["没有这类"]}}}, "team-apology-after-refund", "check.say.categories", "no phrase rule"),
])
def test_a_bad_inline_rule_names_the_rule_and_the_field(change, rule, field, words):
    core = Checker.load("core")
    with pytest.raises(HouseRulesError) as error:
        core.house_rules({"conversation_rules": [{**APOLOGY_RULE, **change}]})
    assert (error.value.rule, error.value.field) == (rule, field)
    assert words in str(error.value) and "\n" not in str(error.value)


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app("core", Settings(reload_lexicons=False)))


def test_rest_scores_with_inline_house_rules(client):
    response = client.post("/v1/conversations/score", json={**REFUND_CHAT, "house_rules": {"conversation_rules": [APOLOGY_RULE]}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert [f["turn"] for f in result["findings"] if f["rule"] == "team-apology-after-refund"] == [1]
    assert "team-apology-after-refund" in [d["rule"] for d in result["deductions"]]
    plain = client.post("/v1/conversations/score", json=REFUND_CHAT).json()
    assert "team-apology-after-refund" not in [f["rule"] for f in plain["findings"]]


def test_rest_answers_a_bad_house_rule_with_a_422_naming_rule_and_field(client):
    bad = {**APOLOGY_RULE, "check": {"anchor": {"to": {"say": {}}, "check": {"sya": {}}}}}
    response = client.post("/v1/conversations/score", json={**REFUND_CHAT, "house_rules": {"conversation_rules": [bad]}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_house_rules"
    assert error["detail"] == [{"rule": "team-apology-after-refund", "field": "check.anchor.check"}]
    assert "'team-apology-after-refund'" in error["message"] and "unknown operator 'sya'" in error["message"]
    missing = client.post("/v1/conversations/score", json={**REFUND_CHAT, "house_rules": {"rules": []}})
    assert missing.status_code == 422 and missing.json()["error"]["detail"][0]["field"] == "conversation_rules"
    unknown = client.post("/v1/conversations/score", json={**REFUND_CHAT, "house_rules": "no-such-pack"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_pack"


def test_rest_takes_a_pack_name_for_house_rules(client):
    # a pack on the search path whose conversation rules are added (core's own are already there: a clash)
    response = client.post("/v1/conversations/score", json={**REFUND_CHAT, "house_rules": "core"})
    assert response.status_code == 422 and response.json()["error"]["detail"][0]["field"] == "id"


def _doc_rules():
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(- id: .*?)```", text, flags=re.S)
    return [rule for block in blocks for rule in yaml.safe_load(block)]


def test_every_example_in_the_operator_docs_runs_as_written(tmp_path):
    rules = _doc_rules()
    assert len(rules) >= 14  # one or more per operator
    pack = {"pack": "docs", "title": "docs", "version": "1", "extends": ["core"], "conversation_rules": rules}
    path = tmp_path / "docs.yaml"
    path.write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    checker = Checker.load(str(path), verify_examples=False)
    assert checker.test_examples([r["id"] for r in rules]) == []


def _conversations():
    """Every sample transcript plus calls that exercise each built-in rule."""
    found = [c for path in sorted((DATA / "transcripts").glob("*.*")) for c in read_conversations(path)]
    agent = lambda text, begin=None, **kw: Turn(role="agent", text=text, begin_ms=begin, **kw)  # noqa: E731
    customer = lambda text, begin=None: Turn(role="customer", text=text, begin_ms=begin)  # noqa: E731
    found.append(Conversation(id="a", channel="call", turns=[
        agent("喂", 0), customer("我要退", 2000), agent("不行，办不了", 45000), agent("你自己看吧", 46000, hold=True),
        customer("你们不知道吗", 50000), agent("我不知道", 52000)]))
    found.append(Conversation(id="b", turns=[agent("你好"), customer("查"), agent("不清楚，我帮您问一下"), agent("再见")]))
    found.append(Conversation(id="c", channel="chat", turns=[customer("在吗"), customer("人呢")]))
    return found


def test_the_kind_shorthands_find_what_the_written_out_rules_find():
    checker = Checker.load(str(DATA / "legacy-conversation-rules.yaml"))
    pairs = [(c, checker.conversation_rule(c.rule.id + "-legacy")) for c in checker.conversation_rules if c.rule.id.startswith("conv-")
             and not c.rule.id.endswith("-legacy")]
    assert len(pairs) == 8
    from phrasecheck.qa.rules import evaluate

    for conversation in _conversations():
        results = [checker.check_turn(t.text, t.role) for t in conversation.turns]
        for written, legacy in pairs:
            ours, _ = evaluate((written,), conversation, checker.normalizer, lambda i: results[i].violations)
            theirs, _ = evaluate((legacy,), conversation, checker.normalizer, lambda i: results[i].violations)
            same = [{**f.to_dict(), "rule": None} for f in ours] == [{**f.to_dict(), "rule": None} for f in theirs]
            assert same, (conversation.id, written.rule.id)


def test_lexicon_show_documents_a_conversation_rule():
    shown = CliRunner().invoke(app, ["lexicon", "show", "conv-refusal-incomplete"])
    assert shown.exit_code == 0, shown.output
    for part in ("What it does", "anchor:", "within: {turns: 1, role: agent}", "Why is this bad?", "Use instead", "Fine"):
        assert part in shown.output, part
    # its flag examples, with what the rule finds in them
    assert "客户: 能寄到国外吗" in shown.output and "turn 3: 拒绝客户时缺少致歉、原因或替代办法（缺少：致歉、原因、替代办法）" in shown.output
    house = CliRunner().invoke(app, ["lexicon", "show", "house-chat-slow-reply", "--pack", str(SAMPLE)])
    assert house.exit_code == 0 and "only when channel is chat" in house.output and "客户等了 90 秒" in house.output
