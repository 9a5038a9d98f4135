"""How large a pack may be and how much it may make the engine build, so that no pack (hostile
or unlucky) can hang a load or exhaust memory: every limit is checked before the work it bounds.

The defaults hold the bundled packs many times over.  `PHRASECHECK_PACK_LIMITS` raises (or
lowers) any of them for a pack that needs it: `PHRASECHECK_PACK_LIMITS="phrase_chars=400,forms=2000000"`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Sequence

from ..errors import LexiconError

ENVIRONMENT = "PHRASECHECK_PACK_LIMITS"


@dataclass(frozen=True)
class Limits:
    pack_bytes: int = 2**20  # a pack or template YAML file
    list_bytes: int = 16 * 2**20  # a house word list file, a team's category model
    yaml_depth: int = 32  # mappings and lists inside each other
    yaml_values: int = 200_000  # values in a YAML file, each alias counted as what it stands for
    integer_digits: int = 100  # an integer written in YAML
    extends_depth: int = 16  # packs extending packs extending …
    phrase_chars: int = 200  # a phrase, a pattern's word, a class word, a list entry, a courtesy line
    example_chars: int = 2000  # a rule's example, a turn of a conversation example
    pattern_elements: int = 16  # elements of one pattern
    alternatives: int = 64  # alternatives written in one element: [a|b|…]
    class_words: int = 2000  # words of one word class
    pattern_words: int = 10_000  # words of one pattern once its word classes are filled in
    gap: int = 20  # characters a gap (…N) may skip
    form_chars: int = 16  # a normalize.dialect word or regional form, a normalize.initials key or its words
    dialect_forms: int = 16  # regional forms of one normalize.dialect word
    variant_chars: int = 4  # what one character becomes in normalize.variants
    forms: int = 400_000  # spellings and phonetic keys the whole lexicon compiles to

    def expected(self, name: str, unit: str = "") -> str:
        """What an error says was expected: the limit's value, and its name to raise it by."""
        return f"expected at most {getattr(self, name):,}{unit} (limit `{name}` in {ENVIRONMENT})"


_NAMES = tuple(f.name for f in fields(Limits))


def limits() -> Limits:
    """The limits in force: the defaults, overridden by `PHRASECHECK_PACK_LIMITS`."""
    return _parse(os.environ.get(ENVIRONMENT, ""))


@lru_cache(maxsize=8)
def _parse(setting: str) -> Limits:
    changes: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in setting.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in _NAMES:
            raise LexiconError(f"{ENVIRONMENT}: unknown limit {name!r} (known: {', '.join(_NAMES)})")
        value = value.strip().replace("_", "")
        if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) < 1:
            raise LexiconError(f"{ENVIRONMENT}: {name} must be a whole number from 1 to 999999999999, got {shown(value)}")
        changes[name] = int(value)
    return replace(Limits(), **changes)


def shown(text: object, width: int = 40) -> str:
    """A value quoted for an error message, cut short: a message is one line, whatever the pack holds."""
    quoted = repr(text)
    return quoted if len(quoted) <= width else f"{quoted[: width - 1]}…"


def shown_path(path: object) -> str:
    """A file name for an error message: as it is when short and printable, else quoted and cut."""
    name = str(path)
    return name if len(name) <= 200 and name.isprintable() else shown(name, 200)


def field_path(location: Sequence[object]) -> str:
    """A schema error's location as `rules.3.patterns`: names as they are, any other key quoted."""
    return ".".join(str(p) if isinstance(p, int) or (isinstance(p, str) and _plain(p)) else shown(p) for p in location)


def _plain(name: str) -> bool:
    return 0 < len(name) <= 40 and name.isprintable() and name.strip() == name and "." not in name
