"""The fast paths only skip work: each one must agree with the full computation it stands in for,
on real replies and the category training lines (rude and polite, long and short)."""

import json
from pathlib import Path

import pytest

from phrasecheck import Checker
from phrasecheck.engine import automaton, grams, presence
from phrasecheck.engine.automaton import KeyScanner
from phrasecheck.engine.regions import Regions

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "stc3_weibo_helpdesk_zh" / "utterances.jsonl"


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for path in sorted((ROOT / "training" / "categories").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if CORPUS.exists():
        replies = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()[:3000]]
        # and long messages, where a pattern's words are often somewhere in the text but not near each other
        texts += replies + ["，".join(replies[i:i + 8]) for i in range(0, 800, 8)]
    texts += ["您好。。。请问！！！不知道？？？", "", "。", "你办啥" * 30, "看看看，急急急什么？没看见我正忙吗"]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_the_model_gate_finds_every_sentence_the_full_scoring_finds(bank: Checker, texts):
    classifier = bank.sentence_classifier
    for text in texts:
        skim = bank.normalizer.skim(text)
        regions = Regions(bank.normalizer.draft(skim))
        sentences = [(a, b) for a, b in regions.sentences() if classifier.min_chars <= b - a <= classifier.max_chars]
        full = classifier.model.score(sentences, regions.text.norm, classifier.threshold)
        assert classifier.model.above(skim.marked.replace("\x00", ""), classifier.threshold, classifier.min_chars,
                                      classifier.max_chars) == full, text


@pytest.mark.skipif(not grams.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_plain_checks_model_candidates_are_what_the_full_scoring_finds(bank: Checker, texts):
    """The plain check scores the sentences and windows the bounds let through and ends a text
    none of which reaches the threshold: its candidates must be those of the full scoring."""
    classifier = bank.sentence_classifier
    candidates_within = classifier.compiled_bounds()[-1]
    bounded_only = found = 0
    for text in texts:
        skim = bank.normalizer.skim(text)
        if classifier.reads_typed(skim.marked):
            continue  # the twin over sounds reads it: the plain check hands it on unscored
        live, windows = classifier.bounds(skim.marked)
        within = candidates_within(skim.marked.replace("\x00", "").replace("\x01", ""), live, windows)
        assert within == classifier.candidates(skim.marked), text
        bounded_only += bool(live or windows) and not within
        found += bool(within)
    assert bounded_only > 100 and found > 100  # many texts are bounded but score below, many reach it


def test_verifying_the_plausible_hits_finds_what_verifying_every_hit_finds(bank: Checker, texts):
    matcher = bank.matcher
    kept = dropped = 0
    for text in texts:
        skim = bank.normalizer.skim(text)
        hits = matcher.scan(skim.phon, skim.folded)
        draft = bank.normalizer.draft(skim)
        verified = matcher.verify(draft, hits) if hits else []
        plausible = matcher.plausible(skim.folded, skim.phon, hits)
        assert (matcher.verify(draft, plausible) if plausible else []) == verified, text
        kept += bool(verified)
        dropped += sum(len(values) for _, values in hits) - sum(len(values) for _, values in plausible)
    assert kept > 50 and dropped > 1000  # the texts do hold hits, and most of them fail early


def _searched_key_by_key(pattern, text, low, high):
    """What `search` promises: each anchor spelling, each of its keys, each place left to right
    (syllables typed in pinyin read as their words, as a guard reads them)."""
    found = []
    for alternative in pattern.elements[pattern.anchor].alternatives:
        for key in alternative.keys:
            position = text.phon.find(key, low, high)
            while position != -1:
                match = pattern.match_at(text, alternative, position, typed_pinyin=True)
                if match is not None:
                    found.append(match)
                position = text.phon.find(key, position + 1, high)
    return found


def test_context_searches_by_one_scan_equal_searching_key_by_key(bank: Checker, texts):
    patterns = [*bank.judging.frames, *(p for compiled in bank.rules for p, *_ in compiled.unless)]
    found = 0
    for text in texts[::3]:
        draft = bank.normalizer.draft(text)
        length = len(draft.norm)
        for pattern in patterns:
            for low, high in ((0, length), (length // 3, length), (0, length // 2)):
                expected = _searched_key_by_key(pattern, draft, low, high)
                assert pattern.search(draft, low, high) == expected, (text, low, high)
                found += bool(expected)
    assert found > 20


def test_the_fast_check_equals_the_explained_one(bank: Checker, texts):
    """The explain path takes no shortcut: the fast path must reach the same verdicts."""
    for text in texts[::2]:
        fast, explained = bank.check(text).to_dict(), bank.check(text, explain=True).to_dict()
        explained.pop("explain")
        assert fast == explained, text


def test_long_texts_fold_through_the_gather_as_translate_folds_them(bank: Checker, texts):
    """A text of `FlatTable.LONG` characters or more takes numpy's way through the fold and
    phonetic tables; every character must come out as `str.translate` maps it, those beyond the
    BMP (kept) and lone surrogates included."""
    normalizer = bank.normalizer
    odd = "😀𠀀𰾭ｂｕ　ｇｕｉ㎏Ⓐ\u200b\ud800\U0010ffff"
    every_bmp = "".join(map(chr, range(0x10000)))
    for table in (normalizer._fold_flat, normalizer._phonetic_flat):
        joined, current = [], ""
        for text in texts:  # runs of the corpus's texts, each just over LONG characters
            current += text + odd
            if len(current) >= table.LONG:
                joined.append(current)
                current = ""
        assert len(joined) > 10
        for text in [*joined, every_bmp]:
            assert len(text) >= table.LONG
            assert table(text) == text.translate(table.table)


def test_a_context_search_finds_the_same_with_or_without_the_anchor_presence_shortcut(bank: Checker, texts):
    contexts = list(dict.fromkeys([*bank.judging.frames, *bank.judging.not_reported, *bank.judging.not_excusing,
                                   *(unless[0] for rule in bank.rules for unless in rule.unless)]))
    assert all(pattern.presence is not None for pattern in contexts)
    found = 0
    for text in texts[::5]:
        draft = bank.normalizer.draft(bank.normalizer.skim(text))
        windows = [(0, len(draft.phon)), (len(draft.phon) // 3, 2 * len(draft.phon) // 3 + 1)]
        shortcut = [[pattern.search(draft, low, high) for low, high in windows] for pattern in contexts]
        presence = [pattern.presence for pattern in contexts]
        try:
            for pattern in contexts:
                pattern.presence = None
            assert [[pattern.search(draft, low, high) for low, high in windows] for pattern in contexts] == shortcut, text
        finally:
            for pattern, kept in zip(contexts, presence):
                pattern.presence = kept
        found += sum(bool(matches) for per_pattern in shortcut for matches in per_pattern)
    assert found > 500  # the contexts do occur in these texts


@pytest.mark.skipif(not grams.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_the_compiled_anchor_presence_marks_every_anchored_context_and_few_others(bank: Checker, texts):
    """The compiled presence looks up each anchor key's first three characters: it may mark a
    context whose anchor only starts in the text (searched, found absent), never miss one."""
    owners = bank.rules[0].unless[0][0].presence._owners
    exact = KeyScanner(owners)
    compiled = presence.AnchorPresence()
    compiled._owners = owners
    marked = anchored = 0
    for text in texts:
        draft = bank.normalizer.draft(bank.normalizer.skim(text))
        truth, found = presence._union(exact, draft.phon), compiled.anchored(draft)
        assert found & truth == truth, text
        anchored, marked = anchored + truth.bit_count(), marked + found.bit_count()
    assert anchored > 1000 and marked <= 1.2 * anchored


@pytest.mark.skipif(not grams.COMPILED, reason="phrasecheck/engine/_native.c was not compiled by the install")
def test_a_gram_table_union_needs_a_value_per_key():
    table = grams.GramTable(["ab", "c"], [0.0, 0.0])
    assert table.union("xabc abx", (1, 4)) == 5 and table.union("xyz", (1, 4)) == 0
    with pytest.raises(ValueError, match="one int per key"):
        table.union("abc", (1,))
    # values of several machine words, another tuple after them, and ints no word holds (negative)
    wide = (1 << 200 | 1, 1 << 64)
    assert table.union("xabc", wide) == (1 << 200 | 1 << 64 | 1) and table.union("c", wide) == 1 << 64
    assert table.union("ab", (2, 8)) == 2 and table.union("abc", (-2, 1)) == -1 and table.union("abc", (3, 1 << 70)) == 3 | 1 << 70
    # as bytes, what the judge's per-text object reads: the same bits, little-endian, whatever their width
    for text, values in (("xabc abx", (1, 4)), ("xyz", (1, 4)), ("xabc", wide), ("c", wide), ("abc", (3, 1 << 70))):
        bits = table.union(text, values)
        found = table.union(text, values, True)
        assert int.from_bytes(found, "little") == bits and len(found) >= (bits.bit_length() + 7) // 8, text


def test_each_way_of_scanning_the_matchers_keys_finds_what_scanning_the_text_finds(bank: Checker, texts, monkeypatch):
    """The matcher's scan is compiled (`KeyAutomaton`, one step a character) or, where it is not,
    reads UTF-16 code units (a smaller automaton than over UTF-8); either must find the hits a scan
    of the text finds, at the same character offsets, in the same order."""
    table = dict(zip(bank.matcher._scanner.keys, bank.matcher._scanner.values))
    compiled, by_text = KeyScanner(table, units=True), KeyScanner(table)
    assert (compiled.compiled() is not None) == grams.COMPILED  # built now, before the extension is taken away
    monkeypatch.setattr(automaton, "KeyAutomaton", None)  # as where the extension is not compiled
    by_units = KeyScanner(table, units=True)
    assert by_units.in_units and not by_text.in_units and not compiled.in_units
    edges = ["𠮶个不归我管", "😀你办啥😀急什么", "急什么🙂🙂没看见我正忙吗"]  # beyond the BMP
    found = 0
    for text in [*texts, *edges]:
        phon = bank.normalizer.skim(text).phon
        assert compiled.matches(phon) == by_units.matches(phon) == by_text.matches(phon), text
        found += bool(by_text.matches(phon))
    assert found > 1000


def test_a_key_met_across_two_characters_code_units_is_no_hit(monkeypatch):
    # 中 is the code unit 4E 2D; 「N\u2d00」 (00 4E, 2D 00) holds those bytes across its two characters
    for compiled in (automaton.KeyAutomaton, None):
        monkeypatch.setattr(automaton, "KeyAutomaton", compiled)
        scanner = KeyScanner({"中": "zhong"}, units=True)
        assert scanner.matches("N\u2d00") == [] and scanner.hits("😀中") == [(1, "zhong")]
        beyond = KeyScanner({"𠮶个": "that"}, units=True)  # a key beyond the BMP: the text is scanned
        assert not beyond.in_units and beyond.hits("你𠮶个") == [(2, "that")]


def test_the_judge_excuses_the_same_when_it_skips_contexts_anchored_nowhere(bank: Checker, texts):
    """`CompiledRule.guards` lets a hit past every context its text anchors none of in one test;
    searching them all (no presence: bit -1) must excuse exactly the same hits."""
    shortcut = [bank.check(text).to_dict() for text in texts]
    saved = {}
    try:
        for compiled in bank.rules:
            saved[compiled.id] = compiled.guards
            compiled.__dict__["guards"] = tuple((presence.Anchored(contexts, None), tuple((-1, *rest) for _, *rest in guards))
                                                for contexts, guards in compiled.guards)
            assert all(contexts.live(None) == (-1 if contexts else 0) for contexts, _ in compiled.guards)
        assert [bank.check(text).to_dict() for text in texts] == shortcut
    finally:
        for compiled in bank.rules:
            compiled.__dict__["guards"] = saved[compiled.id]
    assert sum(bool(result["violations"]) for result in shortcut) > 300


def test_the_judge_lists_leave_out_no_pattern_that_matches_and_survive_a_pickle(bank: Checker, texts):
    """`Anchored.within` lists the frames, mentions… a text may anchor: never one that matches it."""
    import pickle

    lists = [getattr(bank.judging, field) for field in ("frames", "not_reported", "not_excusing", "mentions", "report_ends",
                                                          "quote_talk")]
    assert all(isinstance(patterns, presence.Anchored) and patterns.mask > 0 for patterns in lists)
    matched = left_out = 0
    for text in texts[::3]:
        draft = bank.normalizer.draft(bank.normalizer.skim(text))
        for patterns in lists:
            listed = patterns.within(draft)
            for pattern in patterns:
                if pattern.search(draft):
                    matched += 1
                    assert pattern in listed, (text, pattern)
                else:
                    left_out += pattern not in listed
    assert matched > 100 and left_out > 10 * matched  # most lists are skipped whole
    copy = pickle.loads(pickle.dumps(lists[0]))
    assert [p.presence_bit for p in copy] == [p.presence_bit for p in lists[0]] and copy.mask == lists[0].mask
    assert all(pattern.presence is copy.presence for pattern in copy)  # one presence, as the checker's


def test_a_lone_surrogate_comes_back_as_a_replacement_character_on_every_path(bank: Checker):
    """No plain check takes a text with a lone surrogate: it is made encodable where it goes on."""
    for text in ("\ud800不归我管，找别人去", "不归我管，找别人去\udfff", "您好\ud800，请稍等", "好的 \ud800您稍等"):
        encodable = text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
        for result in (bank.check(text), bank.check(text, explain=True), bank.check(text, role="customer")):
            assert result.text == encodable
            json.dumps(result.to_dict(), ensure_ascii=False).encode("utf-8")  # would raise on a surrogate
        assert bank.check(text).to_dict() == bank.check(encodable).to_dict()
    assert bank.check("\ud800不归我管，找别人去").decision == "block"
