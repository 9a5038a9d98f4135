"""jieba's dictionary, loaded once and only when needed: word edges for judging, word frequencies
for choosing which element of a pattern is rare enough to anchor the candidate scan.

jieba keeps its dictionary as a Python dict of every word and every prefix of one (~500,000
strings, ~0.9 s to load in each process).  Here the words go into a marisa trie instead, built
once from jieba's own `dict.txt` and kept in the cache folder (`lexicon.cache`): a new process
reads it in a few milliseconds, and the words starting at a position come from one trie call.
"""

from __future__ import annotations

import importlib.util
import math
import re
import struct
from array import array
from functools import lru_cache
from pathlib import Path

import marisa_trie

from ..lexicon.cache import cache_path, fetch, store

try:
    from ._native import WordGraph
except ImportError:  # not compiled: the route is found in Python
    WordGraph = None

HOMOPHONE_BREADTH = 20  # a single character's phonetic key also matches its many homophones
_HEADER = struct.Struct("<QIII")  # total count, number of words, longest word, size of the words' text


class Dictionary:
    """jieba's words and counts: `counts[id]` is the count of the word whose trie key id is `id`;
    `words`, the words by id joined by newlines, is what the compiled `WordGraph` reads (and is
    let go once it has)."""

    def __init__(self, trie: marisa_trie.Trie, counts: array, total: int, longest: int, words: str):
        self.trie, self.counts, self.total, self.longest = trie, counts, total, longest
        self._words = words
        self._graph = None
        self._log_total = math.log(total)
        self._weights: dict[int, float] = {}  # filled as texts use words

    @classmethod
    def from_text(cls, lines) -> "Dictionary":
        """jieba's `gen_pfdict`: `word count [tag]` per line; a word listed twice keeps its last
        count and adds both to the total; a word counted 0 is only a prefix."""
        found: dict[str, int] = {}
        total = 0
        for line in lines:
            word, count = line.strip().decode("utf-8").split(" ")[:2]
            found[word] = int(count)
            total += int(count)
        trie = marisa_trie.Trie(word for word, count in found.items() if count)
        by_id = _words_by_id(trie)
        counts = array("I", map(found.__getitem__, by_id))
        return cls(trie, counts, total, max(map(len, by_id), default=1), "\n".join(by_id))

    def to_bytes(self) -> bytes:
        words = (self._words if self._words is not None else "\n".join(_words_by_id(self.trie))).encode("utf-8")
        return (_HEADER.pack(self.total, len(self.counts), self.longest, len(words)) + self.counts.tobytes() + words
                + self.trie.tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "Dictionary":
        total, size, longest, words_size = _HEADER.unpack_from(data)
        start = _HEADER.size
        counts = array("I")
        counts.frombytes(data[start : start + 4 * size])
        start += 4 * size
        words = data[start : start + words_size].decode("utf-8")  # damaged: UnicodeDecodeError, a ValueError
        if size and words.count("\n") != size - 1:
            raise ValueError("the cached words do not match their counts")
        return cls(marisa_trie.Trie().frombytes(data[start + words_size :]), counts, total, longest, words)

    def graph(self):
        """The compiled `WordGraph` of these words (~0.05 s to build, on the first word edge a
        process needs), or None where the extension is not compiled or cannot hold them (a word
        beyond the BMP or over 255 characters; jieba's have neither)."""
        if self._graph is None:
            try:
                self._graph = WordGraph(self._words, self.counts, self._log_total) if WordGraph else False
            except ValueError:
                self._graph = False  # the Python route serves
            if self._graph:
                self._words = None  # the graph holds them: 2.7 MB less (`to_bytes` lists them again from the trie)
        return self._graph or None

    def count(self, word: str) -> int:
        key = self.trie.get(word)
        return 0 if key is None else self.counts[key]

    def starting(self, text: str, start: int) -> list[tuple[int, float]]:
        """(length, log probability) of each dictionary word at `text[start:]`, shortest first."""
        weights = self._weights
        found = []
        for word, key in self.trie.iter_prefixes_with_ids(text[start : start + self.longest]):
            weight = weights.get(key)
            if weight is None:
                weight = weights[key] = math.log(self.counts[key]) - self._log_total
            found.append((len(word), weight))
        return found

    def unknown_weight(self) -> float:
        """A character no word starts with counts once."""
        return -self._log_total


def _words_by_id(trie: marisa_trie.Trie) -> list[str]:
    by_id = [""] * len(trie)
    for word, key in trie.iteritems():
        by_id[key] = word
    return by_id


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """The trie from the cache folder, or built from jieba's file (found without importing jieba,
    whose import alone costs a cold start 0.15 s) and kept there, keyed by the file's path,
    size and time."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed: phrasecheck reads its dictionary (pip install jieba)")
    source = Path(spec.origin).parent / "dict.txt"
    stat = source.stat()
    cached = cache_path("words", f"{source}\n{stat.st_size}\n{stat.st_mtime_ns}\nwords by id", ".bin")
    data = fetch(cached) if cached is not None else None
    if data is not None:
        try:
            return Dictionary.from_bytes(data)
        except (ValueError, struct.error, RuntimeError):
            pass  # damaged: built again below
    built = Dictionary.from_text(source.read_bytes().splitlines())
    if cached is not None:
        store(cached, built.to_bytes(), keep=2)  # another release's trie is another key
    return built


@lru_cache(maxsize=1 << 16)
def frequency(text: str) -> int:
    """Roughly how common `text` is: jieba's count for a dictionary word; for any other string the
    count of its rarest character, divided by 10 per further character.  Asked of each spelling of
    each pattern's required words as a pack compiles (28,000 times for `core`, most of them again)."""
    words = dictionary()
    if len(text) == 1:
        return (words.count(text) or 1) * HOMOPHONE_BREADTH
    known = words.count(text)
    if known:
        return known
    return max(1, min(words.count(ch) or 1 for ch in text) // 10 ** (len(text) - 1))


_HAN_RUN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")  # jieba's re_han_default
_SPACE_RUN = re.compile("(\r\n|\\s)")  # jieba's re_skip_default
_SINGLE_LATIN = re.compile("[a-zA-Z0-9]")  # jieba's re_eng


def word_ends(text: str) -> list[int]:
    """Where each word of `text` ends: jieba's `cut(text, HMM=False)`, computed without its
    generators (the judge asks this of every clause that holds a hit); in one compiled call
    (`WordGraph`) where the extension is."""
    graph = dictionary().graph()
    if graph is not None:
        return graph.word_ends(text)
    ends: list[int] = []
    offset = 0
    for block in _HAN_RUN.split(text):
        if not block:
            continue
        if _HAN_RUN.match(block):
            _dictionary_ends(block, offset, ends)
        else:  # runs of white space whole, any other character alone
            for piece in _SPACE_RUN.split(block):
                if _SPACE_RUN.match(piece):
                    ends.append(offset + len(piece))
                else:
                    ends.extend(range(offset + 1, offset + len(piece) + 1))
                offset += len(piece)
            continue
        offset += len(block)
    return ends


def _dictionary_ends(block: str, offset: int, ends: list[int]) -> None:
    """jieba's maximum-probability route through the block's dictionary words; single Latin
    letters and digits in a row make one word, as jieba's no-HMM cut joins them."""
    words = dictionary()
    unknown = words.unknown_weight()
    size = len(block)
    scores = [0.0] * (size + 1)  # best log probability of block[i:]
    nexts = [0] * (size + 1)  # where the best route's first word from i ends
    for start in range(size - 1, -1, -1):
        best, best_end = None, start + 1
        for length, weight in words.starting(block, start):
            total = weight + scores[start + length]
            if best is None or total >= best:  # a tie goes to the longer word, as jieba's max()
                best, best_end = total, start + length
        if best is None:  # no dictionary word starts here: the character alone
            best = unknown + scores[start + 1]
        scores[start], nexts[start] = best, best_end
    position, latin = 0, False
    while position < size:
        after = nexts[position]
        single_latin = after - position == 1 and _SINGLE_LATIN.match(block[position]) is not None
        if latin and not single_latin:
            ends.append(offset + position)  # the end of the run of single letters before this word
        if not single_latin:
            ends.append(offset + after)
        latin = single_latin
        position = after
    if latin:
        ends.append(offset + size)
