"""The bank-counter pack against the seed standard (000:388-423), checked by hand line by line."""

import pytest

from phrasecheck import Checker
from phrasecheck.lexicon import ScoringConfig

# Each banned line exactly as seed 000 writes it, with the line the standard says to use instead.
SEED_PAIRS = [
    ("B01", "你办啥", "您好,请问您办理什么业务?"),
    ("B02", "下一个", "您好,请问您办理什么业务?"),
    ("B03", "你不能查,让你们会计来查。", "对不起,按规定我不能为您查询,这是为了保护象您一样的所有客户的利益,请您谅解。"),
    ("B04", "外面有,你自己去看", "您想了解什么?我们随时为您解答。"),
    ("B05", "我不知道,找别人去。", "对不起,请稍候,待我请示一下负责人。"),
    ("B06", "不归我管,找别人去", "请您到××柜台(部门)办理"),
    ("B07", "填错了,重填。", "对不起,您的××有误,请您重新办理一下。"),
    ("B08", "款不对,不能办", "您的款项有误,请您重新清点一下。"),
    ("B09", "自己找,我也找不到。", "请稍等,我帮您找。"),
    ("B10", "我们这里办不成,你到别处去办。", "对不起,因为××原因,我们这能满足您的要求,请您到××试一下,好吗?"),
    ("B11", "也不看看时间,现在不办业务。", "对不起,我们已暂停业务交易了,请您改天来办。"),
    ("B12", "结账了,不能办", "对不起,我们已暂停业务交易了,请您改天来办。"),
    ("B13", "我有什么办法,又不是我让它坏的。", "请原谅,计算机线路暂出现故障,我们尽快排除,请稍候。"),
    ("B14", "在这签个名。", "请您在这里签名!"),
    ("B15", "有意见去给领导反映吧,我也解决不了!", "非常感谢您对我们的工作提出宝贵意见,请您留下姓名和电话号码,我们研究(处理)后尽快与您联系。"),
    ("B16", "我就这样,你告吧", "非常感谢您对我们的工作提出宝贵意见,请您留下姓名和电话号码,我们研究(处理)后尽快与您联系。"),
    ("B17", "这是电脑打出来,怎么会错?", "您有什么疑问,我来为您解释。"),
    ("B18", "急什么,没看见我正忙吗?", "请您稍候,我马上为您办理。"),
]


def test_every_seed_pair_has_exactly_one_rule(bank):
    pairs = sorted(c.rule.pair for c in bank.rules if c.rule.pair)
    assert pairs == [pair for pair, _, _ in SEED_PAIRS]
    for compiled in bank.rules:
        if compiled.rule.pair:
            assert compiled.rule.source.seed == "000"
            assert 388 <= int(compiled.rule.source.line.split("-")[0]) <= 423


@pytest.mark.parametrize("pair, banned, standard", SEED_PAIRS)
def test_seed_banned_line_blocks_and_suggests_the_standard_line(bank, pair, banned, standard):
    result = bank.check(banned)
    assert result.decision == "block", banned
    (violation,) = result.violations
    assert bank.rule(violation.rule).rule.pair == pair
    assert standard in violation.suggestions
    assert result.rewrite == violation.suggestions[0]  # the banned line is the whole turn


@pytest.mark.parametrize("pair, banned, standard", SEED_PAIRS)
def test_seed_standard_line_passes(bank, pair, banned, standard):
    assert bank.check(standard).decision == "pass", standard


@pytest.mark.parametrize(
    "text",
    ["下一个问题", "下一个新订单", "合约期内是不能办理销户的", "您的发票抬头填错了", "我不知道您是否方便",
     "请下一位客户到五号窗口", "我理解您很着急，马上为您处理", "处理结果会短信告知您", "您需要结账的话请到前台"],
)
def test_false_positive_traps_from_the_seed_notes_pass(bank, text):
    assert bank.check(text).decision == "pass"


def test_curt_next_at_the_counter_is_flagged(bank):
    result = bank.check("下一个！")
    assert result.decision == "block" and result.violations[0].rule == "counter-next-one"


def test_customer_saying_banned_words_is_not_scored(bank):
    result = bank.check("你们员工跟我说你告吧，这是什么态度", role="customer")
    assert result.to_dict()["scored"] is False and not result.violations


def test_obfuscated_asr_and_traditional_variants_map_back_to_the_original(bank):
    cases = {
        "找*别*人去，不归我管": None,
        "这个不鬼我管你找别人趣": "phonetic",
        "急什麼，沒看見我正忙嗎？": "exact",
        "在 这 签 个 名": "exact",
    }
    for text, match_type in cases.items():
        result = bank.check(text)
        assert result.decision == "block", text
        violation = result.violations[0]
        assert text[violation.start : violation.end] == violation.matched
        if match_type:
            assert violation.match_type == match_type, text


def test_embedded_offence_is_replaced_in_place(bank):
    result = bank.check("钱我点过两遍了，款不对，不能办，你再数数。")
    assert result.rewrite == "钱我点过两遍了，您的款项有误,请您重新清点一下，你再数数。"


def test_a_scoring_config_set_on_a_checker_decides_its_next_checks():
    """Scores are remembered by severities, but only under the config that gave them."""
    checker = Checker.load("bank-counter")  # its own: the shared fixture's config stays as it is
    first = checker.check("急什么,没看见我正忙吗?")
    assert (first.decision, first.score, [v.severity for v in first.violations]) == ("block", 98, ["error"])
    checker.scoring = ScoringConfig(block_at="critical", warn_at="warning", deductions={"error": 10})
    again = checker.check("急什么,没看见我正忙吗?")
    assert (again.decision, again.score) == ("warn", 90)
