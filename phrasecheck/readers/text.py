"""TXT: a transcript with role prefixes, or (for `scan`) replies one a line.

A transcript is one conversation a file, turns prefixed 坐席:/客服:/客户:/顾客:/用户:/agent:/
customer: (any role word of the vocabulary; a name may follow it: 客服小王:, 坐席(1001):),
optionally after a time ``[00:01:02]``, ``00:01:02``, ``[12.5s]`` or a date-time; a line without a
prefix continues the turn before it, and lines before the first turn (a title) are kept in the
conversation's ``meta["header"]``.  A file with no prefixed line is an error for `score`; for
`scan` it is a canned-reply library: every non-blank line a reply of the agent.  The lines are
streamed; a turn whose lines run on past a turn's length limit is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from ..conversation import Turn
from ..errors import InputError
from .limits import TEXT_CHARS
from .registry import Reader, Sample, register
from .source import Input
from .transcript import Transcript, model
from .values import is_datetime, join, parse_time_ms, role, role_words


@lru_cache(maxsize=1)
def turn_pattern() -> re.Pattern[str]:
    """A line that starts a turn: [time] role word [name] colon text."""
    words = "|".join(map(re.escape, role_words()))
    # one run of white space before the role, whether a time stands first or not: two runs side
    # by side would retry every split of a long blank line
    return re.compile(
        r"\s*(?:(?:\[(?P<bracketed>[\dT:.,s +\-/]+)\]|(?P<time>\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T][\d:.]+|\d{1,2}:\d{2}"
        r"(?::\d{2})?(?:[.,]\d+)?))\s*)?"
        rf"(?P<role>{words})(?P<name>[^:：，。！？,!?]{{0,16}}?)\s*[:：]\s*(?P<text>.*)",
        re.IGNORECASE,
    )


@dataclass
class _Draft:
    """A turn being collected: its first line, the prefix match and the lines of its text."""

    line: int
    match: re.Match[str]
    parts: list[str] = field(default_factory=list)
    size: int = 0

    @property
    def time(self) -> str | None:
        return self.match["bracketed"] or self.match["time"]

    def extend(self, line: str, number: int, name: str) -> None:
        self.parts.append(line)
        self.size += len(line)
        if self.size > TEXT_CHARS:
            raise InputError(f"{name}:{self.line}: a turn longer than {TEXT_CHARS:,} characters (its lines run on to "
                             f"line {number})")


def parse_txt(data: Input) -> Iterator[Transcript]:
    """坐席:/客户: lines (rule in the module docstring)."""
    pattern = turn_pattern()
    transcript = Transcript(data, None)
    header: list[tuple[int, str]] = []  # lines before the first turn: a title, or (scan) replies
    draft: _Draft | None = None
    for number, line in data.text_lines():
        match = pattern.match(line)
        if match:
            if draft is None:
                kept = [text.strip() for _, text in header if text.strip()]
                transcript.meta = {"header": kept} if kept else {}
            else:
                _add(transcript, draft)
            draft = _Draft(number, match)
            draft.extend(match["text"], number, data.name)
        elif draft is not None:
            draft.extend(line, number, data.name)
        else:
            header.append((number, line))
            if not data.options.replies and len(header) > transcript.data.options.limits.turns:
                break  # no transcript starts this late
    if draft is not None:
        _add(transcript, draft)
    elif data.options.replies:
        for number, line in header:
            if line.strip():
                transcript.add(Turn(role="agent", text=line.strip(), line=number))
    else:
        first = next(line.strip() for _, line in header if line.strip())
        raise InputError(f"{data.name}:1: expected turns starting with a role and a colon (坐席: / 客服: / 客户: …), "
                         f"found none; the file starts {first[:30]!r}")
    yield transcript


def _add(transcript: Transcript, draft: _Draft) -> None:
    where = f"{transcript.data.name}:{draft.line}"
    transcript.absolute = transcript.absolute or is_datetime(draft.time)
    transcript.add(model(Turn, where, role=role(draft.match["role"], where), text=join(draft.parts),
                         line=draft.line, speaker=draft.match["name"].strip(" ()（）[]【】-_·") or None,
                         begin_ms=parse_time_ms(draft.time, where)))


def _prefixed(sample: Sample) -> bool:
    return turn_pattern().match(sample.first) is not None  # before JSON: "[00:01:02] 坐席：…" starts with a bracket


register(Reader("txt", "TXT with 坐席:/客户: prefixes", parse_txt, sniff=_prefixed, suffixes=(".txt",), order=30))
