"""The compiled parts (`_native.c` and its parts, built by the install) against the Python they
stand in for: the category model's n-gram sums must give the same bounds and the same n-grams in
the same order as its scan, the matcher's first tests must keep the same hits, and a character
table must translate as `str.translate` does, or whether a text is flagged would depend on how
the package was installed."""

import json
import pickle
import random
import shutil
import sysconfig
from array import array
from functools import partial
from pathlib import Path

import pytest

from phrasecheck import Checker
from phrasecheck.engine.automaton import KeyScanner
from phrasecheck.engine import automaton, checker as engine_checker, grams, hits, latin, match, offsets, pattern, plain as plain_check, suggest, tables
from phrasecheck.engine.classify import CategoryModel
from phrasecheck.engine.breaks import CLAUSE_BREAK, SENTENCE_MARK
from phrasecheck.engine.regions import Regions

from test_fast_paths import _texts  # the same replies and training lines

compiled_only = pytest.mark.skipif(not grams.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")


def _compiler() -> str | None:
    command = (sysconfig.get_config_var("CC") or "").split()
    return shutil.which(command[0]) if command else None


@pytest.mark.skipif(_compiler() is None, reason="no C compiler on this machine: the Python scan serves")
def test_an_install_with_a_compiler_builds_the_extension():
    assert grams.COMPILED, "hatch_build.py did not compile phrasecheck/engine/_native.c (see the install's warnings)"


def _both(model: CategoryModel):
    return grams._Compiled(*model._grams._made_of), grams._Scanned(*model._grams._made_of)


@compiled_only
def test_compiled_and_scanned_sums_agree_on_real_replies_and_training_lines(bank: Checker):
    compiled, scanned = _both(bank.sentence_classifier.model)
    classifier = bank.sentence_classifier
    checked = scored = 0
    for text in _texts():
        marked = bank.normalizer.skim(text).marked
        apart, folded = marked.replace("\x00", ""), bank.normalizer.skim(text).folded
        fast, slow = compiled.sums(apart), scanned.sums(apart)
        assert fast.rising() == slow.rising(), text
        position = 0
        for sentence in apart.split(SENTENCE_MARK):  # each sentence, as `above` bounds it
            end = position + len(sentence)
            assert fast.bound(position, end) == pytest.approx(slow.bound(position, end), abs=1e-12), text
            position = end + 1
        windows = classifier.windows(marked) if len(marked) > classifier.long_sentence else [(0, len(folded))]
        fast, slow = compiled.sums(folded), scanned.sums(folded)
        for start, end in windows:
            assert fast.bound(start, end) == pytest.approx(slow.bound(start, end), abs=1e-12), text
            assert compiled.totals(folded, start, end) == scanned.totals(folded, start, end), text
            checked += 1
        model = bank.sentence_classifier.model  # every window scored, to the last bit, both ways
        assert compiled.scored(folded, windows, model.bias, 0.0) == scanned.scored(folded, windows, model.bias, 0.0), text
        scored += len(compiled.scored(folded, windows, model.bias, classifier.threshold))
    assert checked > 3000 and scored > 300


@compiled_only
def test_compiled_and_scanned_tables_pick_the_same_sentences_and_windows_to_score(bank: Checker):
    compiled, scanned = _both(bank.sentence_classifier.model)
    classifier, model = bank.sentence_classifier, bank.sentence_classifier.model
    floors = [model._floor(p) for p in (classifier.threshold, classifier.window_threshold, 0.5, 0.1)]
    live = windows = 0
    for text in _texts():
        marked = bank.normalizer.skim(text).marked
        apart = marked.replace("\x00", "")
        folded = apart.replace(SENTENCE_MARK, "")
        for floor in floors:
            found = compiled.live(apart, SENTENCE_MARK, floor, classifier.min_chars, classifier.max_chars)
            assert found == scanned.live(apart, SENTENCE_MARK, floor, classifier.min_chars, classifier.max_chars), text
            cut = compiled.windows(marked, folded, classifier.layout, floor)
            assert cut == scanned.windows(marked, folded, classifier.layout, floor), text
            live, windows = live + len(found), windows + len(cut)
    assert live > 3000 and windows > 3000  # the low floors let many through


@compiled_only
def test_spans_are_clipped_to_the_text_and_empty_ones_hold_nothing():
    columns = array("d", [1.0, 0.0, 0.0, 3.0, 0.5, 0.5])  # 不归 leans to the first category, 我管 to the second
    table = grams._Compiled(["不归", "我管", "不归我"], array("d", [1.0, 2.0, -1.0]), -0.5, columns, array("d", [0.0, 0.0]))
    text = "这不归我管"
    assert table.totals(text, 0, 99) == (2.0, 1)  # 不归 + 不归我 + 我管, each once; 1.5 against 3.5
    assert table.totals(text, 0, 3) == (1.0, 0) and table.totals(text, 3, 3) == (0.0, 0) and table.totals("", 0, 0) == (0.0, 0)
    assert table.totals("不归不归不归", 0, 6) == (1.0, 0)  # present, not counted
    assert table.total(text, 0, 99) == 2.0 and table.total(text, 3, 3) == 0.0 and table.total("不归不归不归", 0, 6) == 1.0
    sums = table.sums(text)
    assert sums.rising() == 3.0 and sums.bound(0, 5) == 2.0  # 不归我 lowers it once
    assert sums.bound(2, 5) == 2.0 and sums.bound(-4, 2) == 0.0


@compiled_only
def test_a_bound_counts_the_weights_under_the_floor_it_is_asked_with():
    # the bounds skip the n-grams weighing too little to move them (`bound_filter`): which those are
    # depends on `below`, so a table asked with another one answers for it, and then for the first again
    table = grams.GramTable(["不归", "我管", "不归我"], array("d", [1.0, -0.3, -1.0]))
    text = "不归我管"
    assert table.bound(text, -0.5) == 0.0  # 不归 + 不归我; 我管 weighs too little to count
    assert table.bound(text, -0.2) == pytest.approx(-0.3)  # now 我管 counts too
    assert table.bound(text, -0.5) == 0.0 and table.bound(text, -2.0) == 1.0
    assert table.live("不归我管\x01不归", "\x01", -0.5, 0.5, 2, 10) == [(4, 6)]


@compiled_only
def test_a_total_reads_no_category_column():
    # a rescored sentence needs only its total: a table built without columns gives it, and only
    # the category, which reads them, is refused
    table = grams.GramTable(["不归", "我管", "不归我"], array("d", [1.0, -0.3, -1.0]))
    assert table.total("不归我管不归", 0, 6) == pytest.approx(-0.3)  # each n-gram once: 1.0 - 1.0 - 0.3
    with pytest.raises(ValueError, match="without category columns"):
        table.totals("不归我管", 0, 4)


def test_a_model_with_longer_ngrams_than_the_table_takes_is_scanned():
    keys = ["不归我管" * 5, "找别人"]
    assert isinstance(grams.grams_of(keys, array("d", [1.0, 1.0]), -0.5, array("d", [1.0, 1.0]), array("d", [0.0])),
                      grams._Scanned)


def test_a_pickled_model_reads_back_into_what_this_install_has(bank: Checker):
    model = bank.sentence_classifier.model
    again = pickle.loads(pickle.dumps(model))
    assert type(again._grams) is type(model._grams)
    assert isinstance(again._grams, grams._Compiled) == grams.COMPILED
    line = "你自己看不懂说明书吗，这都不会"
    assert again.probability(line) == model.probability(line)


@compiled_only
def test_decisions_do_not_depend_on_the_compiled_table(bank: Checker, monkeypatch):
    lines = [json.loads(line)["text"] for path in sorted((Path(__file__).parents[1] / "training" / "categories").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines()[:150] if line.strip()]
    compiled = [bank.check(line).to_dict() for line in lines]
    classifier = bank.sentence_classifier
    monkeypatch.setattr(classifier.model, "_grams", _both(classifier.model)[1])
    assert [bank.check(line).to_dict() for line in lines] == compiled
    assert sum(1 for result in compiled if result["violations"]) > 100


@pytest.mark.skipif(tables._translate is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_table_translates_as_str_translate_does(bank: Checker):
    fold = bank.normalizer._fold_flat.table
    texts = [*_texts()[:2000], "ＡＢＣ１２３，不歸我管！", "😀找别人去𠮷\U0010ffff", "\ud800不\udfff", "", "a" * 1000,
             "".join(chr(cp) for cp in range(0, 0x10000, 7) if not 0xD800 <= cp < 0xE000)]
    for text in texts:
        assert tables._translate(text, fold) == text.translate(fold), text
    assert tables._translate("不归我管", "") == "不归我管"  # a character past the table's end is kept


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
@pytest.mark.parametrize("pack", ["bank-counter", "core"])
def test_the_compiled_first_tests_keep_the_hits_the_python_ones_keep(pack, monkeypatch):
    checker = Checker.load(pack)
    matcher, normalizer = checker.matcher, checker.normalizer
    texts = [*_texts(), "bu gui wo guan，找别人去", "你ban sha", "ni zi ji kan bu dong ma", "急急急急急急", "这个咋个整",
             "您好请您稍等一下我帮您查询", "不归我管" * 200]
    skims = list(map(normalizer.skim, texts))
    compiled = [matcher.find(skim.phon, skim.folded) for skim in skims]
    if hits.COMPILED:  # the tests in one pass over the automaton's hits, and over a list of its matches
        assert all(matcher._first_tests.plausible(skim.folded, skim.phon, matcher._scanner.matches(skim.phon)) == found
                   for skim, found in zip(skims, compiled))
    monkeypatch.setattr(match, "COMPILED", False)
    kept = 0
    for text, found in zip(texts, compiled):
        skim = normalizer.skim(text)
        assert found == matcher.find(skim.phon, skim.folded), text
        kept += bool(found)
    assert kept > 1000  # the texts do hold hits that pass


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_first_tests_pickle_as_their_arrays_and_rebuild(bank: Checker):
    matcher = bank.matcher
    again = pickle.loads(pickle.dumps(matcher))
    skim = bank.normalizer.skim("急什么，没看见我正忙吗？不归我管，找别人去")
    found = again.find(skim.phon, skim.folded)
    assert [(end, [value[3].norm for value in values]) for end, values in found] == \
        [(end, [value[3].norm for value in values]) for end, values in matcher.find(skim.phon, skim.folded)]
    assert len(found) >= 3


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_filter_refuses_arrays_that_do_not_fit_together():
    one = ((("pattern", 0, None, None),),)
    none = (array("i"), [])  # no pattern, so no borders
    with pytest.raises(ValueError, match="do not cover"):  # a key's tests run past the table
        hits.HitFilter(list(one), array("i", [0, 2]), array("i", [0, 2, 0, -1, -1]), "不归", array("i"),
                       array("i", [0]), array("i", [0]), [], array("i"), *none)
    with pytest.raises(ValueError, match="out of range"):  # a spelling past the characters
        hits.HitFilter(list(one), array("i", [0, 1]), array("i", [5, 2, 0, -1, -1]), "不归", array("i"),
                       array("i", [0]), array("i", [0]), [], array("i"), *none)
    with pytest.raises(ValueError, match="borders"):  # a pattern's border needles past the list
        hits.HitFilter(list(one), array("i", [0, 1]), array("i", [0, 2, 0, 0, -1]), "不归", array("i", [0, 0]),
                       array("i", [0, 0]), array("i", [0]), [], array("i"), array("i", [0, 2, 0, 0, 0, 0]), ["bg"])
    with pytest.raises(TypeError):
        hits.HitFilter(list(one), array("i", [0, 1]), array("i", [0, 2, 0, -1, -1]), "不归", array("i"),
                       array("i", [0]), array("i", [0]), [], array("i"), *none).plausible("不归", "bg", [(0, 0)])


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
@pytest.mark.parametrize("count", [3, 40], ids=["a few needles", "a word class's many"])
def test_a_word_beside_the_anchor_is_heard_within_its_gap_however_many_sounds_it_has(count):
    """「不归」 then one of `count` sounds within two characters after it: a short group searches
    each sound, a long one (over 16) looks each position of the window up by its character."""
    sounds = sorted({"wg", *[f"{a}{b}" for a in "abcdefghijklmnop" for b in "xyz"][:count - 1]})
    assert len(sounds) == count
    arrays = (list(((("pattern", 0, None, None),),)), array("i", [0, 1]), array("i", [0, 2, -1, 0, -1]), "不归",
              array("i", [0, 0]), array("i", [0, 0]), array("i", [0]), [], array("i"),
              array("i", [0, 0, 0, 0, count, 2]))  # nothing before the anchor; after it, one of the sounds within 2
    found = hits.HitFilter(*arrays, sounds).plausible

    def kept(phon: str) -> bool:
        return bool(found("不归" + "。" * (len(phon) - 2), phon, [(0, 0, 2)]))

    assert kept("NNwg") and kept("NN.wg") and kept("NN..wg")  # starting 0, 1 or 2 characters after
    assert not kept("NN...wg") and not kept("NNwx") and not kept("NNw") and not kept("wgNN")
    assert kept("NN" + sounds[0]) and kept("NN." + sounds[-2])  # the group's first sound and another
    if count > 16:
        with pytest.raises(ValueError, match="sorted"):  # a long group is bisected
            hits.HitFilter(*arrays, sounds[::-1])


@compiled_only
@pytest.mark.parametrize("extra", [[], ["找别人去"], ["𠮷你"]], ids=["packed", "four characters", "beyond the BMP"])
def test_both_ways_of_looking_n_grams_up_find_what_the_scan_finds(extra):
    """Keys of at most three characters of the BMP are looked up packed in one integer; a table
    with a longer key or a character beyond the BMP hashes each substring: the same answers."""
    keys = ["不归", "我管", "不归我", "别人", "找别", "人去", "你", *extra]
    weights = array("d", [0.5, 1.0, -1.0, 2.0, 0.25, -0.75, 3.0, *[1.5] * len(extra)])
    columns = array("d", [(index * 7 + category) % 5 - 2.0 for index in range(len(keys)) for category in range(3)])
    made_of = (keys, weights, -0.5, columns, array("d", [0.1, 0.0, -0.1]))
    compiled, scanned = grams._Compiled(*made_of), grams._Scanned(*made_of)
    for text in ["不归我管，找别人去", "𠮷你不归我管𠮷找别人去", "不归𠮷我管", "找别人去找别人去你", "", "𠮷", "𠮷你"]:
        fast, slow = compiled.sums(text), scanned.sums(text)
        assert fast.rising() == pytest.approx(slow.rising(), abs=1e-12), text
        for start in range(len(text) + 1):
            for end in range(start, len(text) + 1):
                assert fast.bound(start, end) == pytest.approx(slow.bound(start, end), abs=1e-12), (text, start, end)
                assert compiled.totals(text, start, end) == scanned.totals(text, start, end), (text, start, end)
                assert compiled.total(text, start, end) == scanned.total(text, start, end) == compiled.totals(text, start, end)[0]
    assert compiled.totals("您找别人去", 0, 5)[0] == (3.0 if extra == ["找别人去"] else 1.5)  # 找别 人去 别人 (+ the long key)


@pytest.mark.skipif(offsets._compiled is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_offset_map_equals_the_python_one(bank: Checker, monkeypatch):
    normalizer = bank.normalizer
    texts = [*_texts()[:4000], "您好。。。看看看看看，不归我管！！找别人去😀😀 sb", "嗯嗯嗯，好好好好的", "😀不归😀😀我管😀",
             "ＡＢＣ不歸我管", "", "。。。", "aaa bbb 不归我管 ccc", "不\u200b归\u200b我\u200b管",
             "一共５㎏，不归我管", "¼杯，不归我管", "🄭不归我管", "不归我管🄭"]  # characters that fold to several
    drafts = [normalizer.draft(text) for text in texts]
    compiled = [normalizer.with_offsets(draft) for draft in drafts]
    compiled_map = offsets._compiled
    monkeypatch.setattr(offsets, "_compiled", None)
    runs = 0
    for text, draft, fast in zip(texts, drafts, compiled):
        slow = normalizer.with_offsets(draft)
        assert (fast.starts, fast.ends) == (slow.starts, slow.ends), text
        runs += any(end - start > 1 for start, end in zip(fast.starts, fast.ends))
    assert runs > 10  # texts with runs cut to two, whose second character stands for the rest
    spans = {text: [(fast.norm[i], text[fast.starts[i]:fast.ends[i]]) for i in range(len(fast.norm))]
             for text, fast in zip(texts, compiled)}
    assert spans["一共５㎏，不归我管"][2:5] == [("5", "５"), ("k", "㎏"), ("g", "㎏")]
    assert spans["¼杯，不归我管"][:3] == [("1", "¼"), ("4", "¼"), ("杯", "杯")]
    assert spans["不归我管🄭"][-2:] == [("c", "🄭"), ("d", "🄭")]
    with pytest.raises(ValueError, match="one bit per BMP code point"):
        compiled_map("不归我管", "不归我管", normalizer._fold_flat.table, "\x02", b"", b"\x00", b"")


@pytest.mark.skipif(tables._translate is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_warming_a_checker_with_the_compiled_tables_builds_no_numpy_arrays():
    """The gather arrays (numpy, 2 × 4.4 MB) serve only without the compiled translate, so a
    service warming its checker before forking does not import numpy or build them."""
    import subprocess
    import sys

    code = ("import sys; from phrasecheck import Checker; c = Checker.load('bank-counter'); c.warm(); "
            "print('numpy' in sys.modules, c.check('不归我管，找别人去' * 40).decision)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "block"]


_PLAIN_EDGES = ["好好好好的，，，。。。", "急急急急急急", "\x07不归我管\u200b找别人去", "ＡＢＣ不归我管", "不归我管😀", "你办啥\n", "你 办啥",
                "\u3000你办啥", "\ud800你办啥", "您好，请问您办理什么业务？" * 20, "。", "",
                # typed in pinyin: the twin over sounds flags the last two, which no compiled part reads
                "ni zi ji kan shuo ming shu qu", "您好，wo zhe bian bu guan zhe ge", "kan ni zhe yang zi jiu zhi dao shi lai dao luan de",
                "wo jiu shi zhe ge tai du, ni neng zen me yang"]


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
@pytest.mark.parametrize("pack", ["bank-counter", "core", "a house list"])
def test_the_plain_check_answers_what_the_python_path_answers(pack, tmp_path):
    if pack == "a house list":  # spelled apart: the plain check calls the matcher's own `find`
        (tmp_path / "words.txt").write_text("稍等\n查询\n不清楚\n自己看\n这个问题\n", encoding="utf-8")
        pack = tmp_path / "house.yaml"
        pack.write_text("pack: house\ntitle: house\nversion: '1'\nextends: [core]\nrules:\n  - id: house-words\n"
                        "    category: 禁语\n    severity: error\n    phrase_list: {file: words.txt}\n", encoding="utf-8")
    checker = Checker.load(pack)
    checker.check("您好")
    if checker.rule_home.get("house-words"):
        assert checker.matcher.compiled_find() == (checker.matcher.find, ()) and checker.check("请您稍等").violations
    (plain, flat), normalizer, matcher = checker._plain, checker.normalizer, checker.matcher
    answers = {"not plain": 0, "not flat": 0, "nothing": 0, "go on": 0, "flat, nothing": 0, "flat, go on": 0, "rewritten": 0,
               "hits, none verified": 0, "bounded, scored below": 0, "quiet, nothing": 0, "quiet, go on": 0,
               "verified, go on": 0, "typed": 0}
    not_flat = [f"您的包裹{n}㎏，{rest}" for n in range(8) for rest in ("请您稍等", "不归我管，找别人去")]  # ㎏ folds to two
    not_flat += ["𠮶个不归我管", "你办啥𠀀", "急什么𠀀没看见我正忙吗"]  # beyond the BMP, and not dropped as an emoji is
    not_flat += [f"{a}{rest}" for a in ("𠮶个", "你办啥𠀀", "重3㎏的", "𡃁仔", "㎡数", "𠊎", "5㎞外", "𠀋") for rest in
                 ("不归我管，找别人去", "请您稍等", "急什么", "好的 您稍等", "没看见我正忙吗", "")]
    # rewritten first: letters typed for a word, a pack's initials, 繁体 in the words a phrase converts
    rewritten = [f"{a}{b}" for a in ("不gui我管", "找bie人去", "NMD", "这个计畫", "请反覆确认", "tmd", "你是sb吗", "wo不知道")
                 for b in ("", "，好的", "您稍等", "！！", "。请问还有什么问题")]
    rewritten += [f"{a}{b}" for a in ("ni ban sha", "bu gui wo guan", "zhao bie ren qu ba", "ni zi ji kan", "jiyoushenme",
                                      "mei kan jian wo zai mang ma", "ni zenme zheme ben", "aini")
                  for b in ("", "，好的", "！！", "您好，", "。", "？", "？？？", "～")]
    with_emoji = [f"{a}{e}{b}" for a, b in (("不归我管", "，找别人去"), ("好的", " 您稍等"), ("急什么", "没看见我正忙吗"), ("您好", ""))
                  for e in ("😀", "🙏", "👍🏻", "\U000E0001", "😤😤😤")]  # dropped by the fold: plain all the same
    for text in [*_texts(), *_PLAIN_EDGES, *not_flat, *rewritten, *with_emoji, "ok，您的APP已更新", "请 稍 等", "ni ban sha", "不歸我管", "覆盖範圍", "NMD不归我管",
                 "\uf91b七八糟的别\uf92d问", "\uf967归我管"]:  # compatibility forms of 亂 來, and of 不
        found, source, kind = plain(text), text, ""
        if found is not None and (found is True or found[10] is not None):  # perhaps cleared from its quiet source
            python_source = normalizer.source(text, normalizer.front(text))[0]
            if found is True and python_source != text or found is not True and found[10] is not None:
                source, kind = python_source, "quiet, "
                assert found is True or found[10] == source, text  # pauses marked as the Python front marks them
        if found is None:
            assert normalizer._special.search(text) or any(c in text for c in " \t\n\u3000\ud800"), text
            answers["not plain"] += 1
            text = text.replace("\ud800", "\ufffd")  # as `check` does before it skims
            front = normalizer.front(text)
            source, rewrite = normalizer.source(text, front)
            typed = checker.sentence_classifier.reads_typed(source)  # the twin over sounds reads it next, in Python
            found, kind = flat(source, rewrite is not None, typed), "flat, "
            if found is None:
                answers["not flat"] += 1  # a character folding to several, or beyond the BMP and kept
                continue
            assert found is not True or not typed, text  # typed pinyin: what the check found, handed on
            answers["rewritten"] += front.rewritten
            answers["typed"] += typed
        skim = normalizer.skim(text)
        assert (skim.rewrite.text if skim.rewrite else text) == source, text
        hits_found = matcher.find(skim.phon, skim.folded)
        bounds = checker.sentence_classifier.bounds(skim.marked)
        model_hits = checker.sentence_classifier.candidates(skim.marked)
        if found is True:  # no hit that verification keeps, and nothing the model finds
            assert not matcher.verify(normalizer.draft(skim), hits_found) and not model_hits, text
            answers[kind + "nothing"] += 1
            answers["hits, none verified"] += bool(hits_found)
            answers["bounded, scored below"] += bounds != ([], [])
        else:
            assert found[:7] == (skim.translated, skim.marked, skim.folded, skim.phon, hits_found, *bounds), text
            assert (found[10] is None) == (kind != "quiet, "), text
            draft = normalizer.draft(skim)  # each hit verified once, there: the candidates Python's verification finds
            # (made in C, `told_candidates`, where every value was told)
            assert (found[8] is None) == (not hits_found), text
            # where each folded character comes from in the text the check read, as `with_offsets` maps it
            assert found[9] == normalizer._offset_map(source, skim.translated), text
            assert matcher.verify(draft, hits_found, verified=found[8]) == matcher.verify(draft, hits_found), text
            answers["verified, go on"] += bool(hits_found)
            assert found[7] == model_hits or checker.sentence_classifier.reads_typed(skim.marked), text
            answers[kind + "go on"] += 1
    assert min(answers.values()) > 50, answers


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_fuzzy_phrases_aligned_from_the_compiled_loop_are_the_ones_python_aligns(bank: Checker):
    """A long banned line misheard or reworded goes through edit-distance alignment; the compiled
    loop over a text's hits (`told_candidates`) aligns each phrase once per anchor, where enough of
    its shingles were heard, and keeps the surest candidate of each span, as the Python loop does."""
    bank.check("您好")
    plain, normalizer, matcher = bank._plain[0], bank.normalizer, bank.matcher
    texts = ["有意见去跟领导反应吧，我也解决不了！", "有一见去给领导反映吧我也解决不了", "有意见你就去给领导反映吧，我这也解决不了",
             "我有什么办法，又不是我让它坏的", "我又什么办法，有不是我让他坏的", "我有什么办法呢，这又不是我让它坏掉的。",
             "有意见去给领导反映吧我也解决不了，有意见去给领导反映吧我也解决不了", "这个问题我有什么办法",
             "有意见可以给领导反映，我们一起来解决", "机器坏了我有什么办法，又不是我让它坏的，有意见去找领导反映吧"]
    aligned = 0
    for text in texts:
        found = plain(text)
        assert isinstance(found, tuple), text  # a fuzzy shingle sends the text on
        hits_found, verified = found[4], found[8]
        assert Ellipsis in verified, text  # a shingle, which Python's rapidfuzz aligns
        draft = normalizer.draft(normalizer.skim(text))
        made = matcher.verify(draft, hits_found, verified=verified)
        assert made == matcher.verify(draft, hits_found), text
        aligned += sum(candidate.match_type == "fuzzy" for candidate in made)
    assert aligned >= 4, aligned


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_candidate_loop_refuses_what_it_cannot_read(bank: Checker):
    """A wrong argument is a TypeError naming what was expected, never a crash."""
    from phrasecheck.engine._native import told_candidates
    draft = bank.normalizer.draft("您好")
    with pytest.raises(TypeError, match="takes 7 arguments"):
        told_candidates([], [], match.Candidate)

    def call(hits_given, verified):
        return told_candidates(hits_given, verified, match.Candidate, match.GUESSED_CONFIDENCE, match._fuzzy_candidate, draft,
                               match.SHINGLE)

    with pytest.raises(TypeError, match="hits and verified must be lists"):
        call((), [])
    with pytest.raises(TypeError, match=r"\(end_index, values\)"):
        call([(1,)], [])
    with pytest.raises(TypeError, match=r"\(kind, rule, payload, extra\)"):
        call([(1, (("pattern", 0),))], [None])
    with pytest.raises(TypeError, match="spans, mismatches, placeholders"):
        call([(1, (("pattern", 0, None, None),))], [(0, 1)])
    assert call([], []) == [] and call([(1, (("entry", 0, None, 0),))], [Ellipsis]) is None  # told in Python


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_front_marks_pauses_and_leaves_every_rewrite_to_python(bank: Checker):
    normalizer = bank.normalizer
    quiet = partial(plain_check.quiet_base, *normalizer.quiet_source_parts())
    assert quiet("好的 您稍等") == "好的，您稍等"  # two Han characters before the space, one after
    assert quiet("好 您稍等一下吧") == "好，您稍等一下吧"  # one before, two after
    assert quiet("好的  您稍等一下吧好吗") == "好的， 您稍等一下吧好吗"  # the first space of a pause
    plain = "您好 ok的包裹到了"  # letters after the space: no pause, the text itself
    normalizer.front(plain)
    assert quiet(plain) is plain
    assert quiet("好 您稍等") is None  # as many spaces as words: `_spaced_by_word` tells
    assert quiet("信号覆盖 您稍等") == "信号覆盖，您稍等"  # no phrase changes the 覆 of 覆盖: no 繁→简 by word
    assert quiet("请您反覆 确认") is None and quiet("稍后回覆 您") is None  # words that change it: the Python front's
    for python_first in ["我 不 知 道 啊", "你好\n谢谢", "𠮶个不归我管 好的", "這個計畫 好的", "ＡＰＰ 好的", "ni ban sha 好的"]:
        assert quiet(python_first) is None, python_first  # spaced word by word, wrapped, rare, 繁体 by word, typed pinyin
    assert quiet("不歸我管 好的") == "不歸我管，好的"  # 繁体 the fold table converts as any phrase would
    for emoji in ("不归我管😀 好的", "好的 您稍等🙏"):  # an emoji, which the fold drops: no pause beside it
        assert quiet(emoji) is not None and quiet(emoji) == normalizer.source(emoji, normalizer.front(emoji))[0], emoji
    for code in ("登录www.meitu.com 查询", "华为mate7 您好", "目录/private/var/mobile/ 好的", "@meitu小编 您好"):
        normalizer.front(code)  # plans its runs: meitu, mate, mobile convert where they are not part of a code
        assert quiet(code) is not None and quiet(code) == normalizer.source(code, normalizer.front(code))[0], code
    typed = "我用meitu 拍的"
    normalizer.front(typed)
    assert quiet(typed) is None and normalizer.source(typed, normalizer.front(typed))[1] is not None  # typed pinyin
    unplanned = "QXZ 好的 您稍等"
    assert quiet(unplanned) is None  # a run of letters not planned yet: `any_convert` plans it
    normalizer.front(unplanned)
    assert quiet(unplanned) == "QXZ 好的，您稍等"
    spaced = [f"{a} {b}" for a in ("好的", "好", "ok", "您好 ", "\u3000好的") for b in ("您稍等", "您", "ok稍等", "\t请讲", "")]
    told = 0
    secondary = [f"{a}{b}" for a in ("信号覆盖", "请回覆", "反覆", "俱乐部", "与时俱进", "傢俱", "找藉口") for b in (" 好的", "", "覆 您好")]
    for text in [*_texts(), *_PLAIN_EDGES, *spaced, *secondary]:
        text = text.replace("\ud800", "\ufffd")
        base = quiet(text)
        if base is None:
            continue
        told += 1
        source, rewrite = normalizer.source(text, normalizer.front(text))
        assert base == source and (base is text) == (rewrite is None), text
        assert rewrite is None or (rewrite.text == base and rewrite.origins is None and not rewrite.edges), text
    assert told > 1000


@pytest.mark.skipif(not hits.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_decisions_do_not_depend_on_the_plain_check(bank: Checker, monkeypatch):
    texts = [*_texts(), *_PLAIN_EDGES]
    fast = [bank.check(text).to_dict() for text in texts]
    assert bank._plain is not None
    again = pickle.loads(pickle.dumps(bank))  # pickled without it, built again on its first check
    assert [again.check(text).to_dict() for text in texts] == fast
    monkeypatch.setattr(bank, "_plain", None)
    assert [bank.check(text).to_dict() for text in texts] == fast
    assert sum(1 for result in fast if result["violations"]) > 500


@pytest.mark.skipif(tables._translate is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_boundaries_are_where_the_marks_stood(bank: Checker):
    from phrasecheck.engine import breaks

    assert breaks.boundaries is not breaks._marked_boundaries
    for text in [*_texts(), *_PLAIN_EDGES, "，，。。", "。不归我管，，找别人去！！？"]:
        marked = bank.normalizer.skim(text.replace("\ud800", "")).marked
        length = len(marked.replace("\x00", "").replace("\x01", ""))
        assert breaks.boundaries(marked, length) == breaks._marked_boundaries(marked, length), text
    with pytest.raises(ValueError, match="length"):
        breaks.boundaries("不归\x00我管", 3)


@pytest.mark.skipif(tables._translate is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_clause_and_sentence_edges_are_the_regex_ones(bank: Checker):
    from phrasecheck.engine import breaks

    assert breaks.edges_at_level is not breaks._edges_by_regex
    found = 0
    for text in [*_texts()[:3000], *_PLAIN_EDGES, "，，。。", "。不归我管，，找别人去！！？"]:
        levels = bank.normalizer.draft(text.replace("\ud800", "")).breaks
        for level in (breaks.CLAUSE_BREAK, breaks.SENTENCE_BREAK):
            assert breaks.edges_at_level(levels, level) == breaks._edges_by_regex(levels, level), text
            found += len(breaks.edges_at_level(levels, level))
    assert found > 3000
    assert breaks.edges_at_level(bytes([2, 0, 1, 2, 0, 2]), 1) == [2, 3] and breaks.edges_at_level(b"\x02", 1) == []


def test_a_word_class_index_is_built_on_its_first_search_and_pickled_as_its_table(bank: Checker):
    from phrasecheck.engine.spellings import SpellingIndex

    indexes = {id(e.index): e.index for r in bank.rules for p in r.patterns for e in p.elements if e.index is not None}
    assert len(indexes) > 100
    index = next(iter(indexes.values()))
    key = next(iter(index._table))
    found = list(index.iter("\ue000" + key + "\ue000"))
    assert index._table[key] in [value for _, value in found]
    again = pickle.loads(pickle.dumps(index))
    assert isinstance(again, SpellingIndex) and again._automaton is None  # nothing built until searched
    assert list(again.iter("\ue000" + key + "\ue000")) == found


@pytest.mark.skipif(pattern.PatternVerifier is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_verification_finds_the_match_the_python_one_finds(bank: Checker, monkeypatch):
    """Every anchor the scan finds in real replies, training lines and texts typed in pinyin,
    verified both ways: the same match (spans, homophones, placeholders) or none."""
    normalizer, matcher = bank.normalizer, bank.matcher
    texts = [*_texts(), *_PLAIN_EDGES, "您好，bu gui wo guan，找别人去", "请 您 稍 等", "你们自己去网上查吧，我这边也不知道",
             "不归我管不归我管不归我管，找别人去找别人去", "这个你自己看不懂吗？说明书上都写着呢"]
    compared = matched = 0
    for text in texts:
        normalized = normalizer.full(text.replace("\ud800", "\ufffd"))
        for end_index, values in matcher.scan(normalized.phon, normalized.norm):
            for kind, _, payload, alternative in values:
                if kind != "pattern":
                    continue
                start = end_index - len(alternative.norm) + 1
                for typed_pinyin in (False, True):
                    compiled = payload.match_at(normalized, alternative, start, typed_pinyin=typed_pinyin)
                    in_python = payload.match_at(normalized, alternative, start, [], typed_pinyin)  # reasons: Python's
                    assert compiled == in_python, (text, alternative.norm, start)
                    compared += 1
                    matched += compiled is not None
    assert compared > 20_000 and matched > 1_000
    contexts = {id(p): p for compiled in bank.rules for p, *_ in compiled.unless}.values()
    searched = [[p.search(normalizer.full(text)) for p in contexts] for text in texts[::7]]
    monkeypatch.setattr(pattern, "PatternVerifier", None)
    monkeypatch.setattr(pattern, "search_anchored", None)  # `search` then orders and verifies in Python
    assert [[p.search(normalizer.full(text)) for p in contexts] for text in texts[::7]] == searched


@pytest.mark.skipif(pattern.search_anchored is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_a_window_search_finds_the_anchor_keys_by_their_first_characters_as_a_scan_finds_them(bank: Checker, monkeypatch):
    """`search_anchored` looks the anchor's keys up by their first three characters and compares
    the rest; it must find what `search` finds in Python (a scan of the window's keys, ordered and
    verified there), keys at the window's edges included."""
    normalizer = bank.normalizer
    contexts = list({id(p): p for p in [*bank.judging.frames, *bank.judging.not_reported,
                                        *(p for compiled in bank.rules for p, *_ in compiled.unless)]}.values())
    long_keys = sum(max(map(len, pattern.keys_of(p.elements[p.anchor]))) > grams.PACKED_LENGTH for p in contexts)
    assert long_keys > 50  # most contexts have keys longer than what is looked up
    searches = []
    for context in contexts:
        scanner = context._anchor_keys = KeyScanner(pattern.keys_of(context.elements[context.anchor]))
        searches.append((context, context._verifier or context._built_verifier(), context._built_anchor_starts(scanner),
                         scanner.values))
    compiled_search = pattern.search_anchored
    monkeypatch.setattr(pattern, "search_anchored", None)  # `search` then scans, orders and verifies in Python
    compared = found = 0
    for text in [*_texts()[:1500:3], "您说得对，跟您讲清楚，您说这个不归我管是吧"]:
        folded = normalizer.full(text)
        size = len(folded.norm)
        windows = [(0, size), (1, max(1, size - 1)), (size // 3, size // 3 + 4), (size // 2, size)]
        for context, verifier, starts, values in searches:
            for low, high in windows:
                by_table = [pattern.PatternMatch(*match) for match in compiled_search(
                    verifier, folded.norm, folded.phon, folded.breaks, starts, values, low, high, bool(folded.rewrite))]
                assert by_table == context.search(folded, low, high, known=True), (text, low, high)
                compared += 1
                found += bool(by_table)
    assert compared > 10_000 and found > 200


@pytest.mark.skipif(pattern.search_anchored is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_window_search_refuses_what_is_not_one_folded_text(bank: Checker, monkeypatch):
    """A context search is handed a verifier, the folded text's three strings and the anchor's
    keys by their starts: pieces that do not belong together are refused with what was expected."""
    text = bank.normalizer.full("您好，请您稍等，这个不归我管，麻烦您去三号窗口问一下")
    context = next(p for compiled in bank.rules for p, *_ in compiled.unless if p.search(text))  # builds its tables
    scan, starts = context._anchor_keys.matches, context._anchor_starts
    verifier, values = context._verifier, context._anchor_keys.values
    good = (verifier, text.norm, text.phon, text.breaks, starts, values, 0, len(text.norm), False)
    compiled = [pattern.PatternMatch(*found) for found in pattern.search_anchored(*good)]
    assert compiled
    monkeypatch.setattr(pattern, "search_anchored", None)  # `search` then orders and verifies in Python
    assert compiled == context.search(text)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="one folded text"):
        pattern.search_anchored(verifier, text.norm, text.phon[:-1], text.breaks, starts, values, 0, 5, False)
    with pytest.raises(ValueError, match="one folded text"):
        pattern.search_anchored(verifier, text.norm, text.phon, text.breaks + b"\x00", starts, values, 0, 5, False)
    with pytest.raises(TypeError, match="initialised PatternVerifier"):
        pattern.search_anchored(object(), *good[1:])
    not_spellings = [tuple((which, number, object()) for which, number, _ in of_key) for of_key in values]
    with pytest.raises(AttributeError, match="norm"):  # what each place is verified against
        pattern.search_anchored(verifier, text.norm, text.phon, text.breaks, starts, not_spellings, 0, len(text.norm), False)
    with pytest.raises(TypeError, match="starts must be"):  # an Aho–Corasick scan is not what it reads
        pattern.search_anchored(verifier, text.norm, text.phon, text.breaks, scan, values, 0, len(text.norm), False)
    with pytest.raises(TypeError):
        pattern.search_anchored(*good[:-1])



@compiled_only
def test_the_compiled_key_automaton_finds_what_the_crate_finds_in_the_same_order():
    """`KeyAutomaton` (the matcher's scan) against the Rust crate's overlapping search: keys that
    are prefixes, suffixes and middles of one another over a small alphabet, texts with characters
    no key holds and characters beyond the BMP; over a larger alphabet few pairs of characters are
    in a key, and the scan takes the state after each other pair without a step."""
    import ahocorasick_rs

    rng = random.Random(7)
    for alphabet in ("不归我管找别人去急什么", "不归我管找别人去急什么办啥没看见正忙吗知道柜台理业务请稍候"):
        for _ in range(40):
            keys = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
                                      for _ in range(rng.randint(1, 60))))
            compiled = automaton.KeyAutomaton(keys)
            crate = ahocorasick_rs.AhoCorasick(keys, implementation=ahocorasick_rs.Implementation.ContiguousNFA)
            for _ in range(30):
                text = "".join(rng.choice(alphabet + "您好😀，") for _ in range(rng.randint(0, 40)))
                assert compiled.find_matches_as_indexes(text, overlapping=True) == crate.find_matches_as_indexes(
                    text, overlapping=True), (keys, text)
    assert automaton.KeyAutomaton(["不归", "归我管", "我"]).find_matches_as_indexes("不归我管", True) == [
        (0, 0, 2), (2, 2, 3), (1, 1, 4)]  # by end, the longest first at one end


@compiled_only
def test_the_plain_check_refuses_calls_it_cannot_answer(bank: Checker):
    bank.check("好的")  # builds the plain checks
    plain, flat = bank._plain
    assert plain("好的") is True and flat("好的", True) is True
    with pytest.raises(TypeError, match="keyword"):
        plain("好的", rewritten=True)
    with pytest.raises(TypeError, match="text: str"):
        plain(b"ok")
    with pytest.raises(TypeError):  # never built: refused, where it once read tables it did not have
        type(plain).__new__(type(plain))("好的")
    live = bank.sentence_classifier.model._grams._built().live
    with pytest.raises(TypeError, match="argument 2 must be a character"):
        live("好的", "ab", -0.5, 1.0, 2, 40)
    with pytest.raises(TypeError, match=r"argument 5 must be int, not float"):
        live("好的", "\x01", -0.5, 1.0, 2.5, 40)
    with pytest.raises(OverflowError, match="too large"):  # an int of the right type that does not fit says so
        live("好的", "\x01", -0.5, 1.0, 2, 10**30)


@compiled_only
def test_the_compiled_key_automaton_refuses_keys_and_searches_it_cannot_answer(bank: Checker):
    with pytest.raises(TypeError):  # the first tests read the hits of nothing but a KeyAutomaton
        bank.matcher._first_tests.find("不归", "不归", bank.matcher._scanner)
    for keys, message in ((["不归", ""], "non-empty"), (["𠮶个"], "BMP"), (["不归", "不归"], "distinct")):
        with pytest.raises(ValueError, match=message):
            automaton.KeyAutomaton(keys)
    with pytest.raises(TypeError):
        automaton.KeyAutomaton(("不归",))
    with pytest.raises(ValueError, match="overlapping"):
        automaton.KeyAutomaton(["不归"]).find_matches_as_indexes("不归", overlapping=False)
    unbuilt = automaton.KeyAutomaton.__new__(automaton.KeyAutomaton)
    with pytest.raises(ValueError, match="initialised"):
        unbuilt.find_matches_as_indexes("不归")
    with pytest.raises(ValueError, match="initialised"):  # the first tests' scan is the same one
        bank.matcher._first_tests.find("不归", "不归", unbuilt)


def test_spans_through_a_rewrite_by_hand():
    """Copied 0-2, one converted character for the original's 5-7, then copied from 7: the
    starts and ends of the rewrite's characters lead back there, in C and in Python alike."""
    origins = [(0, 0, -1), (3, 5, 7), (4, 7, -1)]
    expected = ((0, 1, 2, 5, 7, 8), (1, 2, 3, 7, 8, 11))
    assert latin._through(origins, 8, (0, 1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 8)) == expected
    assert latin.through(origins, 8, (0, 1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 8)) == expected
    assert latin.through([], 0, (), ()) == ((), ())  # a text of placeholders only rewrites to nothing


@pytest.mark.skipif(latin.through is latin._through, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_spans_through_a_rewrite_equal_the_python_ones(bank: Checker):
    """Every reply and training line whose letters convert (pinyin, initials), every character's
    start and end and random few of them; then made-up segments over texts of up to 40."""
    normalizer, rewrites = bank.normalizer, []
    for text in _texts() + ["不gui我管，找bie人去", "你是sb吧 tmd", "nǐ bàn shá a", "bu gui wo guan", "傻bbbb。看看看"]:
        front = normalizer.front(text)
        rewrite = normalizer.source(text, front)[1] if front.rewritten else None
        if rewrite is not None and rewrite.origins is not None:
            rewrites.append((rewrite.origins, len(rewrite.text)))
    assert len(rewrites) > 40
    rng = random.Random(3)
    for _ in range(2000):
        length, origins, at = rng.randint(1, 40), [], 0
        while at < (length if origins else 1):
            low, copied = rng.randint(0, 80), rng.random() < 0.5
            origins.append((at, low, -1 if copied else low + rng.randint(1, 5)))
            at += rng.randint(1, 6) if copied else 1  # a converted character is one position
        rewrites.append((origins, at if origins[-1][2] != -1 else max(length, at)))
    for origins, length in rewrites:
        every = tuple(range(length)), tuple(range(1, length + 1))
        some = sorted(rng.sample(range(length), min(length, 3)))
        for starts, ends in (every, (tuple(some), tuple(rng.randint(s + 1, length) for s in some))):
            assert latin.through(origins, length, starts, ends) == latin._through(origins, length, starts, ends), origins


@pytest.mark.skipif(latin.through is latin._through, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_spans_through_a_rewrite_refuse_what_lies_outside_it():
    origins = [(0, 0, -1), (3, 5, 7)]
    with pytest.raises(ValueError, match="outside the rewrite"):
        latin.through(origins, 4, (4,), (5,))
    with pytest.raises(ValueError, match="outside the rewrite"):
        latin.through(origins, 4, (-1,), (1,))
    with pytest.raises(ValueError, match="start at 0, rise"):
        latin.through([(1, 0, -1)], 4, (1,), (2,))
    with pytest.raises(ValueError, match="start at 0, rise"):
        latin.through([(0, 0, -1), (2, 5, 5)], 4, (1,), (2,))  # a converted character standing for nothing
    with pytest.raises(ValueError, match="cover one position"):
        latin.through([(0, 0, -1), (2, 5, 7)], 4, (1,), (2,))  # a converted character stretched over two
    with pytest.raises(TypeError, match="at, low, high"):
        latin.through([[0, 0, -1]], 4, (1,), (2,))
    with pytest.raises(ValueError, match="one position a character"):
        latin.through(origins, 4, (1, 2), (2,))


@pytest.mark.skipif(suggest._compiled is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_rewrite_equals_the_python_one(bank: Checker, monkeypatch):
    """On every flagged message of the replies and training lines, with the hits the checker found,
    and on made-up hits over texts with spaces, stops, question marks and neighbouring offences."""
    asked = []
    monkeypatch.setattr(engine_checker, "rewritten", lambda text, edges, found: asked.append((text, edges, found)))
    for text in _texts()[:4000]:
        bank.check(text)
    monkeypatch.undo()
    assert len(asked) > 500
    rng = random.Random(7)
    lines = ["请您稍候。", "请问您办理什么业务？", "请您到××柜台办理", "", "好的!", "".join(["请您", "稍候。"])]  # equal, not the same
    for text in ["好的 在这签个名，急什么？！没看见我正忙吗", "你办啥 我不知道 找别人去。。。", "不归我管，找别人去；别问我！",
                 "看看看，急急急什么？？没看见我正忙吗?", "您好\n不知道\t找别人去 ～", "a b c d e f g h"]:
        folded = bank.normalizer.full(text)
        edges = Regions(folded).edges(CLAUSE_BREAK)
        for _ in range(300):
            starts = sorted(rng.sample(range(len(folded.norm)), min(len(folded.norm), rng.randint(1, 4))))
            found = [(start, rng.randint(start + 1, len(folded.norm)), rng.choice(lines)) for start in starts]
            asked.append((folded, edges, found))
    for text, edges, found in asked:
        compiled = suggest.rewritten(text, edges, found)
        monkeypatch.setattr(suggest, "_compiled", None)
        assert compiled == suggest.rewritten(text, edges, found), (text.original, found)
        monkeypatch.undo()


@pytest.mark.skipif(suggest._compiled is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_rewrite_refuses_hits_outside_the_text():
    settings = suggest._SETTINGS
    with pytest.raises(ValueError, match="non-empty stretch"):
        suggest._compiled("不归我管", (0, 1, 2, 3), (1, 2, 3, 4), 4, [], [(2, 2, "请您稍候")], settings)
    with pytest.raises(ValueError, match="non-empty stretch"):
        suggest._compiled("不归我管", (0, 1, 2, 3), (1, 2, 3, 4), 4, [], [(2, 9, "请您稍候")], settings)
    with pytest.raises(IndexError, match="outside"):  # offsets shorter than the folded text they stand for
        suggest._compiled("不归我管", (0, 1), (1, 2), 4, [], [(1, 4, "请您稍候")], settings)
    with pytest.raises(ValueError, match="in the original text"):  # offsets past the original's end are never read
        suggest._compiled("不归", (0, 1, 5, 9), (1, 2, 6, 10), 4, [], [(1, 4, "请您稍候")], settings)
    with pytest.raises(TypeError, match="tuple"):
        suggest._compiled("不归我管", (0, 1, 2, 3), (1, 2, 3, 4), 4, [], [[0, 2, "请您稍候"]], settings)
    assert suggest._compiled("不归我管", (0, 1, 2, 3), (1, 2, 3, 4), 4, [], [], settings) is None
    assert suggest._compiled("不归我管", (0, 1, 2, 3), (1, 2, 3, 4), 4, [], [(0, 4, "请您稍候")], settings) == "请您稍候"


@pytest.mark.skipif(latin.latin_rewrite is None, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_latin_rewrite_gives_the_python_rewrite(bank: Checker, monkeypatch):
    normalizer = bank.normalizer
    pieces = ["不gui我管", "找bie人去", "NMD", "sb", "tmd", "zhutiyebuyiyang", "meitu", "华为mate7", "www.meitu.com",
              "@meitu小编", "/private/mobile/", "ni ban sha", "OK", "APP", "haha", "\ue010", "ｇｕｉ", "Dance", "nǐ hǎo",
              "safari", "在safari上", "x", "ab", "您好"]
    rng = random.Random(7)
    texts = [sep.join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for sep in ("", "，", " ", "好的") for _ in range(400)]
    compiled_answers = []
    compiled = latin.latin_rewrite

    def counted(*args):
        found = compiled(*args)
        compiled_answers.append(found is not NotImplemented)
        return found

    monkeypatch.setattr(latin, "latin_rewrite", counted)
    both = [normalizer.source(text, normalizer.front(text)) for text in texts]  # plans every run first
    monkeypatch.setattr(latin, "latin_rewrite", None)
    assert [normalizer.source(text, normalizer.front(text)) for text in texts] == both
    assert sum(compiled_answers) > 900 and compiled_answers.count(False) > 50  # most compiled; spaced pinyin in Python
    assert any(rewrite is not None and rewrite.edges for _, rewrite in both)
