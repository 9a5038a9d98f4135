"""SRT and WebVTT: subtitle cues of a call, one conversation a file.

The two share a shape: [number or id,] timing line, payload lines.  The WebVTT header and NOTE/
STYLE/REGION blocks are skipped; cue settings after the timing are ignored.  The speaker comes
from ``<v Name>`` or a short ``Name:`` prefix; a name that is a role word, or contains one
(客服小王, Agent Li), takes that role; other names are customers, except that with exactly two
speakers, one of them a named customer, the other is the agent.  A cue without a name keeps the
speaker before it; a file that names no speaker at all is an error (nothing would tell the agent
apart).  The lines are streamed; a cue longer than a turn's length limit is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Iterable, Iterator

from ..conversation import Turn, TurnRole
from ..errors import InputError
from .limits import TEXT_CHARS
from .registry import Reader, Sample, register
from .source import Input
from .transcript import Transcript, model
from .values import join, label_role, parse_time_ms

# Linear on any line: the time before the arrow starts where a run of non-space does (no retry
# inside a long run), a voice name or a tag cannot run past the next "<".
_TIMING = re.compile(r"(?<!\S)(\S+)\s+-->\s+(\S+)")
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?\s([^<>]+)>")  # the name takes the blanks before it (stripped)
_TAG = re.compile(r"<[^<>]*>")
_LABEL = re.compile(r"\s*(?P<name>[^\s:：，。！？,.!?][^:：，。！？,.!?]{0,15}?)\s*[:：]\s*(?P<text>\S.*)", re.S)


@dataclass(frozen=True, slots=True)
class Cue:
    line: int  # where the cue's block starts
    speaker: str | None
    text: str
    begin_ms: int | None
    end_ms: int | None


def parse_subtitles(data: Input) -> Iterator[Transcript]:
    """The cues of the file as one call (rule in the module docstring)."""
    transcript = Transcript(data, None, "call")
    cues: list[Cue] = []
    try:
        for start, block in _blocks(data.text_lines(), data.name):
            if block[0].split()[0] in ("WEBVTT", "NOTE", "STYLE", "REGION"):
                continue
            if len(cues) == data.options.limits.turns:
                raise InputError(f"{data.name}:{start}: more than {len(cues):,} cues in one call (PHRASECHECK_MAX_TURNS)")
            cues.append(_cue(start, block, data.name))
    except InputError:
        _add_turns(transcript, cues)  # the cues before the bad one are kept (scan hands them on)
        raise
    if not any(cue.speaker for cue in cues):
        raise InputError(f"{data.name}: no cue names its speaker: expected <v 坐席> (WebVTT) or a 坐席:/客户: prefix, "
                         "so that agent turns can be told apart")
    _add_turns(transcript, cues)
    yield transcript


def _cue(start: int, block: list[str], name: str) -> Cue:
    timing = next(((index, found) for index, line in enumerate(block[:2]) if (found := _TIMING.search(line))), None)
    if timing is None:
        raise InputError(f"{name}:{start}: expected a cue: an optional number or id, then a timing line "
                         "like 00:00:01,000 --> 00:00:03,500")
    index, (begin, end) = timing[0], timing[1].groups()
    where = f"{name}:{start + index}"
    speaker, words = _cue_text(block[index + 1:])
    return Cue(start, speaker, words, parse_time_ms(begin, where), parse_time_ms(end, where))


def _add_turns(transcript: Transcript, cues: list[Cue]) -> None:
    roles = _speaker_roles(dict.fromkeys(cue.speaker for cue in cues if cue.speaker))
    speaker = None
    for cue in cues:
        speaker = cue.speaker or speaker
        transcript.add(model(Turn, f"{transcript.data.name}:{cue.line}", role=roles.get(speaker, "customer"),
                             speaker=speaker, text=cue.text, begin_ms=cue.begin_ms, end_ms=cue.end_ms, line=cue.line))


def _blocks(lines: Iterable[tuple[int, str]], name: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks: (line of the first line, stripped lines)."""
    start, block, size = 0, [], 0
    for number, line in lines:
        if line.strip():
            start, size = (start, size) if block else (number, 0)
            block.append(line.strip())
            size += len(line)
            if size > TEXT_CHARS:
                raise InputError(f"{name}:{start}: a cue longer than {TEXT_CHARS:,} characters (it runs on to line {number})")
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _cue_text(payload: list[str]) -> tuple[str | None, str]:
    """(speaker, text) of a cue: the speaker from <v Name>, else a short `Name:` prefix that is not a number."""
    voice = _VOICE.search("\n".join(payload))
    text = join(unescape(_TAG.sub("", line)) for line in payload)
    if voice:
        return voice[1].strip(), text
    label = _LABEL.fullmatch(text)
    if label and not label["name"].strip().isdigit():
        return label["name"].strip(), label["text"]
    return None, text


def _speaker_roles(names: Iterable[str]) -> dict[str, TurnRole]:
    """Roles of subtitle speakers (rule in the module docstring)."""
    roles = {name: label_role(name) for name in names}
    known = [found for found in roles.values() if found]
    fallback: TurnRole = "agent" if len(roles) == 2 and known == ["customer"] else "customer"
    return {name: found or fallback for name, found in roles.items()}


def _webvtt(sample: Sample) -> bool:
    return sample.first.startswith("WEBVTT") or (sample.suffix == ".vtt" and _timed(sample))


def _timed(sample: Sample) -> bool:
    return any(_TIMING.search(line) for line in sample.lines[:2])


register(Reader("srt", "SRT", parse_subtitles, sniff=_timed, suffixes=(".srt",), order=20))
register(Reader("vtt", "WebVTT", parse_subtitles, sniff=_webvtt, suffixes=(".vtt",), order=10))
