"""The statistical second stage: a model scores sentences, a hit becomes a candidate of its
category's family rule and meets that rule's guards; patterns keep priority; errors are one line."""

import json
import shutil

import pytest

from phrasecheck import Checker, LexiconError

MODEL = __import__("pathlib").Path(__file__).parent / "data" / "models" / "tiny.json"

PACK = """
pack: mini
title: t
version: '1'
judge: {quotes: ["“”"], frames: ["[他|她] [说|讲]"], not_reported: ["[他说得对|她说得对]"]}
classifier:
  model: tiny.json
  threshold: 0.7
  rules: {不耐烦: hurry, 讽刺: mock}
rules:
  - id: hurry
    category: 不耐烦
    severity: error
    scenario: 测试
    patterns: ["快点快点"]
    why: 不耐烦。
    suggest: ["请您稍候,我马上为您办理。"]
    source: {seed: "004", line: "371"}
    examples: {flag: [快点快点], clean: [您好]}
  - id: mock
    category: 讽刺
    severity: error
    scenario: 测试
    patterns: ["大聪明"]
    unless: [{pattern: "[不是]", scope: sentence}]
    why: 讽刺。
    suggest: ["您想了解什么?我们随时为您解答。"]
    source: {seed: "004", line: "16"}
    examples: {flag: [大聪明], clean: [您好]}
"""


@pytest.fixture
def checker(tmp_path):
    shutil.copy(MODEL, tmp_path / "tiny.json")
    (tmp_path / "mini.yaml").write_text(PACK, encoding="utf-8")
    return Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)


def test_a_sentence_the_model_scores_high_is_reported_as_its_category_rule(checker):
    # 可真 (3) + 真行 (2) − 4 = 1 → 0.73 ≥ 0.7; the category weights say 讽刺
    (violation,) = checker.check("好的。你可真行。再见").violations
    assert (violation.rule, violation.match_type, violation.matched) == ("mock", "model", "你可真行")
    assert violation.suggestions == ("您想了解什么?我们随时为您解答。",)


def test_below_the_threshold_nothing_is_flagged_and_explain_says_why(checker):
    result = checker.check("请您快点", explain=True)  # 2.5 − 4 − 4 → far below
    assert result.violations == ()
    result = checker.check("你可真", explain=True)  # 3 − 4 = −1 → 0.27: not even a near miss
    assert result.violations == () and all(e.stage != "model" for e in result.trace)
    leaning = checker.check("快点磨蹭", explain=True)  # 5.5 − 4 → 0.82 ≥ 0.7: flagged
    assert [v.rule for v in leaning.violations] == ["hurry"]
    assert any(e.kept and e.match_type == "model" for e in leaning.trace)


def test_the_family_rules_guards_apply_to_model_hits(checker):
    assert checker.check("你可真行，不是说你").violations == ()  # mock's unless 不是 in the sentence
    assert checker.check("你可真行。", role="customer").violations == ()


# A call transcribed without stops: one sentence of some 45 folded characters (over the pack's
# long_sentence of 40), parted only by pauses.
CALL = "嗯 您好 这边是营业厅 我帮您看一下账户 余额还有不少 你可真行 嗯 然后您还需要办别的吗 我们这边都可以办的"


def _windowed(tmp_path, threshold):
    shutil.copy(MODEL, tmp_path / "tiny.json")
    pack = PACK.replace("  threshold: 0.7\n", f"  threshold: 0.7\n  window_chars: 12\n  window_threshold: {threshold}\n  long_sentence: 40\n")
    (tmp_path / "mini.yaml").write_text(pack, encoding="utf-8")
    return Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)


def test_a_call_transcribed_without_stops_is_scored_in_runs_of_its_pauses(checker, tmp_path):
    assert checker.check(CALL).violations == ()  # over max_chars: the sentence is never scored whole
    (violation,) = _windowed(tmp_path, 0.72).check(CALL).violations  # 0.73 in its run of clauses
    assert (violation.rule, violation.match_type) == ("mock", "model")
    assert "你可真行" in violation.matched and "您好" not in violation.matched and len(violation.matched) <= 14


def test_a_run_of_clauses_must_reach_its_own_threshold_and_explain_shows_it(tmp_path):
    result = _windowed(tmp_path, 0.9).check(CALL, explain=True)
    assert result.violations == ()
    assert any("window of clauses 讽刺 0.73, below the threshold 0.9" in e.reason for e in result.trace)


def test_a_courtesy_guard_marked_patterns_only_excuses_pattern_hits_not_the_models(tmp_path):
    shutil.copy(MODEL, tmp_path / "tiny.json")
    guarded = PACK.replace('    patterns: ["快点快点"]\n', '    patterns: ["快点快点"]\n    unless: [{pattern: "[您]", scope: clause, patterns_only: true}]\n')
    (tmp_path / "mini.yaml").write_text(guarded, encoding="utf-8")
    checker = Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)
    assert checker.check("您快点快点").violations == ()  # the pattern's hit: excused by 您
    (violation,) = checker.check("您快点磨蹭").violations  # the model's: 您 weighs nothing in its score
    assert (violation.rule, violation.match_type) == ("hurry", "model")


def test_a_pattern_hit_keeps_priority_over_the_model_on_its_sentence(checker):
    (violation,) = checker.check("快点快点磨蹭什么").violations
    assert violation.match_type != "model" and violation.rule == "hurry"


def test_a_pattern_hit_keeps_priority_over_a_more_severe_model_hit_on_its_sentence(tmp_path):
    # the model reads 「快点快点你可真行」 as 讽刺 (可真 3 + 真行 2 + 快点 2.5 − 4 → 0.97), whose rule is
    # now critical, over the error the pattern reports: the pattern's hit still speaks for the sentence
    shutil.copy(MODEL, tmp_path / "tiny.json")
    (tmp_path / "mini.yaml").write_text(PACK.replace("    severity: error\n    scenario: 测试\n    patterns: [\"大聪明\"]",
                                                     "    severity: critical\n    scenario: 测试\n    patterns: [\"大聪明\"]"),
                                        encoding="utf-8")
    severe = Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)
    assert severe.rule("mock").rule.severity == "critical"
    (violation,) = severe.check("快点快点你可真行").violations
    assert (violation.rule, violation.matched) == ("hurry", "快点快点")
    (alone,) = severe.check("好的你可真行").violations  # with no pattern's hit, the model's stands
    assert (alone.rule, alone.match_type) == ("mock", "model")


def test_a_classifier_naming_an_unknown_rule_or_model_is_a_one_line_error(tmp_path):
    shutil.copy(MODEL, tmp_path / "tiny.json")
    (tmp_path / "mini.yaml").write_text(PACK.replace("讽刺: mock}", "讽刺: mocking}"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"mini.yaml: classifier.rules: unknown rule 'mocking'"):
        Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)
    (tmp_path / "mini.yaml").write_text(PACK.replace("tiny.json", "missing.json"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"classifier.model: cannot load 'missing.json'"):
        Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)


def test_a_sentence_typed_in_pinyin_is_scored_by_the_twin_over_sounds(tmp_path, checker):
    # The twin holds the tiny model's n-grams as the sounds of their characters (可真 → ke zhen):
    # typed as 「ni ke zhen xing」 the sentence scores as 你可真行 does (3 + 2 − 4 = 1 → 0.73).
    tiny = json.loads(MODEL.read_text(encoding="utf-8"))
    tiny["features"] = {checker.normalizer.phonetic(gram): weights for gram, weights in tiny["features"].items()}
    (tmp_path / "sounds.json").write_text(json.dumps(tiny, ensure_ascii=False), encoding="utf-8")
    pack = PACK.replace("  threshold: 0.7\n", "  threshold: 0.7\n  phonetic_model: sounds.json\n  phonetic_threshold: 0.7\n")
    (tmp_path / "mini.yaml").write_text(pack, encoding="utf-8")
    typed = Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)
    (violation,) = typed.check("hao de. ni ke zhen xing. zai jian").violations
    assert (violation.rule, violation.match_type, violation.matched) == ("mock", "model", "ni ke zhen xing")
    assert typed.check("qing nin kuai dian").violations == ()  # 2.5 − 4 − 4: far below, as 请您快点
    assert checker.check("ni ke zhen xing").violations == ()  # without the twin the model reads no pinyin
    (tmp_path / "mini.yaml").write_text(pack.replace("sounds.json", "missing.json"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"classifier.phonetic_model: cannot load 'missing.json' \(no such model"):
        Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)
    # A team's own twin that does not parse stops the pack loading, not a scan at its first pinyin line.
    (tmp_path / "broken.json").write_text('{"name": "x"', encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(pack.replace("sounds.json", "broken.json"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"classifier.phonetic_model: cannot load 'broken.json'"):
        Checker.load(str(tmp_path / "mini.yaml"), verify_examples=False)


def test_the_shipped_twin_reads_rude_and_polite_lines_typed_in_pinyin(bank):
    (violation,) = bank.check("tui kuan de shi wo guan bu liao, ni wen ping tai qu").violations  # 退款的事我管不了，你问平台去
    assert (violation.rule, violation.match_type) == ("deflect-go-elsewhere", "model")
    for polite in ("qing nin shao deng, wo ma shang bang nin cha", "gan xie nin de li jie, zhu nin sheng huo yu kuai",
                   "dui bu qi, zhe ge wo bu tai qing chu, wo bang nin wen yi xia tong shi"):
        assert bank.check(polite).decision == "pass", polite


def test_a_model_hit_on_a_sentence_that_quotes_or_reports_someone_is_dropped(checker):
    assert [v.rule for v in checker.check("你可真行。").violations] == ["mock"]
    assert checker.check("顾客说“你可真行”。").violations == ()  # a quotation
    assert checker.check("他说你可真行。").violations == ()  # reported speech


def test_what_a_sentence_says_after_the_words_it_reports_is_still_scored(checker):
    # the frame reports its own clause; the agent's answer after it scores 0.73 alone
    (violation,) = checker.check("他说要投诉，那你可真行呀朋友。").violations
    assert (violation.rule, violation.match_type) == ("mock", "model")
    assert checker.check("他说那你可真行呀朋友。").violations == ()  # one clause: all of it reported
    assert checker.check("他说要投诉，你可真行。").violations == ()  # a rest of four characters is too short to judge


def test_agreeing_is_the_agents_own_line_not_reported_speech(checker):
    # 「他说得对」 holds the frame 他说, but it reports nothing: the sarcasm after it is the agent's
    assert [v.rule for v in checker.check("他说得对，你可真行。").violations] == ["mock"]
    assert checker.check("他说得你可真行。").violations == ()  # no agreement: still a frame


# Lines written for this test, in none of training/categories: the shipped model once weighed the
# pair 你这 at 4.6 on its own, so plain service lines opening with it read as threats (critical).
NEUTRAL_OPENING_WITH_NI_ZHE = [
    "你这张电费单上的金额已经包含了上个月的滞纳金。",
    "你这个包裹明天中午以前就能到。",
    "你这边的宽带账号是身份证号的后八位。",
    "你这份病历我已经复印好了，原件还给你。",
    "你这个月的流量还剩十二G。",
    "你这笔分期一共十二期，每期三百元。",
    "你这个号码下午两点前就能恢复通话。",
]
RUDE_OPENING_WITH_NI_ZHE = [
    "你这种人也配来投诉？",
    "你这个人怎么听不懂话，我都说了三遍了",
    "你这个号再来闹，以后就别想在我们这办业务",
    "你这脑子是不是进水了",
]


def test_the_model_weighs_each_pair_once_a_sentence_as_it_was_trained(bank):
    """The model learnt from which character pairs a sentence holds, not how often: a question that
    says 不能 three times is not three times as curt."""
    assert bank.check("不能退款的情况下也不能换货吗？不能的话我帮您问问").decision == "pass"  # 不能 once
    assert bank.check("你自己不会看吗？自己去查，自己的事自己办！").decision != "pass"


# Lines written for this test, in none of training/categories: single common pairs (自己, 知道,
# 不能, 这么, 怎么, 不了…) once weighed enough on their own to flag consoling or explaining lines.
NEUTRAL_WITH_COMMON_PAIRS = [
    "哎呀，怎么会这样，真是辛苦您了。",
    "我知道您很忙，材料齐了我们寄到您单位。",
    "怎么这么巧呀，我们同一天生日～",
    "包裹今天送不了了，明早八点前一定送到。",
    "您别太难为自己了，密码忘了重置一下就好。",
    "请问是只有这一张卡不能取款，还是别的卡也不行？",
    "小U也不知道这个活动还有没有名额呢，帮您问问哈～",
    "说了半天您一定累了，先休息一下，我们明天再接着办。",
]
RUDE_WITH_COMMON_PAIRS = [
    "你自己不长眼睛吗，这么大的字都看不见",
    "我怎么知道，你自己去找商家问",
    "说了不能就是不能，你再问也没用",
    "不知道就闭嘴，别在这瞎嚷嚷",
]


NEUTRAL_SETS = {"ni-zhe": NEUTRAL_OPENING_WITH_NI_ZHE, "common-pairs": NEUTRAL_WITH_COMMON_PAIRS}
RUDE_SETS = {"ni-zhe": RUDE_OPENING_WITH_NI_ZHE, "common-pairs": RUDE_WITH_COMMON_PAIRS}


@pytest.mark.parametrize("lines", NEUTRAL_SETS.values(), ids=NEUTRAL_SETS.keys())
def test_the_shipped_model_passes_neutral_agent_lines(bank, lines):
    assert [text for text in lines if bank.check(text).decision != "pass"] == []


@pytest.mark.parametrize("lines", RUDE_SETS.values(), ids=RUDE_SETS.keys())
def test_rude_agent_lines_with_the_same_words_still_flag(bank, lines):
    assert [text for text in lines if bank.check(text).decision == "pass"] == []


def test_every_pause_starts_a_run_so_a_courteous_clause_before_a_rude_one_does_not_drown_it(tmp_path):
    # Runs packed one after another would put 麻烦请您 (−4) and 你可真行 (3 + 2) in one run: −3 → 0.05.
    call = "嗯 您好这边是营业厅呢 麻烦请您 你可真行 然后您还需要办别的吗 我们这边都可以办的 祝您生活愉快再见"
    (violation,) = _windowed(tmp_path, 0.72).check(call).violations
    assert (violation.rule, violation.matched) == ("mock", "你可真行")
