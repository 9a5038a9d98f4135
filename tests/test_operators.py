"""Conversation-rule operators, one at a time, on conversations built by hand.

Each expected finding is reasoned from the operator's definition in docs/operators.md: which
turn (index into the conversation), which words, which message.  Turns are written in the
compact example form: "坐席: …", "[m:ss] 客户: …", "[m:ss-m:ss] 坐席: …".
"""

import pytest

from phrasecheck import Checker, Conversation, LexiconError, Turn
from phrasecheck.lexicon.conversation import ConversationExample, ConversationRule
from phrasecheck.qa.rules import evaluate

PLACEHOLDER = {"flag": [["坐席: 甲"]], "clean": [["坐席: 乙"]]}


@pytest.fixture(scope="module")
def core():
    return Checker.load("core")


def conversation(*turns, channel="call", meta=None):
    example = ConversationExample.model_validate(list(turns))
    return Conversation(id="c", channel=channel, meta=meta or {}, turns=[Turn(**t.model_dump()) for t in example.turns])


def run(checker, check, talk, **fields):
    """The findings of a one-rule check on `talk`, as (status, turn, matched, message)."""
    rule = ConversationRule.model_validate({"id": "t-rule", "title": "T", "severity": "warning", "why": "w",
                                            "check": check, "examples": PLACEHOLDER, **fields})
    compiled = checker.compile_conversation_rule(rule)
    results = [checker.check_turn(t.text, t.role) for t in talk.turns]
    findings, _ = evaluate((compiled,), talk, checker.normalizer, lambda i: results[i].violations)
    return [(f.status, f.turn, f.matched, f.message) for f in findings]


def violated_turns(findings):
    return [turn for status, turn, _, _ in findings if status == "violated"]


# -- say -------------------------------------------------------------------------------------------

def test_say_hits_each_turn_of_its_role_once_at_its_first_words(core):
    talk = conversation("客户: 谢谢你", "坐席: 好的，谢谢，谢谢您", "坐席: 不客气")
    # the customer's 谢谢 is not the agent's; the agent's second turn hits once, at its first 谢谢
    assert run(core, {"say": {"phrases": ["谢谢"]}}, talk) == [("violated", 1, "谢谢", "T")]
    assert violated_turns(run(core, {"say": {"role": "any", "phrases": ["谢谢"]}}, talk)) == [0, 1]


def test_say_matches_folded_text_and_reports_the_original_words(core):
    talk = conversation("坐席: 謝謝您的耐心")  # traditional characters
    assert run(core, {"say": {"phrases": ["谢谢"]}}, talk) == [("violated", 0, "謝謝", "T")]


def test_say_unless_excuses_only_the_overlapping_hit(core):
    # 你好 excuses the first 你; the second 你 (index 3) is the hit
    talk = conversation("坐席: 你好，你自己看")
    findings = run(core, {"say": {"phrases": ["你"], "unless": ["你好"]}}, talk)
    assert findings == [("violated", 0, "你", "T")]
    rule = {"say": {"phrases": ["你"], "unless": ["你好"]}}
    assert run(core, rule, conversation("坐席: 你好，请讲")) == []


def test_say_names_phrase_rules_and_categories(core):
    talk = conversation("客户: 我要投诉", "坐席: 不归我管，找别人去", "坐席: 好的")
    by_category = run(core, {"say": {"categories": ["推诿"]}}, talk)
    assert [(turn, matched) for _, turn, matched, _ in by_category] == [(1, "不归我管，找别人去")]
    by_rule = run(core, {"say": {"rules": ["counter-not-my-job-*"]}}, talk)
    assert violated_turns(by_rule) == [1]


def test_say_with_nothing_to_say_is_every_turn_of_its_role(core):
    talk = conversation("坐席: 您好", "客户: 在吗", "坐席: 在")
    assert violated_turns(run(core, {"say": {}}, talk)) == [0, 2]


# -- range ------------------------------------------------------------------------------------------

GREETING = {"absent": {"say": {"phrases": ["您好"]}}}


def test_range_first_and_last_report_an_absence_at_their_edge(core):
    talk = conversation("客户: 在吗", "坐席: 说", "客户: 查快递", "坐席: 您好，查到了", "坐席: 明天到")
    # agent turns are 1, 3, 4: the first one lacks 您好 (reported there); the first two together do not
    assert violated_turns(run(core, {**GREETING, "range": {"role": "agent", "first": 1}}, talk)) == [1]
    assert run(core, {**GREETING, "range": {"role": "agent", "first": 2}}, talk) == []
    # the last agent turn lacks it: reported at turn 4
    assert violated_turns(run(core, {**GREETING, "range": {"role": "agent", "last": 1}}, talk)) == [4]


def test_range_turns_and_seconds_pick_positions_and_times(core):
    talk = conversation("[0:00] 坐席: 您好", "[0:10] 坐席: 请讲", "[0:50] 坐席: 您好，还在吗")
    say_hello = {"say": {"phrases": ["您好"]}}
    assert violated_turns(run(core, {**say_hello, "range": {"role": "agent", "turns": [2, 3]}}, talk)) == [2]
    assert violated_turns(run(core, {**say_hello, "range": {"seconds": [0, 30]}}, talk)) == [0]
    untimed = conversation("坐席: 您好")
    (finding,) = run(core, {**say_hello, "range": {"seconds": [0, 30]}}, untimed)
    assert finding[0] == "skipped" and "时间戳" in finding[3]


def test_an_absence_over_no_turns_is_no_finding(core):
    only_customer = conversation("客户: 在吗", "客户: 有人吗")
    assert run(core, {**GREETING, "range": {"role": "agent", "first": 1}}, only_customer) == []
    # without a range the scope is the whole conversation, which has turns: the agent said nothing
    assert run(core, GREETING, only_customer) == [("violated", None, None, "T")]


def test_not_is_absent(core):
    talk = conversation("坐席: 好的")
    assert run(core, {"not": {"say": {"phrases": ["您好"]}}}, talk) == run(core, GREETING, talk) == [("violated", None, None, "T")]


# -- count ------------------------------------------------------------------------------------------

def test_count_at_least_reports_where_the_count_is_reached(core):
    talk = conversation("坐席: 没办法", "客户: 啊", "坐席: 确实没办法", "坐席: 真没办法", "坐席: 没办法没办法")
    check = {"count": {"of": {"say": {"phrases": ["没办法"]}}, "at_least": 3}}
    # one hit per turn: turns 0, 2, 3, 4; the third is turn 3
    assert run(core, check, talk, message="{count} 次") == [("violated", 3, "没办法", "4 次")]  # {count}: all of them
    check["count"]["at_least"] = 5
    assert run(core, check, talk) == []


def test_count_upper_bounds_report_the_scope(core):
    talk = conversation("坐席: 您好", "客户: 查话费", "坐席: 58元")
    thanks = {"say": {"phrases": ["谢谢"]}}
    assert run(core, {"count": {"of": thanks, "at_most": 0}}, talk) == [("violated", None, None, "T")]
    assert run(core, {"count": {"of": thanks, "at_most": 0}}, conversation("坐席: 谢谢")) == []
    # a band: between 1 and 2 greetings
    band = {"count": {"of": {"say": {"phrases": ["您好"]}}, "at_least": 1, "at_most": 2}}
    assert violated_turns(run(core, band, talk)) == [0]


def test_count_distinct_counts_phrases_against_a_share(core):
    check = {"count": {"of": {"say": {"phrases": ["您好", "请", "谢谢", "对不起", "再见"]}}, "distinct": True, "fewer_than": "40%"}}
    message = "用了 {count}/{total}，未用 {missing}"
    # 2 of 5 is not fewer than 40% (2.0); 1 of 5 is
    assert run(core, check, conversation("坐席: 您好，请讲"), message=message) == []
    assert run(core, check, conversation("坐席: 您好", "坐席: 您好"), message=message) == [
        ("violated", None, None, "用了 1/5，未用 请、谢谢、对不起、再见")]


def test_count_distinct_honours_unless_and_a_range_on_its_say(core):
    say = {"say": {"phrases": ["你好", "请"], "unless": ["请问"]}, "range": {"role": "agent", "first": 1}}
    check = {"count": {"of": say, "distinct": True, "at_most": 0}}
    # only the first agent turn counts, and its 请 is part of 请问: nothing used
    assert run(core, check, conversation("坐席: 请问办什么", "坐席: 你好，请坐"), message="{count}/{total}") == [
        ("violated", None, None, "0/2")]
    assert run(core, check, conversation("坐席: 请坐", "坐席: 你好")) == []


# -- repeat -----------------------------------------------------------------------------------------

def test_repeat_finds_the_third_near_identical_sentence(core):
    talk = conversation("坐席: 请您提供一下订单号。好的", "客户: 在哪", "坐席: 请您提供一下订单号", "坐席: 稍等。请您提供一下订单号！")
    found = run(core, {"repeat": {"times": 3}}, talk, message="{times}:{matched}")
    # sentences are compared, not turns: the third copy is the second sentence of turn 3 (its words, not its ！)
    assert found == [("violated", 3, "请您提供一下订单号", "3:请您提供一下订单号")]


def test_repeat_respects_similarity_min_chars_and_role(core):
    talk = conversation("坐席: 请您重启一下路由器", "坐席: 请您重启一下路由器", "坐席: 麻烦您重启一下路由器")
    # 麻烦您…(10) against 请您…(9) share 8 characters: ratio 16/19 = 0.84
    assert violated_turns(run(core, {"repeat": {"similarity": 0.8}}, talk)) == [2]
    assert run(core, {"repeat": {"similarity": 0.9}}, talk) == []
    short = conversation("坐席: 好的", "坐席: 好的", "坐席: 好的")
    assert run(core, {"repeat": {"min_chars": 3}}, short) == []
    customer = conversation("客户: 我要退款", "客户: 我要退款", "客户: 我要退款")
    assert run(core, {"repeat": {}}, customer) == []
    assert violated_turns(run(core, {"repeat": {"role": "customer"}}, customer)) == [2]


# -- anchor -----------------------------------------------------------------------------------------

APOLOGY = {"absent": {"say": {"phrases": ["抱歉", "对不起"]}}}
REFUND = {"say": {"role": "customer", "phrases": ["退款"]}}


def test_anchor_after_within_agent_turns_reports_at_the_trigger(core):
    check = {"anchor": {"to": REFUND, "within": {"turns": 2, "role": "agent"}, "check": APOLOGY}}
    late = conversation("坐席: 您好", "客户: 我要退款", "坐席: 单号", "客户: 778", "坐席: 好", "坐席: 抱歉久等")
    # window: turn 1 (the anchor) to the second agent turn after it (turn 4); the apology at 5 is late
    assert run(core, check, late) == [("violated", 1, "退款", "T")]
    in_time = conversation("坐席: 您好", "客户: 我要退款", "坐席: 单号", "客户: 778", "坐席: 抱歉久等")
    assert run(core, check, in_time) == []
    assert run(core, check, conversation("坐席: 您好", "客户: 改地址")) == []  # no anchor, nothing to check


def test_anchor_every_hit_first_last_and_nth(core):
    talk = conversation("客户: 退款", "坐席: 好", "客户: 退款呢", "坐席: 在办", "客户: 还要退款")
    every = {"anchor": {"to": REFUND, "where": "same", "check": APOLOGY}}
    # `same` on a customer turn: the agent's apology cannot be there, so each anchor is reported
    assert violated_turns(run(core, every, talk)) == [0, 2, 4]
    for hit, expected in (("first", [0]), ("last", [4]), (2, [2]), (5, [])):
        check = {"anchor": {**every["anchor"], "hit": hit}}
        assert violated_turns(run(core, check, talk)) == expected, hit


def test_anchor_before_includes_the_anchor_turn(core):
    verify_first = {"anchor": {"to": {"say": {"patterns": ["余额 …10 元"]}}, "where": "before", "hit": "first",
                               "check": {"absent": {"say": {"phrases": ["后四位"]}}}}}
    assert violated_turns(run(core, verify_first, conversation("客户: 查余额", "坐席: 您的余额是32元"))) == [1]
    asked = conversation("坐席: 请报身份证后四位", "客户: 1234", "坐席: 您的余额是32元")
    assert run(core, verify_first, asked) == []
    same_turn = conversation("坐席: 后四位核对无误，您的余额是32元")
    assert run(core, verify_first, same_turn) == []


def test_anchor_within_seconds(core):
    check = {"anchor": {"to": REFUND, "within": {"seconds": 30}, "check": APOLOGY}}
    slow = conversation("[0:00-0:02] 客户: 我要退款", "[0:40] 坐席: 抱歉")
    fast = conversation("[0:00-0:02] 客户: 我要退款", "[0:20] 坐席: 抱歉")
    assert violated_turns(run(core, check, slow)) == [0]  # 0:40 is 38 s after the anchor ends
    assert run(core, check, fast) == []
    (skipped,) = run(core, check, conversation("客户: 我要退款", "坐席: 抱歉"))
    assert skipped[0] == "skipped"


def test_anchor_present_reports_the_inner_hit(core):
    check = {"anchor": {"to": {"say": {"role": "customer", "phrases": ["投诉"]}}, "within": {"turns": 1, "role": "agent"},
                        "check": {"present": {"say": {"categories": ["推诿"]}}}}}
    talk = conversation("客户: 我要投诉", "坐席: 不归我管，找别人去")
    assert run(core, check, talk) == [("violated", 1, "不归我管，找别人去", "T")]
    before = conversation("坐席: 不归我管，找别人去", "客户: 我要投诉", "坐席: 抱歉")
    assert run(core, check, before) == []  # the deflection came before the complaint


# -- all / any and labels ---------------------------------------------------------------------------

def test_any_joins_the_labels_of_what_is_missing_at_one_place(core):
    check = {"any": [{"absent": {"say": {"phrases": ["谢谢"]}}, "label": "致谢"},
                     {"absent": {"say": {"phrases": ["再见"]}}, "label": "道别"}],
             "range": {"role": "agent", "last": 1}}
    message = "缺少：{labels}"
    assert run(core, check, conversation("坐席: 您好", "坐席: 好了"), message=message) == [("violated", 1, None, "缺少：致谢、道别")]
    assert run(core, check, conversation("坐席: 您好", "坐席: 再见"), message=message) == [("violated", 1, None, "缺少：致谢")]
    assert run(core, check, conversation("坐席: 谢谢，再见"), message=message) == []


def test_all_needs_every_branch_and_reports_the_placed_hits(core):
    check = {"all": [{"say": {"phrases": ["你"], "unless": ["你好"]}}, {"absent": {"say": {"phrases": ["您"]}}}]}
    talk = conversation("坐席: 你好", "客户: 查", "坐席: 你的话费58元", "坐席: 你还有别的事吗")
    # both branches hold: the 你 hits (turns 2 and 3) are reported, the absence has no place of its own
    assert violated_turns(run(core, check, talk)) == [2, 3]
    assert violated_turns(run(core, check, talk, report="first")) == [2]
    assert run(core, check, conversation("坐席: 你的话费58元", "坐席: 您还有别的事吗")) == []


# -- timing -----------------------------------------------------------------------------------------

def test_silence_measures_from_the_previous_turns_end(core):
    talk = conversation("[0:00-0:02] 坐席: 您好", "[0:03-0:08] 客户: 我要报修", "[0:20-0:21] 坐席: 好", "[0:50] 坐席: 登记了")
    check = {"silence": {"seconds": 10, "role": "agent", "after": "customer"}}
    # 0:08 → 0:20 is 12 s after a customer turn; 0:21 → 0:50 follows the agent's own turn
    assert run(core, check, talk, message="{seconds}") == [("violated", 2, None, "12")]
    anyone = {"silence": {"seconds": 10}}
    assert violated_turns(run(core, anyone, talk)) == [2, 3]
    exactly = {"silence": {"seconds": 12, "role": "agent"}}  # more than 12 s, not 12 s
    assert violated_turns(run(core, exactly, talk)) == [3]


def test_silence_with_holds_and_without_times(core):
    held = Conversation(id="h", turns=[Turn(role="agent", text="请稍等"), Turn(role="agent", text="查到了", hold=True)])
    assert violated_turns(run(core, {"silence": {"seconds": 30, "holds": True}}, held)) == [1]
    (skipped,) = run(core, {"silence": {"seconds": 30}}, held)
    assert skipped[0] == "skipped" and "begin_ms" in skipped[3]


def test_response_time_counts_from_the_first_unanswered_message(core):
    talk = conversation("[0:00] 客户: 在吗", "[0:50] 客户: 有人吗", "[1:10] 坐席: 您好", "[1:20] 客户: 查订单", "[1:40] 坐席: 好的")
    check = {"response_time": {"seconds": 60}}
    # 0:00 → 1:10 is 70 s (the second message does not restart the wait); 1:20 → 1:40 is 20 s
    assert run(core, check, talk, message="{seconds}") == [("violated", 2, None, "70")]


def test_response_time_ignores_bot_turns_and_needs_times(core):
    talk = Conversation(id="b", channel="chat", turns=[
        Turn(role="customer", text="在吗", begin_ms=0), Turn(role="bot", text="自动回复：请稍候", begin_ms=1000),
        Turn(role="agent", text="您好", begin_ms=90_000)])
    assert violated_turns(run(core, {"response_time": {"seconds": 60}}, talk)) == [2]
    (skipped,) = run(core, {"response_time": {"seconds": 60}}, conversation("客户: 在吗", "坐席: 您好"))
    assert skipped[0] == "skipped"


def test_interrupt_needs_a_real_overlap_by_a_real_turn(core):
    check = {"interrupt": {"overlap_ms": 1000, "min_chars": 3}}
    over = conversation("[0:00-0:08] 客户: 我上个月多扣了三十块", "[0:03-0:05] 坐席: 那不可能")
    assert run(core, check, over, message="{overlap_ms}") == [("violated", 1, None, "2000")]
    nod = conversation("[0:00-0:08] 客户: 我上个月多扣了三十块", "[0:03-0:05] 坐席: 嗯")
    assert run(core, check, nod) == []
    brief = conversation("[0:00-0:08] 客户: 我上个月多扣了三十块", "[0:07.5-0:09] 坐席: 那不可能")  # 0.5 s
    assert run(core, check, brief) == []
    after = conversation("[0:00-0:08] 客户: 我上个月多扣了三十块", "[0:09-0:11] 坐席: 我帮您查")
    assert run(core, check, after) == []
    (skipped,) = run(core, check, conversation("[0:00] 客户: 我说", "[0:01] 坐席: 那不可能"))
    assert skipped[0] == "skipped" and "end_ms" in skipped[3]


def test_speech_rate_per_turn_and_on_average(core):
    # 您好请问有什么可以帮您: 11 characters (punctuation does not count); in 2 s 330 a minute, in 4 s 165
    fast = "[0:00-0:02] 坐席: 您好，请问有什么可以帮您？"
    slow = "[0:10-0:14] 坐席: 您好，请问有什么可以帮您？"
    check = {"speech_rate": {"above": 320, "min_chars": 10}}
    assert run(core, check, conversation(fast, slow), message="{rate}") == [("violated", 0, None, "330")]
    average = {"speech_rate": {"above": 320, "min_chars": 10, "average": True}}
    assert run(core, average, conversation(fast, slow)) == []  # 22 characters in 6 s: 220
    assert run(core, {"speech_rate": {"below": 200, "min_chars": 10}}, conversation(fast, slow), message="{rate}") == [
        ("violated", 1, None, "165")]
    assert run(core, {"speech_rate": {"above": 100, "min_chars": 20}}, conversation(fast)) == []  # too short to measure


# -- when -------------------------------------------------------------------------------------------

def test_when_filters_on_channel_and_metadata(core):
    rule = {"check": GREETING, "when": {"skill_group": ["VIP"]}}
    vip = conversation("坐席: 好的", meta={"skill_group": "VIP"})
    assert violated_turns(run(core, talk=vip, **rule)) == [None]
    assert run(core, talk=conversation("坐席: 好的", meta={"skill_group": "普通"}), **rule) == []
    (skipped,) = run(core, talk=conversation("坐席: 好的"), **rule)
    assert skipped[0] == "skipped" and "skill_group" in skipped[3]
    on_a_turn = Conversation(id="t", turns=[Turn(role="agent", text="好的", meta={"skill_group": "VIP"})])
    assert violated_turns(run(core, talk=on_a_turn, **rule)) == [None]
    calls = {"check": GREETING, "when": {"channel": "call"}}
    assert run(core, talk=conversation("坐席: 好的", channel="chat"), **calls) == []
    (unknown,) = run(core, talk=conversation("坐席: 好的", channel=None), **calls)
    assert unknown[0] == "skipped" and "--channel" in unknown[3]


# -- messages and errors ----------------------------------------------------------------------------

def test_a_message_list_uses_the_first_the_hit_can_fill(core):
    check = {"silence": {"seconds": 30, "holds": True}}
    messages = ["等了 {seconds} 秒", "保持后"]
    timed = conversation("[0:00] 坐席: 请稍等", "[0:40] 坐席: 好了")
    assert run(core, check, timed, message=messages)[0][3] == "等了 40 秒"
    held = Conversation(id="h", turns=[Turn(role="agent", text="请稍等"), Turn(role="agent", text="好了", hold=True)])
    assert run(core, check, held, message=messages)[0][3] == "保持后"


@pytest.mark.parametrize("rule, field, expected", [
    ({"check": {"says": {"phrases": ["您好"]}}}, "check", "unknown operator 'says'"),
    ({"check": {"say": {"phrase": ["您好"]}}}, "check.say", "unknown field 'phrase'"),
    ({"check": {"say": {}, "absent": {"say": {}}}}, "check", "exactly one operator"),
    ({"check": {"anchor": {"to": {"say": {}}, "check": {"say": {}}, "withn": {"turns": 1}}}}, "check.anchor", "unknown field 'withn'"),
    ({"check": {"anchor": {True: {"say": {}}, "check": {"say": {}}}}}, "check.anchor", "quote such a key"),
    ({"check": {"count": {"of": {"say": {}}, "fewer_than": "40%"}}}, "check.count", "distinct"),
    ({"check": {"say": {"patterns": ["[您好"]}}}, "check.say.patterns", "bad pattern"),
    ({"check": {"say": {}}, "message": "{secs}"}, "message", "unknown placeholder {secs}"),
    ({"check": {"say": {}}, "colour": "red"}, "", "unknown field 'colour'"),
])
def test_a_bad_rule_is_one_line_naming_file_rule_and_field(write_pack, rule, field, expected):
    import yaml

    body = {"id": "house-bad", "title": "T", "severity": "warning", "why": "w", "examples": PLACEHOLDER, **rule}
    path = write_pack(yaml.safe_dump({"pack": "mini", "title": "t", "version": "1", "conversation_rules": [body]}, allow_unicode=True))
    with pytest.raises(LexiconError) as error:
        Checker.load(str(path))
    message = str(error.value)
    assert "\n" not in message and str(path) in message and "'house-bad'" in message and expected in message
    assert f"'house-bad': {field}" in message


def test_a_reference_to_a_phrase_rule_that_does_not_exist_is_an_error(write_pack):
    import yaml

    body = {"id": "house-ref", "title": "T", "severity": "warning", "why": "w", "examples": PLACEHOLDER,
            "check": {"anchor": {"to": {"say": {"role": "customer", "phrases": ["投诉"]}},
                                 "check": {"present": {"say": {"rules": ["no-such-rule"]}}}}}}
    pack = {"pack": "mini", "title": "t", "version": "1", "extends": ["core"], "conversation_rules": [body]}
    path = write_pack(yaml.safe_dump(pack, allow_unicode=True))
    with pytest.raises(LexiconError, match=r"'house-ref': check\.anchor\.check\.present\.say\.rules: 'no-such-rule' names no phrase rule"):
        Checker.load(str(path))
