"""Guards are judged where the hit stands, word classes are pack data, and the explain trace says
why a line was or was not flagged."""

import json

import pytest
from typer.testing import CliRunner

from phrasecheck import Checker, LexiconError, PhrasecheckError
from phrasecheck.cli import app


def rules_fired(checker, text):
    return [v.rule for v in checker.check(text).violations]


def test_a_polite_sentence_elsewhere_does_not_excuse_a_curt_line(bank):
    curt = "在这签个名。"
    assert rules_fired(bank, curt) == ["counter-sign-here"]
    message = "您好，请您核对一下存单上的金额和日期，确认无误后我们就办理。" + curt + "谢谢您的耐心。"
    assert "counter-sign-here" in rules_fired(bank, message)
    # …while 请/您 in the hit's own clause still makes it the standard line.
    assert rules_fired(bank, "请您在这里签名。") == []


def test_in_a_transcript_without_punctuation_each_pause_is_a_clause(bank):
    """ASR turns mark clauses with spaces: the 您 two pauses away no longer excuses the curt clause."""
    call = "嗯 您好 这边帮您查过了 你到底有没有在听 请您稍等一下"
    (violation,) = bank.check(call).violations
    assert violation.rule == "impatience-hurry" and violation.matched == "到底有没有在听"
    assert call[violation.start : violation.end] == violation.matched
    assert rules_fired(bank, "嗯 您好 这边帮您查过了 请您稍等一下") == []
    # One clause: a request word in it excuses the pattern's hit; 您 alone does not (「您到底有没有在听」
    # is as impatient as 「你到底有没有在听」).
    trace = bank.check("麻烦您听我说完", explain=True).trace
    assert any(e.rule == "impatience-hurry" and e.stage == "unless" and "麻烦" in e.reason for e in trace)
    assert rules_fired(bank, "您到底有没有在听我说呀") == ["impatience-hurry"]


def test_a_transcript_spaced_in_short_phrases_still_pauses_between_them(bank):
    """Stretches of two or three characters are phrases, not words: 「你退不退 关我啥事」 is two
    clauses, so jieba does not read the word 退关 across the pause."""
    call = "嗯 您好 这边 查了 您家 这个月的 电费 你退不退 关我啥事 您看 还有 别的问题吗"
    assert rules_fired(bank, call) == ["talk-back"]


def test_coverage_is_measured_against_the_sentence_not_the_message(bank):
    assert rules_fired(bank, "不清楚。") == ["excuse-dont-know"]
    long_message = "您好，感谢您的来电，关于您咨询的分期手续费，我们的标准是每期百分之零点六。不清楚。祝您生活愉快！"
    assert "excuse-dont-know" in rules_fired(bank, long_message)
    assert rules_fired(bank, "这个条款我也不清楚具体怎么算，我帮您问一下同事。") == []


def test_reported_speech_covers_only_the_reported_clause(bank):
    assert rules_fired(bank, "您刚才说柜员回您一句不归我管找别人去，这是我们的问题。") == []
    own_words = rules_fired(bank, "您说得对，可这事不归我管，找别人去。")
    assert "counter-not-my-job-find-others" in own_words
    # A frame's words in two sentences are no frame: 「…通知您。回单…」.
    assert "counter-find-it-yourself" in rules_fired(bank, "办好了会短信通知您。回单你自己翻吧。")


def test_word_edge_keeps_an_element_the_dictionary_extends_but_not_one_it_starts_inside(bank):
    assert "insult-person" in rules_fired(bank, "你这个白痴客户，听不懂人话吗？")
    assert rules_fired(bank, "下一个月我们会推出新的理财产品。") == []
    assert rules_fired(bank, "您焦急什么我们都理解，我马上帮您加急。") == []


def test_category_families_catch_new_wording_without_flagging_polite_lines(bank):
    flagged = {
        "你是不是蠢猪啊，按钮那么大都看不见": "insult-person",
        "再在群里造谣，我们就告你诽谤。": "threaten-customer",
        "就您这点积分，还想换冰箱？": "mock-customer",
        "还不是你自己把快递单号填错了。": "blame-customer",
        "电池鼓包去找厂商，别找我们。": "deflect-go-elsewhere",
        "我都说了三遍了，你到底听没听懂？": "impatience-hurry",
        "不补，没得商量。": "refuse-flatly",
        "你别瞎说，我们从来没收过这笔钱。": "argue-with-customer",
    }
    for text, rule in flagged.items():
        assert rule in rules_fired(bank, text), text
    for text in [
        "不好意思让您久等了，我再给您讲一遍流程。",
        "这款冰箱积分不够兑换，我帮您看看有没有其他合适的礼品。",
        "这不怪您，快递单号系统里确实录错了。",
        "电池鼓包属于质量问题，我帮您联系厂商售后，请您稍等。",
    ]:
        assert rules_fired(bank, text) == [], text


PACK_WITH_CLASS = """
pack: mini
title: t
version: '1'
classes:
  fruit: [苹果, 香蕉]
rules:
  - id: no-fruit-talk
    category: 测试
    severity: error
    scenario: 测试
    patterns: ["[卖|买] {fruit}"]
    why: 测试。
    suggest: ["请您稍候"]
    source: {seed: "000", line: "1"}
    examples: {flag: [我们卖苹果], clean: [我们卖梨]}
"""


def test_one_class_edit_widens_every_rule_that_uses_it(write_pack):
    path = write_pack(PACK_WITH_CLASS)
    checker = Checker.load(str(path), verify_examples=False)
    assert rules_fired(checker, "这里买香蕉") == ["no-fruit-talk"]
    assert rules_fired(checker, "这里买芒果") == []
    wider = write_pack(PACK_WITH_CLASS.replace("[苹果, 香蕉]", "[苹果, 香蕉, 芒果]"))
    assert rules_fired(Checker.load(str(wider), verify_examples=False), "这里买芒果") == ["no-fruit-talk"]


def test_an_unknown_class_names_the_file_rule_and_field(write_pack):
    path = write_pack(PACK_WITH_CLASS.replace("{fruit}", "{fruits}"))
    with pytest.raises(LexiconError) as error:
        Checker.load(str(path), verify_examples=False)
    message = str(error.value)
    assert "mini.yaml" in message and "no-fruit-talk" in message and "patterns" in message and "{fruits}" in message


def test_explain_names_the_guard_that_dropped_each_candidate(bank):
    result = bank.check("您好，请您在这里签名。", explain=True)
    assert result.decision == "pass"
    dropped = [e for e in result.trace if e.rule == "counter-sign-here"]
    assert dropped and all(not e.kept for e in dropped)
    assert any(e.stage == "unless" and "请" in e.reason for e in dropped)
    flagged = bank.check("下一个！", explain=True)
    assert any(e.kept and e.rule == "counter-next-one" for e in flagged.trace)
    assert "explain" not in bank.check("下一个！").to_dict()  # only when asked for


def test_explain_on_the_command_line_and_in_json():
    runner = CliRunner(env={"COLUMNS": "240"})
    shown = runner.invoke(app, ["check", "--pack", "bank-counter", "--explain", "您刚才说不归我管找别人去，是吗？"])
    assert shown.exit_code == 0
    assert "dropped: frame" in shown.output and "counter-not-my-job-find-others" in shown.output
    as_json = runner.invoke(app, ["check", "--pack", "bank-counter", "--explain", "--json", "下一个！"])
    data = json.loads(as_json.output)
    assert any(entry["kept"] and entry["stage"] == "kept" for entry in data["explain"])


def test_role_words_are_understood_by_the_python_api(bank):
    assert not bank.check("你办啥", role="客户").scored
    assert bank.check("你办啥", role="坐席").decision == "block"
    results = list(bank.check_many([{"id": "7", "role": "客户", "text": "你办啥"}, {"role": "1", "text": "你办啥"}]))
    assert [r.role for r in results] == ["customer", "agent"]
    with pytest.raises(PhrasecheckError, match="unknown role 'boss'"):
        bank.check("你好", role="boss")


def test_a_lone_surrogate_is_replaced_so_the_result_can_be_written_as_utf8(bank):
    result = bank.check("不归我管，找别人去\ud800")
    json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")  # no UnicodeEncodeError
    assert result.decision == "block" and result.violations[0].start == 0


def test_in_a_long_unpunctuated_call_only_nearby_clauses_excuse_a_hit(bank):
    """A call transcribed without stops is one "sentence": the 帮您 that opens it must not excuse a
    deflection a minute later, while an offer of help said right after the refusal still does."""
    opening = "喂 您好 这里是燃气公司客服 请问有什么可以帮您 嗯 您是说 家里的燃气表 不走字了 是吧 嗯 好的 我先记一下您的户号 嗯 那个 "
    deflection = "您问的那个阶梯价格 这个我不清楚 你找别人问去吧"
    assert rules_fired(bank, opening + deflection) == ["counter-dont-know-ask-others"]
    assert rules_fired(bank, opening + deflection + " 我帮您转到价格部门") == []
    # A written sentence keeps its whole length: the offer three clauses on still counts.
    assert rules_fired(bank, "这个我不清楚，你找别人问去吧，价格的事情比较复杂，我帮您转到价格部门。") == []


def test_in_a_call_spaced_character_by_character_a_clause_guard_looks_near_the_hit(bank):
    """Spaced out character by character, a call shows no pause: its one "clause" is the whole
    call, so a 您 said long after the deflection no longer excuses it; one said right after still does."""
    before = "嗯 楼 上 漏 水 的 事 我 们 上 午 去 看 过 了 "
    deflection = "那 是 你 们 两 家 之 间 的 事 我 们 不 管"
    after = " 嗯 那 个 上 次 说 的 停 车 位 合 同 呢 已 经 续 签 好 了 嗯 那 个 合 同 您 要 是 还 有 疑 问 可 以 到 物 业 前 台 来 看 一 下"
    assert rules_fired(bank, before + deflection + after) == ["disown-problem"]
    assert rules_fired(bank, before + deflection + " 您 别 担 心 我 们 可 以 帮 您 协 调" + after) == []


def test_a_word_that_holds_a_hit_excuses_it_but_not_across_a_comma(bank):
    """「特别问了」 holds no 别问了 (the word 特别 touches the hit), while in 「不知道，别问了」 the
    道 and 别 of two clauses make no 道别: folded text drops the comma, the guard must not."""
    assert rules_fired(bank, "我特别问了一下柜台主管，您这笔可以今天到账。") == []
    assert rules_fired(bank, "货什么时候到我也不知道，别问了。") == ["impatience-hurry"]


def test_a_greeting_or_thanks_around_a_curt_line_does_not_excuse_it(bank):
    """The 您 of 您好 and 谢谢您 greets and thanks; only a courtesy word of the request itself
    (「您自己去看一下」) makes it the polite form (`judge.not_excusing`)."""
    assert rules_fired(bank, "您好，开户要带的材料门口都贴着，你自己去看，谢谢您。") == ["counter-go-look-yourself"]
    assert rules_fired(bank, "开户要带的材料门口都贴着，您自己去看一下。") == []
    trace = bank.check("您好，开户要带的材料门口都贴着，你自己去看，谢谢您。", explain=True).trace
    assert not any(e.stage == "unless" for e in trace)


def test_a_call_with_no_visible_pause_limits_a_sentence_guard_to_the_reach(bank):
    """Spaced character by character, the call has one clause: a sentence-wide guard may not widen
    to that clause's edges, which are the whole call."""
    call = " ".join("喂您好这里是燃气公司客服请问有什么可以帮您您是说家里的燃气表不走字了是吧好的我先记一下您的户号"
                    "您问的阶梯价格这个我不清楚你找别人问去吧")
    assert rules_fired(bank, call) == ["counter-dont-know-ask-others"]
    assert rules_fired(bank, call + " " + " ".join("我帮您转到价格部门")) == []


def test_ascii_single_quotes_quote_but_an_apostrophe_or_a_stray_mark_does_not(bank):
    """'…' as typed on a Latin keyboard is a quotation; the ' of it's, or one left unclosed, is not."""
    assert rules_fired(bank, "记住，'不归我管，找别人去'这句千万别说。") == []
    assert rules_fired(bank, "OK, it's done. 不归我管，找别人去") == ["counter-not-my-job-find-others"]
    assert rules_fired(bank, "收到了' 不归我管，找别人去") == ["counter-not-my-job-find-others"]


def test_a_message_about_service_language_mentions_its_banned_lines(bank):
    """`judge.mentions`: an exam item or a training note names 禁语 without saying them to anyone."""
    assert rules_fired(bank, "培训考题：下面哪句是服务禁语？甲、请您稍等 乙、你办啥") == []
    assert rules_fired(bank, "乙、你办啥") == ["counter-what-do-you-want"]
    trace = bank.check("培训考题：下面哪句是服务禁语？甲、请您稍等 乙、你办啥", explain=True).trace
    assert any(e.stage == "quotation" and "禁语" in e.reason for e in trace)


def test_a_closing_formula_excuses_nothing_while_a_request_or_remedy_does(bank):
    """请您谅解 closes a shirking line without changing it; 请您到… or 您可以… is the remedy itself."""
    shirk = "这个我们网点做不了，换家网点吧"
    assert rules_fired(bank, shirk + "，请您谅解。") == ["counter-cannot-do-go-elsewhere"]
    assert rules_fired(bank, "这个我们网点做不了，请您到东门支行办理，谢谢。") == []
    # the bare pronoun is no remedy either: 「您自己去看吧」 still sends the customer off
    assert rules_fired(bank, "价目表在门口，您自己去看吧。") == ["counter-go-look-yourself"]
    assert rules_fired(bank, "价目表在门口，您可以自己看一下。") == []


def test_a_referral_excuses_a_remit_stated_but_not_a_problem_disowned(bank):
    """「不归我们管，是X负责的，电话是…」 refers the customer on; 「跟我们没关系」 pushes the problem back
    whatever number follows it."""
    remit = "嗯 路灯不亮 这个不归我们供电所管 是市政负责的 嗯 他们的电话是幺二三幺九 您记一下"
    assert rules_fired(bank, remit) == []
    disowned = "嗯 屏幕是厂家的问题 坏了跟我们没关系 嗯 他们的电话是幺二三幺九 您记一下"
    assert rules_fired(bank, disowned) == ["disown-problem"]
    # …unless the agent takes the problem on after all
    assert rules_fired(bank, "包裹丢失跟我们驿站没关系，但我已经帮您联系了快递公司，今天给您答复。") == []


def test_in_a_call_spaced_word_by_word_a_hesitation_is_a_pause(bank):
    """Spaces part words there, so no space is a pause, but a 嗯 standing alone is: the customer's
    words a frame reports end at it, and what the agent says after is the agent's own."""
    assert rules_fired(bank, "您 说 快递 坏 了 嗯 那 跟 我们 没 关系") == ["disown-problem"]
    assert rules_fired(bank, "您 说 快递 坏 了 那 跟 我们 没 关系") == []  # one clause: all of it reported
    assert rules_fired(bank, "您 说 快递 坏 了 嗯 我们 马上 给 您 补发") == []


def test_in_a_call_spaced_word_by_word_a_frame_reports_a_few_words_not_the_clause_to_its_end(bank):
    """No pause shows where the customer's words end; an agent sums them up in a few, so a retort
    more than SPACED_REPORT_REACH characters after the frame is the agent's own.  Unspaced, the same
    words stay one reported clause."""
    assert rules_fired(bank, "嗯 您说 这个 月 的 账单 太 贵 了 嫌 贵 就 别 用 嗯 还有 别的 吗") == ["talk-back"]
    assert rules_fired(bank, "您说这个月的账单太贵了嫌贵就别用") == []


def test_you_greeted_or_owning_is_no_speaker_of_reported_words(bank):
    """A frame's subject inside 您好 or 您的 reports nobody; a colleague named after 您的 still does."""
    assert rules_fired(bank, "感谢您的耐心跟您解释三遍了这智商真没法解释") == ["disparage-customer"]
    assert rules_fired(bank, "嗯 您好 跟您 解释 三遍 了 这 智商 真 没法 解释") == ["disparage-customer"]
    assert rules_fired(bank, "您的同事说不归他管，让您找别人去") == []


def test_sending_the_customer_to_ask_elsewhere_reports_no_question(bank):
    """「您问…去吧」 sends the customer off: the agent's own words, not a question it reports."""
    assert rules_fired(bank, "停水的事我也说不准，您问抢修队去吧") != []
    assert rules_fired(bank, "您问我去哪里办？在二楼三号窗口。") == []


def test_telling_the_customer_what_to_say_or_denying_a_saying_reports_nobody(bank):
    """「您就说…」 tells the customer what to say, 「…不会这么说的」 denies anyone said it and 「您说啥都
    没用」 says nothing will help: none reports someone's words, so the agent's own line is judged; a
    colleague's words still are reported."""
    assert rules_fired(bank, "您就说是您本人，他们一般不查。") != []
    assert rules_fired(bank, "王经理不会这么说的，您是不是记错了，您再想想。") != []
    assert rules_fired(bank, "押金条没了就只能按规定扣，您说啥都没用，别在这儿磨了。") != []
    assert rules_fired(bank, "您的同事说不归他管，让您找别人去") == []


def test_the_condition_inside_zhuyaoshi_excuses_no_blame(bank):
    """「要是您…」 sets a condition that excuses a blame; the 要是您 inside 主要是您 sets none."""
    assert rules_fired(bank, "手机进水主要是您使用习惯太差，这个不在保修里。") == ["blame-customer"]
    assert rules_fired(bank, "主要是您操作太不小心了，这卡才被吞的。") == ["blame-customer"]
    assert rules_fired(bank, "要是您自己摔的，保修确实不管，我帮您报个维修价。") == []


def test_a_word_in_scare_quotes_is_the_agents_own_irony_not_a_quotation(bank):
    """The model cannot tell whose words a quotation holds, so a sentence that quotes is not scored;
    a word or two in quotes with no speech verb before it is irony, and the sentence still is."""
    for veiled in ("你这种“聪明人”还用问我？", "像你这种刁钻的客户，我们以后会好好“招待”你。"):
        assert rules_fired(bank, veiled) != [], veiled
        assert rules_fired(bank, veiled.replace("“", "").replace("”", "")) != []
    trace = bank.check("您反映柜员回了句“找别人”，我们已经批评教育了。", explain=True).trace
    assert not any(e.kept for e in trace)


def test_a_frame_whose_clause_ends_in_a_particle_reports_the_next_clause(bank):
    """「同事跟您说的 …」: what was said stands after the pause, and is not the agent's own line."""
    call = "您说的那个事 上周营业厅同事跟您说的 这个不归我们管 让您找别人 这个说法不对 我来给您办"
    assert rules_fired(bank, call) == []
    assert rules_fired(bank, "嗯 这个不归我们管 您找别人吧") != []


def test_a_sentence_that_quotes_is_scored_on_its_own_words(bank):
    """The quoted words are the customer's; what the agent says around them is still the agent's."""
    assert rules_fired(bank, "你能不能别一直问“到了没有”，到了自然会通知你。") == ["impatience-hurry"]
    assert rules_fired(bank, "您反映同事说“您爱办不办”，这句话确实不对，我们向您道歉。") == []


def test_in_a_call_a_refusal_followed_by_an_alternative_a_few_clauses_on_is_the_standard_line(bank):
    """Refuse, give the reason, offer another way (000:409): in a call the offer may come several
    pauses after the refusal, beyond the reach a sentence context has in a long sentence."""
    refusal = "您好 这里是银行客服 嗯 您要用您女儿的身份证开户 那个 这个不行 不能办 就是 开户必须本人到场 然后 呃"
    assert rules_fired(bank, refusal + " 嗯 好") == ["refuse-flatly"]
    assert rules_fired(bank, refusal + " 您方便的时候可以预约我们上门 嗯 好") == []
    shown = CliRunner().invoke(app, ["lexicon", "show", "refuse-flatly"]).stdout
    assert "60 characters of the hit in a long call" in shown


def test_a_hit_that_ends_in_a_quotation_quotes_the_banned_words(bank):
    """「营业厅柜员对您说“这事别问我…”」: the pattern starts at 投诉 outside the quote, but the words
    it bans are the colleague's, inside it."""
    quoted = "您投诉的昨天营业厅柜员对您说“这事别问我，爱找谁找谁”，我们已经严肃处理。"
    assert rules_fired(bank, quoted) == []
    assert rules_fired(bank, "这事别问我，爱找谁找谁。") != []


def test_hurrying_for_the_customers_own_sake_is_advice(bank):
    assert rules_fired(bank, "您最好快点下来拿一下，冷冻的会化。") == []
    assert rules_fired(bank, "闻到煤气味先别开灯，快点带老人出门，再去把燃气总阀关了。") == []
    assert rules_fired(bank, "您快点下来拿，我还有别的件要送。") == ["impatience-hurry"]


def test_a_reach_outside_a_sentence_scope_is_refused_by_name(write_pack):
    """`reach` widens a sentence context in a long call; on any other scope it would do nothing,
    so the pack is refused with the rule and the field named rather than silently ignored."""
    path = write_pack("""
        pack: badreach
        title: t
        version: "1"
        rules:
          - id: reach-on-a-clause
            category: 测试
            severity: error
            scenario: 测试
            phrases: [测试禁语]
            unless:
              - pattern: "[请]"
                scope: clause
                reach: 40
            why: 测试用规则。
            suggest: ["您好"]
            source: {seed: "000", line: "1"}
            examples: {flag: [测试禁语], clean: [您好]}
    """)
    result = CliRunner().invoke(app, ["lexicon", "validate", str(path)])
    assert result.exit_code == 2
    assert "reach-on-a-clause" in result.output and "reach applies to scope: sentence only" in result.output


def test_a_word_pointing_back_at_the_report_ends_it_a_few_pauses_on(bank):
    # In a call the customer's account runs over several pauses; 这种态度 (judge.report_ends) marks
    # where it stops. Without it only the clause after the frame is reported, and 别在这儿嚷嚷 is
    # read as the agent's own order.
    reported = "嗯 您说那天柜员跟您讲 你自己不看通知怪谁 别在这儿嚷嚷 这种态度是不对的 我先替她跟您道歉"
    assert bank.check(reported).decision == "pass"
    unmarked = "嗯 您说那天柜员跟您讲 你自己不看通知怪谁 别在这儿嚷嚷 我先替她跟您道歉"
    assert [v.rule for v in bank.check(unmarked).violations] == ["impatience-hurry"]


def test_an_apology_for_a_line_is_a_mention_but_disputing_the_customers_words_is_not(bank):
    # 「那句话确实不应该说」 owns up to a colleague's line (judge.mentions); 「您这句话不对」 argues,
    # and the blame after it is still the agent's own.
    assert bank.check("昨天我跟您说了一句 这么简单的都不会 那句话确实不应该说 我向您道歉").decision == "pass"
    assert [v.rule for v in bank.check("您这句话不对，自己不看账单还怪谁？").violations] == ["blame-customer"]
    # A complaint record's label (投诉内容：…) marks the quoted record; the words in a reply do not.
    assert bank.check("投诉记录如下：\n投诉内容：\n客服说“这种小事也来找我们”\n处理期限：48小时").decision == "pass"
    assert [v.rule for v in bank.check("您的投诉内容我们收到了，自己不看账单还怪谁？").violations] == ["blame-customer"]


def test_a_word_beside_a_quotation_makes_the_quoted_words_the_topic(bank):
    # 这种话 right after the closing mark (judge.quote_talk) says the sentence talks about the quoted
    # insult. Without it the model reads the sentence minus the quotation, which it still scores as
    # a violation here, so the hit stands: the quotation alone does not make it a mention.
    assert bank.check("大家记住,“你脑子有病吧”这种话挂了电话也不能这么说。").decision == "pass"
    assert [v.rule for v in bank.check("大家记住,“你脑子有病吧”挂了电话也不能这么说。").violations] == ["insult-person"]
    # Only beside the quotation: the agent's own words after it are still the agent's.
    flagged = bank.check("你别说“我要投诉”,投诉也没用,爱找谁找谁去。")
    assert flagged.decision == "block" and [v.matched for v in flagged.violations] == ["投诉也没用", "爱找谁找谁"]


def test_a_sentence_wrapped_over_lines_is_judged_whole(bank):
    """A chat reply wrapped in mid-sentence: the rude words split over lines are still said, and a
    fragment of an explanation (不是我们⏎自己决定的) is not a sentence of its own."""
    assert rules_fired(bank, "没带齐材料的话，来了也是\n白跑，我们这儿\n不伺候。")
    assert rules_fired(bank, "您好，关于停机：\n一、停机是公安机关的通知，\n不是我们\n自己决定的；\n二、详情请联系当地派出所。") == []
    assert rules_fired(bank, "不好意思，这个我\n不知道，\n我帮您问一下同事，十分钟内回您。") == []


def test_a_guard_typed_in_pinyin_still_guards(bank):
    """请您 typed as qing nin makes the request courteous, as it does in characters; the bare
    order typed in pinyin is still curt."""
    assert rules_fired(bank, "zai zhe li qian zi") == ["counter-sign-here"]
    assert rules_fired(bank, "qing nin zai zhe li qian zi") == []
    assert rules_fired(bank, "请您在这里签字") == []


def test_an_unclosed_quotation_mark_quotes_to_the_end_of_its_sentence_only(bank):
    """A “ never closed (a typo, a pasted fragment) no longer hides every later sentence."""
    assert rules_fired(bank, "您可以进入“设置-拦截号码。好了，后头的，过来。") == ["counter-next-one"]
    assert rules_fired(bank, "投诉原文：“不归我管，找别人去") == []
