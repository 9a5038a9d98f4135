"""Engine behaviour through small one-rule packs: how text must look to match, and what stops it."""

import pytest

from phrasecheck.errors import LexiconError


def rules_fired(checker, text, role="agent"):
    return [(v.rule, v.matched, v.match_type) for v in checker.check(text, role=role).violations]


def test_exact_phrase_span_points_into_original_text(mini_checker):
    checker = mini_checker('phrases: ["找别人去"]', flag="找别人去")
    result = checker.check("这事你找*别 人去吧")
    (violation,) = result.violations
    assert result.text[violation.start : violation.end] == "找*别 人去" == violation.matched
    assert violation.match_type == "exact" and violation.confidence == 1.0


def test_traditional_and_full_width_text_matches_simplified_phrase(mini_checker):
    checker = mini_checker('phrases: ["结账了不能办"]', flag="结账了不能办")
    assert rules_fired(checker, "結賬了，不能辦！") == [("test-rule", "結賬了，不能辦", "exact")]


def test_asr_homophone_is_a_phonetic_match_with_lower_confidence(mini_checker):
    checker = mini_checker('phrases: ["不归我管找别人去"]', flag="不归我管找别人去")
    (violation,) = checker.check("这个不鬼我管找别人趣").violations
    assert violation.match_type == "phonetic" and violation.confidence < 1.0
    assert violation.matched == "不鬼我管找别人趣"


def test_short_literals_never_match_phonetically(mini_checker):
    checker = mini_checker('phrases: ["你告吧"]', flag="你告吧")
    assert rules_fired(checker, "你搞吧")  # one homophone in three characters is allowed
    checker = mini_checker('phrases: ["告吧"]', flag="告吧")
    assert not rules_fired(checker, "搞吧")  # but not in two


def test_phonetic_long_takes_homophones_only_in_words_of_three_characters_or_more(mini_checker):
    body = """
        patterns: ["[再吵|再闹] …3 [叫保安|报警]"]
        phonetic: {mode}
    """
    sure, loose, long = (mini_checker(body.format(mode=mode), flag="再吵我就叫保安") for mode in ("false", "true", "long"))
    assert not rules_fired(sure, "再吵我叫保按了") and rules_fired(long, "再吵我叫保按了")  # 按 for 安 in 叫保安
    assert rules_fired(loose, "在吵我叫保安") and not rules_fired(long, "在吵我叫保安")  # 在 for 再: a two-character word


def test_pattern_elements_must_respect_their_gap(mini_checker):
    checker = mini_checker('patterns: ["不归 …4 管 …6 [找别人|问别人]"]', flag="不归我管找别人")
    assert rules_fired(checker, "这个不归我们窗口管，你找别人")[0][2] == "pattern"
    assert not rules_fired(checker, "这个不归我们这个营业窗口管，你找别人")  # 8 characters apart


def test_clause_boundary_token(mini_checker):
    checker = mini_checker('patterns: ["下一个 $"]', flag="下一个")
    assert rules_fired(checker, "好了，下一个！")
    assert rules_fired(checker, "下一个，后面的过来")
    assert not rules_fired(checker, "下一个就是您")


def test_unless_scopes(mini_checker):
    body = """
    phrases: ["在这签个名"]
    unless:
      - pattern: "请"
        scope: sentence
    """
    checker = mini_checker(body, flag="在这签个名")
    assert rules_fired(checker, "好了，在这签个名。")
    assert not rules_fired(checker, "请在这签个名，谢谢。")
    assert rules_fired(checker, "请稍等。在这签个名。")  # 请 is in another sentence


def test_unless_hit_scope_needs_overlap(mini_checker):
    body = """
    patterns: ["下一个"]
    boundary: none
    unless: ["下一个 [问题|步骤]"]
    """
    checker = mini_checker(body, flag="下一个")
    assert not rules_fired(checker, "下一个问题是账单")
    assert rules_fired(checker, "问题解决了，下一个")


def test_quoted_or_reported_banned_line_is_not_the_agents_own(mini_checker):
    extra = """
judge:
  quotes: ["“”"]
  frames: ["您 …4 说"]
  frame_reach: 8
"""
    checker = mini_checker('phrases: ["你告吧"]', flag="你告吧", extra=extra)
    assert not rules_fired(checker, "您反映的“你告吧”这句话，我们会严肃处理。")
    assert not rules_fired(checker, "您刚才说柜员讲你告吧，对吗？")
    assert rules_fired(checker, "我就这样，你告吧。")


def test_word_boundaries_stop_hits_inside_words(mini_checker):
    checker = mini_checker('phrases: ["急什么"]', flag="急什么")
    assert not rules_fired(checker, "您着急什么时候到账呢")  # 急 belongs to 着急
    assert rules_fired(checker, "急什么，排队去")
    unbounded = mini_checker('phrases: ["急什么"]\nboundary: none', flag="急什么")
    assert rules_fired(unbounded, "您着急什么时候到账呢")


def test_particles_may_follow_a_hit_inside_a_jieba_word(mini_checker, write_pack):
    extra = "judge:\n  particles: 吧"
    checker = mini_checker('phrases: ["自己去看"]', flag="自己去看", extra=extra)
    assert rules_fired(checker, "你自己去看吧")


def test_whole_utterance_rules_fire_only_on_nearly_the_whole_turn(mini_checker):
    checker = mini_checker('phrases: ["等着"]\nwhole_utterance: 0.8', flag="等着")
    assert rules_fired(checker, "等着！")
    assert not rules_fired(checker, "我们等着系统恢复后再给您办")


def test_fuzzy_alignment_catches_small_edits_in_long_phrases(mini_checker):
    body = 'phrases: ["有意见去给领导反映吧我也解决不了"]\nfuzzy: {threshold: 85}'
    checker = mini_checker(body, flag="有意见去给领导反映吧我也解决不了")
    (violation,) = checker.check("有意见就去跟领导反映吧我也解决不了").violations
    assert violation.match_type == "fuzzy" and 0.5 < violation.confidence < 1.0
    strict = mini_checker('phrases: ["有意见去给领导反映吧我也解决不了"]', flag="有意见去给领导反映吧我也解决不了")
    assert not strict.check("有意见就去跟领导反映吧我也解决不了").violations


def test_customer_turns_are_not_scored(mini_checker):
    checker = mini_checker('phrases: ["你告吧"]', flag="你告吧")
    result = checker.check("你告吧", role="customer")
    assert result.to_dict()["scored"] is False and result.violations == () and result.decision == "pass"
    assert "score" not in result.to_dict()


def test_disabled_rules_are_skipped(mini_checker):
    checker = mini_checker('phrases: ["你告吧"]', flag="你告吧")
    assert checker.check("你告吧", disabled_rules=["test-rule"]).violations == ()


def test_severity_drives_score_and_decision(mini_checker):
    warning = mini_checker('phrases: ["等着"]', flag="等着", severity="warning")
    result = warning.check("等着")
    assert (result.score, result.decision) == (99, "warn")
    critical = mini_checker('phrases: ["滚出去"]', flag="滚出去", severity="critical")
    result = critical.check("滚出去")
    assert (result.score, result.decision) == (0, "block")
    info = mini_checker('phrases: ["啥子"]', flag="啥子", severity="info")
    assert info.check("你要啥子").decision == "pass"


def test_rewrite_replaces_the_span_or_the_whole_line(mini_checker):
    checker = mini_checker('phrases: ["在这签个名"]', flag="在这签个名", suggest="请您在这里签名!")
    assert checker.check("在这签个名。").rewrite == "请您在这里签名!"
    assert checker.check("钱已经点清楚了，回执也打好了，在这签个名。").rewrite == "钱已经点清楚了，回执也打好了，请您在这里签名。"


def test_rewrite_says_a_standard_line_once_for_neighbouring_offences(mini_checker):
    checker = mini_checker('phrases: ["快点签", "别磨蹭"]', flag="快点签", suggest="请您在这里签名。")
    result = checker.check("回执打好了，快点签，别磨蹭！")
    assert len(result.violations) == 2
    assert result.rewrite == "回执打好了，请您在这里签名！"
    # words of its own between them: each offence keeps its line
    assert checker.check("快点签，钱我已经点好了，别磨蹭").rewrite == "请您在这里签名，钱我已经点好了，请您在这里签名。"


def test_a_rewrite_does_not_ask_what_the_standard_line_states(mini_checker):
    """A rude question replaced by a statement ends with the statement's own stop, not the ？."""
    checker = mini_checker('phrases: ["催什么催"]', flag="催什么催", suggest="请您稍候，我马上为您办理。")
    assert checker.check("回执打好了，催什么催？？").rewrite == "回执打好了，请您稍候，我马上为您办理。"
    assert checker.check("回执打好了，催什么催？！").rewrite == "回执打好了，请您稍候，我马上为您办理。"
    assert checker.check("回执打好了，催什么催？后面的先等等").rewrite == "回执打好了，请您稍候，我马上为您办理。后面的先等等"
    asking = mini_checker('phrases: ["问啥问"]', flag="问啥问", suggest="请问您办理什么业务?")
    assert asking.check("号叫过了，问啥问？").rewrite == "号叫过了，请问您办理什么业务？"  # a question stays one


def test_rewrite_replaces_the_clause_so_no_fragment_dangles(bank):
    result = bank.check("您好，感谢您耐心等待。这个呀不归我管，找别人去。祝您生活愉快！")
    assert result.rewrite == "您好，感谢您耐心等待。请您到××柜台(部门)办理。祝您生活愉快！"
    assert bank.check("好的 在这签个名").rewrite == "好的 请您在这里签名!"  # a space separates like a comma
    assert bank.check("您说得对，可这事不归我管，找别人去").rewrite == "您说得对，请您到××柜台(部门)办理"


def test_boundary_marks_hold_when_their_optional_element_is_absent(mini_checker):
    checker = mini_checker('patterns: ["^ [我]? 撤了 $"]', flag="撤了")
    assert rules_fired(checker, "撤了。")
    assert rules_fired(checker, "我撤了")
    assert not rules_fired(checker, "订单撤了")
    trailing = mini_checker('patterns: ["收走 [了]? $"]', flag="收走")
    assert rules_fired(trailing, "盘子收走了")
    assert not rules_fired(trailing, "盘子收走好了")


def test_regional_words_declared_in_the_pack_match_every_rule_literal(mini_checker):
    checker = mini_checker('phrases: ["你找别人去"]', flag="你找别人去", clean="侬好",
                           extra="normalize:\n  dialect: {你: [侬], 找: [揾], 别人: [第个]}")
    for text in ("侬揾第个去", "你揾别人去", "侬找第个去"):
        violation = checker.check(text).violations[0]
        assert (violation.matched, violation.match_type) == (text, "exact")


def test_regional_forms_are_spelled_exactly_not_by_sound(mini_checker):
    checker = mini_checker('phrases: ["你找别人去"]', flag="你找别人去",
                           extra="normalize:\n  dialect: {找: [揾]}")
    assert checker.check("你揾别人去").violations
    assert not checker.check("你温别人去").violations  # sounds like 揾, but is not the word


def test_circled_letters_spell_a_banned_word(mini_checker):
    checker = mini_checker('phrases: ["傻b"]', flag="傻b")
    assert rules_fired(checker, "你个傻Ⓑ") == [("test-rule", "傻Ⓑ", "exact")]


def test_pinyin_typed_for_a_character_is_a_phonetic_match_spanning_the_letters(mini_checker):
    checker = mini_checker('phrases: ["不归我管找别人去"]', flag="不归我管找别人去")
    result = checker.check("这个不gui我管，找别人去")
    (violation,) = result.violations
    assert violation.matched == "不gui我管，找别人去" == result.text[violation.start : violation.end]
    assert violation.match_type == "phonetic" and violation.confidence < 1.0
    checker = mini_checker('phrases: ["急什么"]', flag="急什么")
    assert rules_fired(checker, "急shen么，没看见我正忙") == [("test-rule", "急shen么", "phonetic")]
    checker = mini_checker('phrases: ["找别人去"]', flag="找别人去")
    assert rules_fired(checker, "你找bie人去吧") == [("test-rule", "找bie人去", "phonetic")]


def test_short_pinyin_alone_never_makes_a_hit_but_a_whole_typed_phrase_does(mini_checker):
    checker = mini_checker('phrases: ["给我滚"]', flag="给我滚")
    assert rules_fired(checker, "给我gun")  # two characters as spelled, one syllable
    assert not rules_fired(checker, "给wo gun")  # one character as spelled, two syllables
    assert not rules_fired(checker, "wo gun")  # two syllables alone are too common to be the phrase
    assert rules_fired(checker, "gei wo gun")  # three syllables typed for the whole phrase
    assert rules_fired(checker, "gěi wǒ gǔn")  # with its tone marks
    checker = mini_checker('phrases: ["不归我管"]', flag="不归我管")
    assert rules_fired(checker, "不归wo guan")
    assert rules_fired(checker, "bu gui wo guan")  # four syllables typed for the whole phrase
    assert rules_fired(checker, "不gui wo guan")  # four characters: one as spelled is enough


INITIALS = "normalize:\n  initials: {sb: 傻逼, tmd: 他妈的}"


def test_chat_initials_match_their_words_and_point_at_the_letters(mini_checker):
    checker = mini_checker('phrases: ["傻逼"]', flag="傻逼", extra=INITIALS)
    result = checker.check("你就是个SBBBB！")
    (violation,) = result.violations
    assert (violation.matched, violation.match_type) == ("SBBBB", "exact")
    assert result.text[violation.start : violation.end] == "SBBBB"
    assert not rules_fired(checker, "订单号SB2024，请查收")  # part of a code
    checker = mini_checker('phrases: ["他妈的"]', flag="他妈的", extra=INITIALS)
    assert rules_fired(checker, "你tmd找别人去") == [("test-rule", "tmd", "exact")]


def test_initials_in_a_pack_must_be_letters(mini_checker):
    with pytest.raises(LexiconError, match="initials 's1'"):
        mini_checker('phrases: ["傻逼"]', flag="傻逼", extra="normalize:\n  initials: {s1: 傻逼}")


def test_a_repeated_latin_letter_does_not_hide_a_hit_inside_a_word(mini_checker):
    checker = mini_checker('phrases: ["傻b"]', flag="傻b")
    assert rules_fired(checker, "你个傻bbbb") == [("test-rule", "傻b", "exact")]


def test_traditional_words_the_character_table_misses_still_match(mini_checker):
    checker = mini_checker('phrases: ["找借口"]', flag="找借口")
    assert rules_fired(checker, "別找藉口了") == [("test-rule", "找藉口", "exact")]


def test_compatibility_ideographs_of_traditional_characters_match_as_written_simplified(mini_checker):
    # U+F91B and U+F92D are compatibility forms of 亂 and 來: NFKC alone leaves them traditional,
    # where the same characters typed as 亂 and 來 fold to 乱 and 来
    checker = mini_checker('phrases: ["乱七八糟的别来问"]', flag="乱七八糟的别来问")
    assert rules_fired(checker, "\uf91b七八糟的别\uf92d问我") == [("test-rule", "\uf91b七八糟的别\uf92d问", "exact")]
    assert rules_fired(checker, "亂七八糟的别來问我") == [("test-rule", "亂七八糟的别來问", "exact")]


def test_core_pack_initials_flag_abuse(bank):
    (violation,) = bank.check("我看你是sb吧").violations
    assert violation.severity == "critical" and "sb" in violation.matched  # 你是sb吧: insult-person
    assert not bank.check("您的订单号是SB20240512，请查收").violations
