import subprocess
from pathlib import Path

import opencc

from phrasecheck.engine.breaks import CLAUSE_BREAK, NO_BREAK, SENTENCE_BREAK
from phrasecheck.engine import hant
from phrasecheck.engine.normalize import Normalizer

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


def test_words_the_per_character_table_gets_wrong_convert_as_words():
    assert N.fold("反覆確認") == "反复确认"
    assert N.fold("別找藉口，一目瞭然") == "别找借口一目了然"
    assert N.fold("杯盘狼藉") == "杯盘狼藉"  # 藉 stays where the word keeps it
    norm, pieces = spans("反覆確認")
    assert pieces == ["反", "覆", "確", "認"]



def test_a_secondary_form_converts_in_the_words_that_change_it_and_only_there():
    assert N.fold("请您反覆确认") == "请您反复确认"  # no other traditional character in the text
    assert N.fold("稍后回覆您") == "稍后回复您"
    assert N.fold("别找藉口") == "别找借口"
    assert N.fold("信号覆盖范围") == "信号覆盖范围"  # no phrase changes the 覆 of 覆盖


def test_a_compatibility_ideograph_folds_as_its_unified_character_does():
    assert N.fold("\uf91b七八糟") == N.fold("亂七八糟") == "乱七八糟"  # U+F91B: 亂
    assert N.fold("\uf967归我管") == "不归我管"  # U+F967: 不, simplified already
    assert N.fold("信号覆盖\uf900") == "信号覆盖岂"  # U+F900: 豈, beside a secondary form out of its contexts


def test_secondary_forms_out_of_their_contexts_convert_by_word_as_per_character():
    by_character = hant.by_character()
    simplified = sorted(set(by_character.values()))
    checked = 0
    for form, contexts in hant.secondary().items():
        alone = by_character.get(ord(form), form)  # 覆 stays 覆, 畫 becomes 画
        for other in simplified:
            for pair, at in ((form + other, 0), (other + form, 1)):
                if pair not in contexts:
                    assert hant.by_word(pair)[at] == alone, pair
                    checked += 1
    assert checked > 50000


def _installed_phrases(folder) -> list[str]:
    """The phrases of the installed OpenCC's 繁→简 (dumped as scripts/make_t2s_secondary.py does)."""
    clib = Path(opencc.__file__).resolve().parent / "clib"
    out = folder / "TSPhrases.txt"
    subprocess.run([str(clib / "bin" / "opencc_dict"), "-i", str(clib / "share" / "opencc" / "TSPhrases.ocd2"),
                    "-o", str(out), "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
    return [line.split("\t")[0] for line in out.read_text(encoding="utf-8").splitlines() if line]


def test_a_traditional_text_folds_per_character_as_word_conversion_would(tmp_path):
    # Only a secondary form in one of its contexts sends a text through OpenCC's phrases: every
    # phrase OpenCC converts folds the same per character, alone or among other words.
    phrases = _installed_phrases(tmp_path)
    by_character, secondary = hant.by_character(), hant.secondary()

    def simplified_changed(phrase: str) -> bool:  # 深沈 → 深沉: a simplified 沈 is folded as written in any text
        return any(a != b and ord(a) not in by_character and a not in secondary for a, b in zip(phrase, hant.by_word(phrase)))

    checked = [phrase for phrase in phrases if not simplified_changed(phrase)]
    assert len(checked) > 300
    for phrase in checked:
        for text in (phrase, f"請{phrase}好嗎", f"{phrase}，{phrase}"):
            assert N.fold(text) == N.fold(hant.by_word(text)), text
    assert N.fold("這個計畫的項鍊") == "这个计划的项链"  # 畫 and 鍊 as their words convert them
    assert N.fold("畫一張圖") == "画一张图"  # and per character elsewhere

L = Normalizer(initials={"sb": "傻逼", "tmd": "他妈的", "zz": "智障"})


def test_pinyin_runs_fold_to_one_placeholder_per_syllable_of_the_meant_characters_class():
    folded = L.full("不gui我管，找bie人去")
    assert folded.phon == L.phonetic("不归我管找别人去")
    assert [folded.original[s:e] for s, e in zip(folded.starts, folded.ends)] == ["不", "gui", "我", "管", "找", "bie", "人", "去"]
    assert L.full("bu gui wo guan").phon == L.phonetic("不归我管")  # runs split by spaces, each converted
    assert L.full("zhaobieren").phon == L.phonetic("找别人")


def test_initials_fold_to_their_words_each_standing_for_the_whole_run():
    norm, pieces = (lambda f: (f.norm, [f.original[s:e] for s, e in zip(f.starts, f.ends)]))(L.full("你是SBBBB吧"))
    assert norm == "你是傻逼吧"
    assert pieces == ["你", "是", "SBBBB", "SBBBB", "吧"]
    assert L.fold("ⓢⓑ") == L.fold("ｓｂ") == "傻逼"
    assert L.fold("服务真Tmd差") == "服务真他妈的差"
    assert L.fold("zzz") == "智障" and L.fold("z") == "z"  # a repeated letter counts once, but not fewer than the key


def test_latin_that_is_not_pinyin_or_initials_folds_as_before():
    for text, folded in [("ok好的，APP和VIP", "ok好的app和vip"), ("vivo手机", "vivo手机"),
                         ("订单号SB1234", "订单号sb1234"), ("请看weibo.com/help", "请看weibocomhelp"),
                         ("@南小北zZ 你好", "南小北zz你好"), ("Are you kidding me", "areyoukiddingme"),
                         ("POWER Dance", "powerdance")]:
        assert L.fold(text) == folded, text
    assert L.full("ok好的").starts == (0, 1, 2, 3)


def test_placeholder_characters_in_the_input_are_dropped():
    norm, pieces = spans("不归\ue08a我管")
    assert norm == "不归我管" and pieces == ["不", "归", "我", "管"]


def test_fast_fold_equals_full_fold_with_latin_and_traditional_text():
    for text in ["不gui我管，找bie人去！", "你是sbbbb吧。", "反覆確認ok", "bu gui wo guan", "傻bbbb。看看看", "㎏ buguan 😀"]:
        draft, full = L.draft(text), L.full(text)
        assert full.norm == L.fold(text) == draft.norm, text
        assert (draft.phon, draft.breaks) == (full.phon, full.breaks), text


def test_a_space_between_words_of_han_characters_is_a_clause_pause():
    text = "我这边查过了 你别再问了 请您稍等"
    folded = N.full(text)
    assert folded.norm == "我这边查过了你别再问了请您稍等"
    assert [i for i, level in enumerate(folded.breaks) if level == CLAUSE_BREAK] == [6, 11]
    assert [text[s:e] for s, e in zip(folded.starts, folded.ends)][6:8] == ["你", "别"]  # offsets skip the space
    assert N.fold(text) == folded.norm and N.draft(text).breaks == folded.breaks


def test_characters_spaced_out_one_by_one_stay_one_clause():
    for text in ("不 归 我 管", "不\u3000归\u3000我\u3000管"):
        assert N.full(text).breaks == bytes([SENTENCE_BREAK, 0, 0, 0, SENTENCE_BREAK])
    assert N.full("好的 谢谢您的耐心").breaks[2] == CLAUSE_BREAK
    assert N.full("ok 谢谢").breaks == bytes([SENTENCE_BREAK, 0, 0, 0, SENTENCE_BREAK])  # Latin is not a Han word


def test_a_transcript_with_a_space_between_every_word_has_no_pauses():
    """ASR output that parts words (not phrases) by spaces: those spaces are no clause edges."""
    text = "好的 那 请您 在这里 签一下 名 对 就是 这个 位置"
    assert set(N.full(text).breaks[1:-1]) == {NO_BREAK}


def test_tone_marked_pinyin_folds_as_the_same_pinyin_typed_without_tones():
    assert N.fold("nǐ hǎo, lǜ dēng") == N.fold("ni hao, lv deng") != "nihaolvdeng"  # converted to syllables
    assert N.fold("Nǐ hǎo") == N.fold("Ni hao")  # a capital still reads as a name or English


def test_a_line_wrapped_in_mid_sentence_reads_on_and_a_finished_line_ends_its_sentence():
    wrapped = N.full("那是您自己\n没看清楚。\n下次注意")
    assert wrapped.norm == "那是您自己没看清楚下次注意"
    assert wrapped.breaks[5] != SENTENCE_BREAK  # 没 follows a line without a sentence end
    assert wrapped.breaks[9] == SENTENCE_BREAK  # 下 follows 。


def test_a_list_item_or_a_labelled_field_keeps_its_line_break_a_sentence_end():
    listed = N.full("材料如下\n1、身份证\n签收人：前台\n取件码三号")
    assert listed.norm == "材料如下1身份证签收人前台取件码三号"
    assert listed.breaks[4] == SENTENCE_BREAK  # before the item 1、
    assert listed.breaks[8] == SENTENCE_BREAK  # before the field 签收人：
    assert listed.breaks[13] == SENTENCE_BREAK  # after the field
