"""A lexicon compiled once is read back by the next process, never stale, never fatal."""

import json
import os
from pathlib import Path

import jieba
import pytest

from phrasecheck import Checker
from phrasecheck.engine import compiled, words
from phrasecheck.engine.words import word_ends

PACK = """\
pack: cached
title: cached
version: '1'
rules:
  - id: {id}
    category: 测试
    severity: error
    scenario: 测试
    phrases: [{phrase}]
    why: 测试用规则。
    suggest: ["请您稍候"]
    source: {{seed: "000", line: "1"}}
    examples: {{flag: [{phrase}], clean: [您好]}}
"""
TEXTS = ["你办啥", "这事不归我管", "您好，请问您办理什么业务？", "不归我管，找别人去", "你自己看着办吧"]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "phrasecheck" / "compiled"


def _write(path: Path, rule_id: str, phrase: str) -> Path:
    path.write_text(PACK.format(id=rule_id, phrase=phrase), encoding="utf-8")
    return path


def _results(checker: Checker) -> list[dict]:
    return [{k: v for k, v in checker.check(t).to_dict().items()} for t in TEXTS]


def test_a_second_load_reads_the_compiled_lexicon_and_checks_alike(cache, monkeypatch):
    first = Checker.load("bank-counter")
    assert len(list(cache.glob("*.pickle"))) == 1

    def no_compiling(self, packs):
        raise AssertionError("compiled again although the cache holds this lexicon")

    monkeypatch.setattr(Checker, "__init__", no_compiling)
    second = Checker.load("bank-counter")
    assert _results(second) == _results(first)
    assert second.check("不归我管，找别人去").violations  # not an empty shell


def test_an_edited_pack_is_compiled_afresh(cache, tmp_path):
    path = _write(tmp_path / "house.yaml", "old-rule", "你办啥")
    assert [v.rule for v in Checker.load(str(path)).check("你办啥").violations] == ["old-rule"]
    _write(path, "new-rule", "找别人去")
    edited = Checker.load(str(path))
    assert edited.check("你办啥").violations == ()
    assert [v.rule for v in edited.check("不归我管，找别人去").violations] == ["new-rule"]
    assert len(list(cache.glob("*.pickle"))) == 2


def _house_on_core(path: Path, phrase: str) -> Path:
    """A house pack on `core`, which brings the normalizer's tables and the category model."""
    text = PACK.format(id="house-rule", phrase=phrase).replace("title: cached\n", "title: cached\nextends: [core]\n")
    path.write_text(text, encoding="utf-8")
    return path


def test_an_edit_reads_the_shared_parts_back_instead_of_building_them(cache, tmp_path, monkeypatch):
    from phrasecheck.engine import classify, normalize

    path = _house_on_core(tmp_path / "house.yaml", "你办啥")
    Checker.load(str(path))
    assert len(list((cache.parent / "parts").glob("*.pickle"))) == 2  # the normalizer, the model
    _house_on_core(path, "爱办不办")

    def no_building(*args, **kwargs):
        raise AssertionError("built again although the cache holds it")

    classify._read_model.cache_clear()  # as in a new process
    with monkeypatch.context() as patched:
        patched.setattr(normalize.Normalizer, "__init__", no_building)
        patched.setattr(classify.CategoryModel, "__init__", no_building)
        edited = Checker.load(str(path))
    assert len(list(cache.glob("*.pickle"))) == 2  # the edit compiled the lexicon afresh
    fresh = Checker(edited.packs)  # built from nothing
    assert edited.check("爱办不办，随你").violations
    for text in [*TEXTS, "爱办不办，随你", "你真是个白痴", "你再这样我就投诉你了"]:
        assert edited.check(text).to_dict() == fresh.check(text).to_dict(), text


def test_a_lexicon_whose_shared_parts_are_gone_is_compiled_afresh(cache, tmp_path):
    import pickle
    import shutil

    path = _house_on_core(tmp_path / "house.yaml", "你办啥")
    expected = _results(Checker.load(str(path)))
    shipped = pickle.dumps(Checker.load(str(path)))  # as to a Spark executor: whole, parts and all
    shutil.rmtree(cache.parent / "parts")
    assert pickle.loads(shipped).check("你办啥").violations
    assert _results(Checker.load(str(path))) == expected
    assert len(list((cache.parent / "parts").glob("*.pickle"))) == 2  # kept again


def test_a_pack_file_is_parsed_once_until_it_changes(cache, tmp_path, monkeypatch):
    from phrasecheck.lexicon import loading

    path = _write(tmp_path / "house.yaml", "house-rule", "你办啥")
    expected = _results(Checker.load(str(path)))
    parsed = cache.parent / "packs"
    (entry,) = parsed.glob("*.pickle")

    def no_parsing(*args):
        raise AssertionError("parsed again although the cache holds this file")

    with monkeypatch.context() as patched:
        patched.setattr(loading, "parse_yaml_mapping", no_parsing)
        assert _results(Checker.load(str(path))) == expected
    entry.write_bytes(b"not a pickle at all")  # a damaged entry is parsed afresh and replaced
    assert _results(Checker.load(str(path))) == expected
    assert entry.stat().st_size > 100


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", b"\x80\x05\x95"])
def test_a_damaged_cache_file_costs_only_a_compile(cache, tmp_path, damage):
    path = _write(tmp_path / "house.yaml", "house-rule", "你办啥")
    expected = _results(Checker.load(str(path)))
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(damage)
    assert _results(Checker.load(str(path))) == expected
    assert entry.stat().st_size > 1000  # replaced by a good one


def test_the_cache_can_be_turned_off(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_CACHE", "off")
    path = _write(tmp_path / "house.yaml", "house-rule", "你办啥")
    assert Checker.load(str(path)).check("你办啥").violations
    assert not cache.exists()


def test_only_the_most_recently_used_lexicons_are_kept(cache, tmp_path):
    cache.mkdir(parents=True)
    for index in range(compiled.KEPT + 5):
        old = cache / f"{index:032x}.pickle"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + index, 1_000_000 + index))
    path = _write(tmp_path / "house.yaml", "house-rule", "你办啥")
    Checker.load(str(path))
    kept = sorted(cache.glob("*.pickle"))
    assert len(kept) == compiled.KEPT
    assert any(p.stat().st_size > 1000 for p in kept)  # the new one stays
    assert not (cache / f"{0:032x}.pickle").exists()  # the oldest went first


def test_the_largest_lexicons_go_first_when_the_cache_outgrows_its_size(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(compiled, "KEPT_BYTES", 50_000)
    cache.mkdir(parents=True)
    big = cache / f"{1:032x}.pickle"
    big.write_bytes(b"x" * 60_000)
    os.utime(big, (1_000_000, 1_000_000))
    path = _write(tmp_path / "house.yaml", "house-rule", "你办啥")
    Checker.load(str(path))
    assert not big.exists()
    assert len(list(cache.glob("*.pickle"))) == 1  # the newest stays, whatever its size


def test_cache_commands_show_and_remove_the_folder(cache, tmp_path):
    from typer.testing import CliRunner

    from phrasecheck.cli import app

    Checker.load(str(_write(tmp_path / "house.yaml", "house-rule", "你办啥")))
    runner = CliRunner()
    shown = runner.invoke(app, ["--no-color", "cache", "info"])
    assert shown.exit_code == 0 and str(cache.parent) in shown.output
    assert " compiled " in shown.output and " 1 " in shown.output
    removed = runner.invoke(app, ["--no-color", "cache", "clean"])
    assert removed.exit_code == 0 and not cache.parent.exists()
    again = runner.invoke(app, ["--no-color", "cache", "clean"])
    assert again.exit_code == 0 and "nothing to remove" in again.output


@pytest.mark.parametrize("path", ["compiled", "python"])
def test_word_edges_are_jiebas_without_loading_jieba(path, monkeypatch):
    """The words jieba's no-HMM cut gives (what the judge's word edges promise), from the compiled
    word graph and from the trie's Python route alike."""
    if path == "compiled" and words.WordGraph is None:
        pytest.skip("the extension is not compiled")
    if path == "python":
        monkeypatch.setattr(words.Dictionary, "graph", lambda self: None)
    texts = ["着急什么呢，我这边在忙", "下一个月再来办理吧", "白痴客户又来了", "请到3号窗口办理ATM卡业务",
             "您的快递单号是SF1234567890", "研究生命起源", "结婚的和尚未结婚的", "第一行\r\n第二行 a b 1 2",
             "ok好的 e.g. 3.5% #1 A&B", "表情😀也算一个字", "\u3000全角空格\xa0之后"]
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "stc3_weibo_helpdesk_zh" / "utterances.jsonl"
    if corpus.exists():
        texts += [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()[:2000]]
    for text in texts:
        expected, position = [], 0
        for word in jieba.cut(text, HMM=False):
            position += len(word)
            expected.append(position)
        assert word_ends(text) == expected, text


def test_a_damaged_word_cache_is_built_again_with_its_graph(cache):
    """Bytes spoiled inside the cached words are caught as the cache is read, not left to turn the
    word graph off: the dictionary is built again from jieba's file."""
    words.dictionary.cache_clear()
    try:
        first = words.dictionary()
        (stored,) = (cache.parent / "words").glob("*.bin")
        data = bytearray(stored.read_bytes())
        middle = len(data) // 3  # inside the words listed by id
        data[middle:middle + 64] = b"\xff" * 64
        stored.write_bytes(bytes(data))
        words.dictionary.cache_clear()
        again = words.dictionary()
        assert again is not first and again.to_bytes() == first.to_bytes()
        if words.WordGraph is not None:
            assert again.graph().word_ends("着急什么呢") == first.graph().word_ends("着急什么呢") == [2, 4, 5]
    finally:
        words.dictionary.cache_clear()


def test_a_dictionary_the_word_graph_cannot_hold_is_cut_in_python():
    """A word beyond the BMP (none of jieba's is) leaves the compiled graph out, not the words."""
    held = words.Dictionary.from_text(["你好 5".encode(), "好吗 3".encode()])
    beyond = words.Dictionary.from_text(["你好 5".encode(), "\U0001F600好 3".encode()])
    assert beyond.graph() is None
    if words.WordGraph is not None:
        assert held.graph() is not None and held.graph().word_ends("你好吗") == [2, 3]


def test_a_process_reading_the_cache_checks_pinyin_without_reading_pypinyin(cache):
    """Reading pypinyin's table takes a quarter second: it belongs to compiling, not to the first
    message a service sees typed in pinyin."""
    import subprocess
    import sys

    code = ("import sys; from phrasecheck import Checker; c = Checker.load('bank-counter');"
            "print(c.check('ni ban sha').decision, 'pypinyin' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    assert first.stdout.split() == ["block", "True"]  # compiled: the syllables come from pypinyin
    assert again.stdout.split() == ["block", "False"]


def test_the_parts_a_process_read_are_not_kept_alive_by_the_cache(cache, tmp_path):
    """A service that reloads its packs reads a normalizer and a model each time: the ones it
    dropped must be freed."""
    import gc
    import weakref

    path = _house_on_core(tmp_path / "house.yaml", "你办啥")
    checker = Checker.load(str(path))
    normalizer = weakref.ref(checker.normalizer)
    del checker
    gc.collect()
    assert normalizer() is None


def test_a_dictionary_lets_its_word_list_go_once_its_graph_holds_it_and_still_writes_the_same_bytes():
    lines = ["着急 10 v", "什么 30 r", "着 5 zg", "急 8 a", "什 1 x", "么 2 y", "呢 40 y", "着急什么 0 x"]
    dictionary = words.Dictionary.from_text(line.encode() for line in lines)
    written = dictionary.to_bytes()
    if words.WordGraph is not None:
        assert dictionary.graph().word_ends("着急什么呢") == [2, 4, 5]
        assert dictionary._words is None  # the graph holds the words; the str (2.7 MB for jieba's) is let go
    assert dictionary.to_bytes() == written
    assert words.Dictionary.from_bytes(written).count("什么") == 30
