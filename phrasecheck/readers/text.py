"""TXT: a transcript with role prefixes, or (for `scan`) replies one a line.

A transcript is one conversation a file, turns prefixed 坐席:/客服:/客户:/顾客:/用户:/agent:/
customer: (any role word of the vocabulary; a name may follow it: 客服小王:, 坐席(1001):),
optionally after a time ``[00:01:02]``, ``00:01:02``, ``[12.5s]`` or a date-time; a line without a
prefix continues the turn before it, and lines before the first turn (a title) are kept in the
conversation's ``meta["header"]``.  A file with no prefixed line is an error for `score`; for
`scan` it is a canned-reply library: every non-blank line a reply of the agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from ..conversation import Turn
from ..errors import InputError
from .registry import Reader, Sample, register
from .source import Input
from .transcript import Transcript, model
from .values import is_datetime, join, parse_time_ms, role, role_words


@lru_cache(maxsize=1)
def turn_pattern() -> re.Pattern[str]:
    """A line that starts a turn: [time] role word [name] colon text."""
    words = "|".join(map(re.escape, role_words()))
    return re.compile(
        r"\s*(?:\[(?P<bracketed>[\dT:.,s +\-/]+)\]|(?P<time>\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T][\d:.]+|\d{1,2}:\d{2}"
        r"(?::\d{2})?(?:[.,]\d+)?))?\s*"
        rf"(?P<role>{words})(?P<name>[^:：，。！？,!?]{{0,16}}?)\s*[:：]\s*(?P<text>.*)",
        re.IGNORECASE,
    )


@dataclass
class _Draft:
    """A turn being collected: its first line, the prefix match and the lines of its text."""

    line: int
    match: re.Match[str]
    parts: list[str] = field(default_factory=list)

    @property
    def time(self) -> str | None:
        return self.match["bracketed"] or self.match["time"]


def parse_txt(data: Input) -> Iterator[Transcript]:
    """坐席:/客户: lines (rule in the module docstring)."""
    pattern = turn_pattern()
    drafts: list[_Draft] = []
    header: list[str] = []
    lines = data.text().splitlines()
    for number, line in enumerate(lines, 1):
        match = pattern.match(line)
        if match:
            drafts.append(_Draft(number, match, [match["text"]]))
        else:
            (drafts[-1].parts if drafts else header).append(line)
    if not drafts:
        if data.options.replies:
            yield from _replies(data, lines)
            return
        first = next(line.strip() for line in header if line.strip())
        raise InputError(f"{data.name}:1: expected turns starting with a role and a colon (坐席: / 客服: / 客户: …), "
                         f"found none; the file starts {first[:30]!r}")
    header = [line.strip() for line in header if line.strip()]
    transcript = Transcript(data, None, absolute=any(is_datetime(draft.time) for draft in drafts),
                            meta={"header": header} if header else {})
    for draft in drafts:
        where = f"{data.name}:{draft.line}"
        transcript.add(model(Turn, where, role=role(draft.match["role"], where), text=join(draft.parts),
                             line=draft.line, speaker=draft.match["name"].strip(" ()（）[]【】-_·") or None,
                             begin_ms=parse_time_ms(draft.time, where)))
    yield transcript


def _replies(data: Input, lines: list[str]) -> Iterator[Transcript]:
    """A reply library: each non-blank line one reply of the agent."""
    transcript = Transcript(data, None)
    for number, line in enumerate(lines, 1):
        if line.strip():
            transcript.add(Turn(role="agent", text=line.strip(), line=number))
    yield transcript


def _prefixed(sample: Sample) -> bool:
    return turn_pattern().match(sample.first) is not None  # before JSON: "[00:01:02] 坐席：…" starts with a bracket


register(Reader("txt", "TXT with 坐席:/客户: prefixes", parse_txt, sniff=_prefixed, suffixes=(".txt",), order=30))
