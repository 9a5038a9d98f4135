"""JSON as transcript files hold it: one value a line, whole documents, JSON embedded in a string.

One decoder reads them all, with the same rules:
- NaN, Infinity and -Infinity (not JSON, but Python's json module and pandas write NaN for a
  missing value), and float literals past the float range (1e999), are read as null;
- a number of more than Python's 4,300 digits, nesting deeper than `Limits.json_depth`, and a
  value longer than `Limits.line_bytes` (or a document whose parts read whole, the long lists
  aside, add up to more) are one-line errors naming the line.

A document is walked, not loaded: the objects on the way to a format's long list (its
conversations, turns or sentences: the paths formats register with `add_routes`) are read key by
key, every other value whole by the C decoder.  Such a list, once its items pass `STREAM_CHARS`,
becomes a `Stream` that keeps only its first item (what format detection looks at) and reads the
items from the file again, one at a time, whenever it is iterated: memory holds one item, not
the document.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any, Callable, Iterable, Iterator

from ..errors import InputError
from .limits import Limits

STREAM_CHARS = 2**20  # a list whose items take more text than this is streamed (or a quarter of the limit)
CHUNK = 2**20  # characters decoded at a time
_NEAR_END = 16  # a parse error this close to the end of what was read may only mean "read on"
_HELD = 48  # characters a held value is counted beyond its text: what a Python object costs besides

_SPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")
_BRACKET = re.compile(r"[\[\]{}]")
_LONG_NUMBER = re.compile(r"(?<![\d.eE+-])-?\d{%d}" % (sys.get_int_max_str_digits() + 1))
_ROUTES: set[tuple[str, ...]] = set()  # where the long lists stand


def _finite(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


_DECODER = json.JSONDecoder(parse_constant=lambda name: None, parse_float=_finite)


def add_routes(paths: Iterable[str]) -> None:
    """Register where a format's long lists stand: dotted keys, "" for a top-level list."""
    _ROUTES.update(tuple(path.split(".")) if path else () for path in paths)


class _Bad(Exception):
    """A value that cannot be read: why, where in the text, whether the decoder said it (its
    messages end with the column), and whether it may only mean that the text read so far ends
    inside the value."""

    def __init__(self, reason: str, pos: int, decoder: bool = False, maybe_cut: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.pos, self.decoder, self.maybe_cut = reason, pos, decoder, maybe_cut


def _parse(text: str, start: int, limit: int, above: int = 0) -> tuple[Any, int]:
    """The JSON value at text[start] and where it ends, inside `above` levels of nesting of at
    most `limit`."""
    depth = limit - above
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        cut = error.pos >= len(text) - _NEAR_END or error.msg.startswith("Unterminated string")
        raise _Bad(error.msg.removesuffix(" at"), error.pos, decoder=True, maybe_cut=cut) from None
    except RecursionError:
        raise _Bad(f"nested more than {limit} levels deep", _too_deep(text, start, len(text), depth) or start) from None
    except ValueError:  # int() refuses the digits
        found = _LONG_NUMBER.search(_blank_strings(text, start, len(text)))
        raise _Bad(f"a number of more than {sys.get_int_max_str_digits()} digits",
                   start + (found.start() if found else 0)) from None
    deep = _too_deep(text, start, end, depth)
    if deep is not None:
        raise _Bad(f"nested more than {limit} levels deep", deep)
    return value, end


def _blank_strings(text: str, start: int, end: int) -> str:
    """text[start:end] with every JSON string blanked out, positions kept."""
    return _STRING.sub(lambda found: " " * len(found[0]), text[start:end])


def _too_deep(text: str, start: int, end: int, depth: int) -> int | None:
    """Where text[start:end] nests deeper than `depth`, or None.  Linear: each pass of the C regex
    engine removes the innermost pairs, so `depth` passes empty any value that is not too deep."""
    if text.count("[", start, end) + text.count("{", start, end) <= depth:
        return None
    blank = _blank_strings(text, start, end)
    brackets = _NOT_BRACKET.sub("", blank)
    for _ in range(depth):
        brackets = _PAIR.sub("", brackets)
        if not _PAIR.search(brackets):
            return None
    level = 0
    for found in _BRACKET.finditer(blank):
        level += 1 if found[0] in "[{" else -1
        if level > depth:
            return start + found.start()
    return None


def load_json(text: str, name: str, first_line: int = 1, limits: Limits | None = None) -> Any:
    """A JSON value filling `text` (a JSONL line, a short document); errors name the line."""
    walk = _Walk(_Window(iter((text,)), keep=True), name, limits or Limits.from_environment(), first_line)
    return walk.document(routes=False)


def embedded_json(value: Any, where: str, limits: Limits | None = None) -> Any:
    """A field holding JSON as a string (iFlytek orderResult, json_1best; sometimes Alibaba Result)."""
    if not isinstance(value, str):
        return value
    limits = limits or Limits.from_environment()
    if len(value) > limits.line_bytes:
        raise InputError(f"{where}: embedded JSON of {len(value):,} characters, over the limit of "
                         f"{limits.line_bytes:,} (PHRASECHECK_MAX_LINE_BYTES)")
    try:
        found, end = _parse(value, _SPACE.match(value).end(), limits.json_depth)
        if value[end:].strip():
            raise _Bad("Extra data", end)
    except _Bad as bad:
        raise InputError(f"{where}: invalid embedded JSON ({bad.reason} at character {bad.pos})") from None
    return found


class Stream(list):
    """A long list of a document, read from the file one item at a time whenever it is iterated.
    As a list it holds the first item only: indexing and truth see that, `len` is not the count."""

    def __init__(self, first: Any, items: Callable[[], Iterator[Any]]) -> None:
        super().__init__((first,))
        self._items = items

    def __iter__(self) -> Iterator[Any]:
        return self._items()


class _Window:
    """Decoded text read in chunks as the walk needs it; positions are absolute, and what was
    read past is dropped (unless `keep`: the text is held anyway)."""

    def __init__(self, chunks: Iterator[str], keep: bool = False) -> None:
        self._chunks, self.keep = chunks, keep
        self.text, self.base, self.eof = "", 0, False
        self.line, self.line_start = 1, 0  # the line number and line start at `base`

    def more(self, pos: int, need: int = CHUNK) -> bool:
        """Read until `need` characters stand from `pos` on; False at the end of the file."""
        grew = False
        while not self.eof and len(self.text) - (pos - self.base) < need:
            chunk = next(self._chunks, None)
            if chunk is None:
                self.eof = True
            else:
                self.text += chunk
                grew = True
        return grew

    def char(self, pos: int) -> str:
        if pos - self.base >= len(self.text):
            self.more(pos)
        return self.text[pos - self.base:pos - self.base + 1]

    def drop(self, pos: int) -> None:
        """Forget the text before `pos` once it is long enough to be worth the copy."""
        if not self.keep and pos - self.base >= CHUNK:
            self._cut(pos - self.base)

    def seek(self, pos: int) -> None:
        """Read on to `pos`, forgetting the text before it."""
        while not self.keep and self.base + len(self.text) < pos and not self.eof:
            self._cut(len(self.text))
            self.more(self.base, 1)
        self.more(pos)
        if not self.keep:
            self._cut(pos - self.base)

    def _cut(self, cut: int) -> None:
        newline = self.text.rfind("\n", 0, cut)
        if newline >= 0:
            self.line += self.text.count("\n", 0, cut)
            self.line_start = self.base + newline + 1
        self.text, self.base = self.text[cut:], self.base + cut

    def where(self, pos: int) -> tuple[int, int]:
        """Line and column of `pos`."""
        at = pos - self.base
        newline = self.text.rfind("\n", 0, at)
        start = self.base + newline + 1 if newline >= 0 else self.line_start
        return self.line + self.text.count("\n", 0, at), pos - start + 1


class _Walk:
    """One pass over a JSON text (rules in the module docstring)."""

    def __init__(self, window: _Window, name: str, limits: Limits, first_line: int = 1,
                 reopen: Callable[[], Iterator[str]] | None = None) -> None:
        self.w, self.name, self.limits, self.reopen = window, name, limits, reopen
        self.w.line = first_line
        self.pos = 0
        self.kept = 0  # characters of the values held (a streamed list's items are not)

    def document(self, routes: bool = True, whole: bool = True) -> Any:
        """The value the text holds; with `whole` False, (the first value, whether more follows)."""
        prefixes = {route[:end] for route in _ROUTES for end in range(len(route))} if routes else set()
        self.routes, self.prefixes = (_ROUTES if routes else set()), prefixes
        self.space()
        if not self.w.char(self.pos):
            raise self.error("Expecting value", self.pos)
        value = self.value((), 0)
        self.space()
        more = bool(self.w.char(self.pos))
        if not whole:
            return value, more
        if more:
            raise self.error("Extra data", self.pos)
        return value

    def value(self, path: tuple[str, ...], depth: int) -> Any:
        self.space()
        char = self.w.char(self.pos)
        if char == "{" and path in self.prefixes:
            return self.object(path, depth + 1)
        if char == "[" and path in self.routes:
            return self.array(depth + 1)
        start = self.pos
        value = self.raw(depth)
        self.keep(self.pos - start)
        return value

    def object(self, path: tuple[str, ...], depth: int) -> dict[str, Any]:
        self.check_depth(depth)
        self.pos += 1
        found: dict[str, Any] = {}
        self.space()
        if self.w.char(self.pos) == "}":
            self.pos += 1
            return found
        while True:
            self.space()
            if self.w.char(self.pos) != '"':
                raise self.error("Expecting property name enclosed in double quotes", self.pos)
            start = self.pos
            key = self.raw(depth)
            self.keep(self.pos - start)
            self.space()
            if self.w.char(self.pos) != ":":
                raise self.error("Expecting ':' delimiter", self.pos)
            self.pos += 1
            found[key] = self.value((*path, key), depth)
            if self.delimiter("}"):
                return found

    def array(self, depth: int) -> list[Any]:
        self.check_depth(depth)
        start, items, size = self.pos, [], 0
        threshold = min(STREAM_CHARS, self.limits.line_bytes // 4)
        for item, length in self.items(depth):
            if size <= threshold:
                items.append(item)
                size += length
                self.keep(length)
                if size > threshold and self.reopen is not None:
                    del items[1:]
        if size <= threshold or self.reopen is None:
            return items
        return Stream(items[0], lambda: self.replay(start, depth))

    def items(self, depth: int) -> Iterator[tuple[Any, int]]:
        """The items of the list at `pos`, each with the length of its text."""
        self.pos += 1
        self.space()
        if self.w.char(self.pos) == "]":
            self.pos += 1
            return
        while True:
            self.space()
            begin = self.pos
            item = self.raw(depth)
            yield item, self.pos - begin
            self.w.drop(self.pos)
            if self.delimiter("]"):
                return

    def replay(self, start: int, depth: int) -> Iterator[Any]:
        """The items of the list at `start`, read again from the file."""
        assert self.reopen is not None
        walk = _Walk(_Window(self.reopen(), self.w.keep), self.name, self.limits)
        walk.w.seek(start)
        walk.pos = start
        return (item for item, _ in walk.items(depth))

    def delimiter(self, close: str) -> bool:
        """Past a comma (False) or the closing bracket (True)."""
        self.space()
        char = self.w.char(self.pos)
        if char not in (",", close) or not char:
            raise self.error("Expecting ',' delimiter", self.pos)
        self.pos += 1
        return char == close

    def raw(self, depth: int) -> Any:
        """One value, decoded whole by the C decoder."""
        need = CHUNK
        while True:
            rel = self.pos - self.w.base
            self.w.more(self.pos, need)
            try:
                value, end = _parse(self.w.text, rel, self.limits.json_depth, depth)
            except _Bad as bad:
                if bad.maybe_cut and not self.w.eof and len(self.w.text) - rel <= self.limits.line_bytes:
                    need *= 2
                    continue
                if bad.maybe_cut and not self.w.eof:
                    raise self.too_long() from None
                raise self.error(bad.reason, self.w.base + bad.pos, bad.decoder) from None
            if end == len(self.w.text) and not self.w.eof:  # a number may go on
                need *= 2
                continue
            if end - rel > self.limits.line_bytes:
                raise self.too_long()
            self.pos = self.w.base + end
            return value

    def space(self) -> None:
        while True:
            rel = self.pos - self.w.base
            self.pos = self.w.base + _SPACE.match(self.w.text, rel).end()
            if self.pos - self.w.base < len(self.w.text) or not self.w.more(self.pos):
                return

    def keep(self, length: int) -> None:
        self.kept += length + _HELD
        if self.kept > self.limits.line_bytes:
            raise self.too_long("a JSON document whose values held whole (its long lists aside) pass")

    def check_depth(self, depth: int) -> None:
        if depth > self.limits.json_depth:
            raise self.error(f"nested more than {self.limits.json_depth} levels deep", self.pos, located=False)

    def error(self, reason: str, pos: int, located: bool = True) -> InputError:
        """`located`: the column is worth saying (a syntax error, not a limit)."""
        line, column = self.w.where(pos)
        rest = self.w.text[pos - self.w.base:]
        if self.w.eof and (not rest.strip() or reason.startswith("Unterminated string")):
            reason = "it ends inside a JSON value: truncated?"
        elif located:
            reason = f"{reason} at column {column}"
        return InputError(f"{self.name}:{line}: invalid JSON ({reason})")

    def too_long(self, what: str = "a JSON value longer than") -> InputError:
        line, _ = self.w.where(self.pos)
        return InputError(f"{self.name}:{line}: {what} the limit of {self.limits.line_bytes:,} characters "
                          "(PHRASECHECK_MAX_LINE_BYTES)")


def read_document(chunks: Callable[[], Iterator[str]], name: str, limits: Limits, keep: bool,
                  whole: bool = True) -> Any:
    """A JSON document from its text in chunks; `keep`: the chunks are one string held anyway."""
    walk = _Walk(_Window(chunks(), keep), name, limits, reopen=chunks)
    return walk.document(whole=whole)
