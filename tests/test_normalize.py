from phrasecheck.normalize import CLAUSE_BREAK, NO_BREAK, SENTENCE_BREAK, Normalizer

N = Normalizer(fillers="嗯")


def spans(text):
    folded = N.full(text)
    return folded.norm, [text[s:e] for s, e in zip(folded.starts, folded.ends)]


def test_skip_characters_are_dropped_and_offsets_point_into_the_original():
    norm, pieces = spans("找*别 人\u200b去😀")
    assert norm == "找别人去"
    assert pieces == ["找", "别", "人", "去"]


def test_width_case_and_traditional_fold_one_to_one():
    norm, pieces = spans("ＡＢ１你辦啥，後面")
    assert norm == "ab1你办啥后面"
    assert pieces == ["Ａ", "Ｂ", "１", "你", "辦", "啥", "後", "面"]


def test_runs_of_three_shorten_to_two_but_pairs_stay():
    assert N.fold("也不看看看时间") == "也不看看时间"
    assert N.fold("妈妈的") == "妈妈的"
    norm, pieces = spans("看看看")
    assert pieces == ["看", "看看"]


def test_repeats_do_not_collapse_across_punctuation():
    assert N.fold("看，看看，看完") == "看看看看完"  # 3+ runs across clauses are not shortened


def test_fillers_are_skipped():
    assert N.fold("嗯你办啥") == "你办啥"


def test_fast_fold_equals_full_fold():
    for text in ["下一個！後面的呢？", "急~什~么，没看见我正忙吗", "自己找  我也找不到", "ｈｅｌｌｏ，世界。。。"]:
        assert N.full(text).norm == N.fold(text)


def test_clause_and_sentence_breaks_are_recorded():
    folded = N.full("好了，下一个。后面")
    assert folded.norm == "好了下一个后面"
    assert folded.breaks[0] == SENTENCE_BREAK
    assert folded.breaks[2] == CLAUSE_BREAK  # before 下
    assert folded.breaks[5] == SENTENCE_BREAK  # before 后
    assert folded.breaks[3] == NO_BREAK
    assert folded.breaks[len(folded.norm)] == SENTENCE_BREAK


def test_homophones_share_a_phonetic_key_and_common_confusions_merge():
    assert N.phonetic("不归我管找别人去") == N.phonetic("不鬼我管找别人趣")
    assert N.phonetic("是") == N.phonetic("四")  # s/sh
    assert N.phonetic("南") == N.phonetic("蓝")  # n/l
    assert N.phonetic("忙") == N.phonetic("盲")
    assert N.phonetic("您") != N.phonetic("你")


def test_heteronyms_give_alternative_keys():
    keys = N.phonetic_variants("会计")
    assert N.phonetic("会记") in keys


def test_draft_and_full_agree_on_text_and_boundaries():
    for text in ["好了，下一个。后面", "看，看看看，看完！", "急~什~么，，没看见我正忙吗？？", "。开头和结尾。", "没有标点"]:
        draft, full = N.draft(text), N.full(text)
        assert (draft.norm, draft.phon, draft.breaks) == (full.norm, full.phon, full.breaks), text


def test_enclosed_and_circled_letters_fold_to_plain_letters():
    norm, pieces = spans("Ⓐⓑ⒞ Ｄ")
    assert norm == "abcd"
    assert pieces == ["Ⓐ", "ⓑ", "⒞", "Ｄ"]
    assert N.fold("①号窗口") == "1号窗口"
    assert N.fold("请稍等★☆→") == "请稍等"  # symbols that are nothing but symbols still go
