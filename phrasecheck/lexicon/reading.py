"""Reading pack files within bounds: size, YAML nesting, aliases and integers.

PyYAML alone turns a file nested 1,000 deep into a RecursionError, a 5,000-digit integer into a
ValueError, a month 13 into a traceback, and a "billion laughs" (aliases of aliases of aliases)
into a small document that expands to billions of values for the schema to walk.  Here each is
one line naming the file, the line and the column, found before the work it would cost.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from ..errors import LexiconError
from .limits import limits, shown_path

_INT = "tag:yaml.org,2002:int"


def read_bounded(path: Path, limit: str, what: str) -> bytes:
    """The bytes of a regular file no larger than the limit `limit` (a FIFO or a device would
    block or never end); `what` names the file in the message."""
    most = getattr(limits(), limit)
    name = shown_path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise LexiconError(f"{name}: not a regular file, expected {what}")
        with open(path, "rb") as handle:
            raw = handle.read(most + 1)
    except FileNotFoundError:
        raise LexiconError(f"{name}: no such {what}") from None
    except OSError as error:
        raise LexiconError(f"{name}: cannot read ({error.strerror})") from None
    except ValueError:  # a NUL character in the name
        raise LexiconError(f"{name}: not a file name, expected {what}") from None
    if len(raw) > most:
        raise LexiconError(f"{name}: {what} too large; {limits().expected(limit, ' bytes')}")
    return raw


class _Constructor(SafeConstructor):
    """Safe construction where a value that cannot be built is a marked YAML error, not a traceback."""

    def construct_object(self, node: Node, deep: bool = False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as error:  # a month 13, `!!int ""`, `!!float x`: the value is wrong, not the program
            raise ConstructorError(None, None, f"cannot read {node.tag.rsplit(':', 1)[-1]} value ({str(error)[:80]})",
                                   node.start_mark) from None

    def construct_yaml_int(self, node: Node) -> int:
        written = self.construct_scalar(node)
        most = limits().integer_digits
        if len(written) > most:
            raise ConstructorError(None, None, f"an integer of {len(written):,} digits; {limits().expected('integer_digits')}",
                                   node.start_mark)
        return super().construct_yaml_int(node)


_Constructor.add_constructor(_INT, _Constructor.construct_yaml_int)


class _PythonLoader(Reader, Scanner, Parser, Composer, _Constructor, Resolver):
    """Without libyaml: PyYAML's own parser, whose composer recurses once per level."""

    def __init__(self, stream: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > limits().yaml_depth:
                raise ComposerError(None, None, f"nested too deep; {limits().expected('yaml_depth', ' levels')}",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


if yaml.__with_libyaml__:  # five times faster; libyaml refuses nesting past 1,000 levels by itself
    from yaml.cyaml import CParser

    class _Loader(CParser, _Constructor, Resolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            _Constructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - libyaml ships in PyYAML's wheels
    _Loader = _PythonLoader


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_graph(root: Node) -> None:
    """Refuse a document too deep, that refers to itself, or whose aliases expand past the limit:
    sizes are counted once per node (aliases share nodes), so this is linear in the file."""
    bounds = limits()
    done: dict[int, tuple[int, int]] = {}  # node id → (values once expanded, depth)
    path: set[int] = set()  # nodes whose children are being measured: the way down from the root
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, measured = stack.pop()
        key = id(node)
        if measured:
            path.discard(key)
            values, depth = 1, 1
            for child in _children(node):
                child_values, child_depth = done[id(child)]
                values += child_values
                depth = max(depth, child_depth + 1)
            if depth > bounds.yaml_depth:
                raise ComposerError(None, None, f"nested too deep; {bounds.expected('yaml_depth', ' levels')}", node.start_mark)
            if values > bounds.yaml_values:
                raise ComposerError(None, None, f"too many values (an alias counts as what it stands for); {bounds.expected('yaml_values')}",
                                    node.start_mark)
            done[key] = (values, depth)
        elif key in path:
            raise ComposerError(None, None, "an alias refers to the value that holds it", node.start_mark)
        elif key not in done:
            path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in done)


def load_yaml(text: str, loader: type = _Loader):
    """The document in `text`, built only once it is known to be bounded."""
    reader = loader(text)
    try:
        node = reader.get_single_node()
        if node is None:
            return None
        _check_graph(node)
        return reader.construct_document(node)
    finally:
        reader.dispose()


def read_yaml_mapping(path: Path, expected: str) -> tuple[bytes, dict]:
    """A YAML file's bytes and top-level mapping, or a one-line error with file, line and column."""
    raw = read_bounded(path, "pack_bytes", "YAML file")
    return raw, parse_yaml_mapping(path, raw, expected)


def parse_yaml_mapping(path: Path, raw: bytes, expected: str) -> dict:
    """The top-level mapping of a YAML file's bytes, or a one-line error with file, line and column."""
    try:
        data = load_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise LexiconError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise LexiconError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping with {expected}")
    return data
