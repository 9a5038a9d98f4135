"""How much one input may hold before it is refused, so that no file can exhaust memory or time.

The defaults leave a wide margin over real exports (a two-hour call is about 2,000 ASR
sentences); each can be changed with an environment variable, which `score`, `scan` and the
workers they start all read, or in Python with ``Options(limits=Limits(...))``:

- ``PHRASECHECK_MAX_LINE_BYTES`` (16 MiB): one line of a text file (a JSONL line, a CSV row, a
  TXT or subtitle line), one value of a JSON document that is read whole (an item of its list
  of conversations or sentences, a JSON string embedded in a field);
- ``PHRASECHECK_MAX_TURNS`` (10,000): the turns of one conversation (a reply library that `scan`
  reads has no such limit: its replies are not one conversation);
- ``PHRASECHECK_MAX_JSON_DEPTH`` (100): how deeply JSON objects and arrays nest.

Past a limit, reading the file stops with a one-line error naming the file, the line (or JSON
path) and the limit; what was read before it stays valid, like any other unreadable line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from ..conversation import Turn
from ..errors import InputError

TEXT_CHARS: int = next(rule.max_length for rule in Turn.model_fields["text"].metadata)  # a turn's own limit


@dataclass(frozen=True)
class Limits:
    line_bytes: int = 16 * 2**20
    turns: int = 10_000
    json_depth: int = 100

    @classmethod
    def from_environment(cls) -> "Limits":
        """The defaults, each overridden by its environment variable when that is set."""
        given = {}
        for field in fields(cls):
            variable = f"PHRASECHECK_MAX_{field.name.upper()}"
            value = os.environ.get(variable, "").strip()
            if value:
                if not value.isdecimal() or len(value) > 12 or int(value) < 1:
                    raise InputError(f"{variable}: expected a positive whole number, found {value[:20]!r}")
                given[field.name] = int(value)
        return cls(**given)
