"""House word lists: a team's 禁语 file read into entries, each with the line it came from.

A TXT list has one entry a line (blank lines and `#` comments skipped, also a ` # note` after an
entry and what follows a tab); a CSV (or TSV) list has the entry in its first column, or in the
column a header row names, and an optional `suggest` column.  UTF-8, UTF-8-BOM and GBK, as every other file the tool reads.  Folding
(and so "is this entry empty?") belongs to the engine; this module only reads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import LexiconError
from ..textfile import decode_text
from .limits import limits, shown
from .reading import read_bounded

# Header names a CSV list's columns may have (lower-cased, stripped).
WORD_HEADERS = frozenset({"word", "words", "entry", "phrase", "term", "词", "词语", "禁语", "敏感词", "关键词", "违禁词", "词条"})
SUGGEST_HEADERS = frozenset({"suggest", "suggestion", "建议", "应说", "替换", "替换词", "建议用语"})
# Columns the list cannot honour per entry: a rule has one category and one severity.
PER_RULE_HEADERS = {"category": "category", "类别": "category", "分类": "category",
                    "severity": "severity", "级别": "severity", "等级": "severity"}
_TRAILING_COMMENT = re.compile(r"\s#")


@dataclass(frozen=True)
class WordList:
    """A list's entries as written, each with its line; parallel tuples, since a list may hold
    tens of thousands of entries and an object each would cost more than reading them."""

    rule: str
    path: Path  # the list file; for an inline list, the pack file
    inline: bool
    entries: tuple[str, ...]
    lines: tuple[int, ...]  # each entry's line in the file (1-based); inline: its position in the list
    suggests: tuple[str | None, ...] | None  # each entry's own standard line (a CSV `suggest` column)
    digest: str  # of the file's bytes (inline lists: of the entries), part of the lexicon version

    def where(self, line: int) -> str:
        """An entry's place in an error message: file and line, or the pack's rule and position."""
        if self.inline:
            return f"{self.path}: rule {self.rule!r}: phrase_list entry {line}"
        return f"{self.path}:{line}"

    def cite(self, line: int) -> str:
        """An entry's place as a violation's source: short, like a seed citation."""
        return f"{self.path.name} phrase_list, entry {line}" if self.inline else f"{self.path.name}, line {line}"


def read_word_list(rule: str, path: Path) -> WordList:
    """The entries of a TXT or CSV list file; a problem is one line naming the file (and line)."""
    raw = read_bounded(path, "list_bytes", f"word list file (rule {rule!r})")
    text = decode_text(raw, str(path), error=LexiconError)
    _check_count(text, path)
    if path.suffix.lower() in (".csv", ".tsv"):
        entries, lines, suggests = _csv_words(text, path, "\t" if path.suffix.lower() == ".tsv" else ",")
    else:
        (entries, lines), suggests = _txt_words(text), None
    if not entries:
        raise LexiconError(f"{path}: the word list has no entries (rule {rule!r})")
    _check_lengths(entries, lines, lambda line: f"{path}:{line}")
    return WordList(rule, path, False, entries, lines, suggests, hashlib.sha256(raw).hexdigest())


def _check_count(text: str, path: Path) -> None:
    """No more entries than the lexicon may compile to, counted before they are split out: 16 MiB
    of one-character lines would be millions of strings (650 MB) only to be refused."""
    most = limits().forms
    if text.count("\n") < most:
        return
    count = sum(1 for line in io.StringIO(text) if line.strip() and not line.lstrip().startswith("#"))
    if count > most:
        raise LexiconError(f"{path}: {count:,} entries; {limits().expected('forms')}")


def _check_lengths(entries: Sequence[str], lines: Sequence[int], where) -> None:
    """Every entry within the phrase limit (one pass in C for the lengths: a list is long)."""
    most = limits().phrase_chars
    if max(map(len, entries), default=0) > most:
        index = next(i for i, entry in enumerate(entries) if len(entry) > most)
        raise LexiconError(f"{where(lines[index])}: entry {shown(entries[index])} has {len(entries[index]):,} characters; "
                           f"{limits().expected('phrase_chars', ' characters')}")


def inline_word_list(rule: str, pack_path: Path, words: Sequence[str]) -> WordList:
    digest = hashlib.sha256("\n".join(words).encode()).hexdigest()
    return WordList(rule, pack_path, True, tuple(w.strip() for w in words), tuple(range(1, len(words) + 1)), None, digest)


def _txt_words(text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Entries and their line numbers (comprehensions: this runs once per line of a long list)."""
    stripped = [line.strip() for line in text.split("\n")]
    lines = tuple(number for number, word in enumerate(stripped, 1) if word and word[0] != "#")
    entries = [stripped[number - 1] for number in lines]
    if any("#" in word or "\t" in word for word in entries):  # a note, or a spreadsheet's other columns
        entries = [_TRAILING_COMMENT.split(word, 1)[0].split("\t", 1)[0].rstrip() for word in entries]
    return tuple(entries), lines


def _csv_words(text: str, path: Path, delimiter: str) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str | None, ...] | None]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _rows(reader, path)
    except csv.Error as error:
        raise LexiconError(f"{path}:{reader.line_num}: invalid CSV ({error})") from None


def _rows(reader, path: Path) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str | None, ...] | None]:
    entries: list[str] = []
    lines: list[int] = []
    suggests: list[str | None] = []
    word_column, suggest_column = 0, None
    first = True
    for row in reader:
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if first:
            first = False
            names = [cell.lower() for cell in cells]
            if any(name in WORD_HEADERS or name in SUGGEST_HEADERS or name in PER_RULE_HEADERS for name in names):
                for name in names:
                    if name in PER_RULE_HEADERS:
                        raise LexiconError(
                            f"{path}:{reader.line_num}: a per-entry `{PER_RULE_HEADERS[name]}` column is not supported: "
                            f"put the entries of each {PER_RULE_HEADERS[name]} in a list rule of its own"
                        )
                word_column = next((i for i, name in enumerate(names) if name in WORD_HEADERS), 0)
                suggest_column = next((i for i, name in enumerate(names) if name in SUGGEST_HEADERS), None)
                continue
        word = cells[word_column] if word_column < len(cells) else ""
        if not word:
            raise LexiconError(f"{path}:{reader.line_num}: no entry in column {word_column + 1}")
        suggest = cells[suggest_column] if suggest_column is not None and suggest_column < len(cells) else ""
        entries.append(word)
        lines.append(reader.line_num)
        suggests.append(suggest or None)
    return tuple(entries), tuple(lines), (tuple(suggests) if suggest_column is not None else None)


def list_pack_text(pack: str, list_file: str, rule: str, category: str, severity: str, extends: Sequence[str],
                   phonetic: bool = False) -> str:
    """The YAML of a pack holding one list rule (what `phrasecheck lexicon import` writes), with a
    comment on what else a list rule may say."""
    import yaml  # only the import command writes YAML

    rule_body: dict = {"id": rule, "category": category, "severity": severity, "phrase_list": {"file": list_file}}
    if phonetic:
        rule_body["phonetic"] = True
    data = {"pack": pack, "title": f"House word list {Path(list_file).name}", "version": "1",
            "description": f"{Path(list_file).name}, imported by `phrasecheck lexicon import`."}
    if extends:
        data["extends"] = list(extends)
    data["rules"] = [rule_body]
    header = (
        "# A house word list as a pack: every entry of the list file is banned, matched folded-exact\n"
        "# (width, case, 繁→简, symbols between characters).  A list rule may also say `why`, `suggest`,\n"
        "# `phonetic: true` (homophones too), `phrase_list: {file: …, regional: true}`, `unless`, `roles`.\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
