"""Values as files write them, read into what the models hold: times, roles, channels, tracks.

Every function takes `where` (``file:line`` or ``file: JSON path``) and raises a one-line
`InputError` that starts with it, showing at most the first 40 characters of the value.  The
words (role, channel, export author words) are data in `phrasecheck/data/vocabulary.yaml`, read
through `phrasecheck.vocabulary`.

Numbers are read with ranges, so that no file can make an overflowing value: a time past
`MAX_TIME_MS` (the end of the year 9999, as ms since 1970; a relative time that large is a
misread field) is an error, as is a channel or speaker number of more than `NUMBER_DIGITS`
digits.  NaN and Infinity never reach here from JSON (`jsondoc` reads them as null: absent).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone, tzinfo
from typing import Any, Iterable

from ..conversation import Channel, TurnRole
from ..errors import InputError
from ..vocabulary import canonical_role, vocabulary

TURN_ROLES: tuple[TurnRole, ...] = ("agent", "customer", "bot", "system")
REPLY_ROLES: tuple[TurnRole, ...] = ("agent", "customer")  # scan's reply libraries: an agent's line or a customer's

MAX_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
NUMBER_DIGITS = 18  # a channel, speaker or Unix-seconds number: past this it is no such number
_DATE = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+)(?:[.,](\d+))?")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(s)?")
_TIME_HELP = ('milliseconds, seconds (12.5 or "12.5s"), m:ss.mmm, HH:MM:SS,mmm, HH:MM:SS.mmm '
              "or an ISO 8601 date-time")


# --- times ---------------------------------------------------------------------------------------


def parse_time_ms(value: Any, where: str, *, ms: bool = False) -> int | None:
    """A time as a transcript writes it, in integer milliseconds; None when absent.

    Integers are ms; fractions are seconds (12.5, "12.5s") unless `ms` says the field is named in
    ms (begin_ms, BeginTime: 1500.0 is then 1500 ms); clocks m:ss.mmm, HH:MM:SS,mmm, HH:MM:SS.mmm;
    an ISO 8601 date-time becomes ms since the epoch (naive ones as UTC), which callers make
    relative to the conversation's first turn.
    """
    if value is None or value == "":
        return None
    bad = InputError(f"{where}: cannot read the time {shown(value)}: expected {_TIME_HELP}")
    if isinstance(value, str):
        text = value.strip()
        if _DATE.match(text):
            return _epoch_ms(text, bad)
        if clock := _CLOCK.fullmatch(text):
            return _clock_ms(clock, value, where)
        number = _NUMBER.fullmatch(text)
        if number is None:
            raise bad
        if len(number[1].partition(".")[0]) > NUMBER_DIGITS:
            raise _out_of_range(value, where)
        if number[2]:
            return _in_range(float(number[1]) * 1000, value, where)
        value = float(number[1]) if "." in number[1] else int(number[1])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad
    if value < 0:
        raise InputError(f"{where}: negative time {shown(value)}: expected {_TIME_HELP}")
    return _in_range(value if isinstance(value, int) or ms else value * 1000, value, where)


def _clock_ms(clock: re.Match[str], value: str, where: str) -> int:
    hours, minutes, seconds, fraction = clock.groups()
    if any(len(part or "") > NUMBER_DIGITS for part in (hours, minutes, seconds)):
        raise _out_of_range(value, where)
    whole = (int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)
    return _in_range(whole * 1000 + float(f"0.{fraction or 0}") * 1000, value, where)


def _in_range(ms: float, value: Any, where: str) -> int:
    """`ms` rounded, or an error when it is past MAX_TIME_MS."""
    if ms > MAX_TIME_MS:
        raise _out_of_range(value, where)
    return ms if isinstance(ms, int) else round(ms)


def _out_of_range(value: Any, where: str) -> InputError:
    return InputError(f"{where}: time {shown(value)} out of range: expected at most {MAX_TIME_MS:,} ms "
                      "(the end of the year 9999)")


def shown(value: Any) -> str:
    """A value as an error message shows it: its repr, cut to 40 characters."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**40 else f"a {len(str(abs(value)))}-digit number"
    return text if len(text) <= 40 else text[:39] + "…"

def epoch_seconds_ms(value: Any, where: str) -> int | None:
    """Unix seconds (Intercom's created_at) as ms since the epoch."""
    if value in (None, ""):
        return None
    seconds = number(value)
    if seconds is None:
        raise InputError(f"{where}: expected Unix seconds, found {shown(value)}")
    return _in_range(seconds * 1000, value, where)


def _epoch_ms(text: str, bad: InputError) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise bad from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def written_zone(value: Any) -> tzinfo | None:
    """The UTC offset a date-time is written with (None for a naive one or no date-time), so the
    conversation's start can be given back in the file's own clock."""
    if not is_datetime(value):
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("/", "-")).tzinfo
    except ValueError:
        return None


def is_datetime(value: Any) -> bool:
    return isinstance(value, str) and _DATE.match(value.strip()) is not None


# --- words ---------------------------------------------------------------------------------------


def role(value: Any, where: str, allowed: tuple[TurnRole, ...] = TURN_ROLES, default: TurnRole | None = None) -> TurnRole:
    """A role word (客服/坐席/agent/1, 客户/顾客/customer/0, bot/机器人, system/系统) as the role it
    names; a missing one is the `default`, or an error when there is none."""
    if value is None or value == "":
        if default is not None:
            return default
        raise InputError(f"{where}: missing role (expected {vocabulary().role_help(allowed)})")
    if not isinstance(value, (str, int)) or len(str(value)) > 40:  # no role word: shown cut short
        raise InputError(f"{where}: unknown role {shown(value)} (expected {vocabulary().role_help(allowed)})")
    return canonical_role(value, where, allowed)  # type: ignore[return-value]


def label_role(label: str) -> TurnRole | None:
    """The role a speaker's name says: a role word, or a name containing one (客服小王, Agent Li)."""
    words = vocabulary().roles
    word = label.strip().lower()
    if word in words:
        return words[word]  # type: ignore[return-value]
    return next((words[w] for w in role_words() if w in word), None)  # type: ignore[return-value]


def role_words() -> list[str]:
    """The role words that can start a line (坐席:, 客户:), longest first; digits are not words here."""
    return sorted((word for word in vocabulary().roles if not word.isdigit()), key=len, reverse=True)


def author_role(export: str, word: Any, where: str) -> TurnRole:
    """An export's word for who wrote a message (Zendesk users[].role, Intercom author.type)."""
    table = vocabulary().authors[export]
    found = table.get(str(word).strip().lower()) if isinstance(word, (str, int)) and word != "" else None
    if found is None:
        raise InputError(f"{where}: unknown {export} author {shown(word)} (expected one of: {', '.join(table)})")
    return found  # type: ignore[return-value]


def prefix_role(export: str, userid: str, otherwise: TurnRole) -> TurnRole:
    """A role told by a userid prefix (WeCom wo/wm customers, wb bots), else `otherwise`."""
    table = vocabulary().authors[export]
    return next((found for prefix, found in table.items() if userid.startswith(prefix)), otherwise)  # type: ignore[return-value]


def kind(value: Any, where: str) -> Channel | None:
    """A call_type/channel value as call or chat; a number is an audio track and says nothing here."""
    if value is None or value == "" or number(value) is not None:
        return None
    found = vocabulary().channels.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise InputError(f"{where}: unknown channel {shown(value)} (expected call/phone/电话 or chat/im/在线)")
    return found  # type: ignore[return-value]


# --- numbers, tracks and shapes --------------------------------------------------------------------


def number(value: Any) -> int | None:
    """A whole number of at most NUMBER_DIGITS digits, written as one or as a string; else None."""
    if isinstance(value, str):
        value = value.strip()
        return int(value) if value.isdecimal() and len(value) <= NUMBER_DIGITS else None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**NUMBER_DIGITS:
        return value
    return None


def track(value: Any, where: str) -> int:
    """An ASR channel or speaker number; absent is 0."""
    if value is None or value == "":
        return 0
    found = number(value)
    if found is None:
        raise InputError(f"{where}: expected a channel or speaker number (at most {NUMBER_DIGITS} digits), "
                         f"found {shown(value)}")
    return found


def track_role(found: int, agent_channel: int | None, first: int = 0) -> TurnRole:
    """ASR results: the track equal to the agent channel (as the vendor numbers it; by default the
    format's first track) is the agent, any other the customer."""
    return "agent" if found == (first if agent_channel is None else agent_channel) else "customer"


def text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def obj(value: Any, where: str, expected: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected {expected}, found {type(value).__name__}")
    return value


def array(value: Any, where: str, expected: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected {expected}, found {type(value).__name__}")
    return value


def join(parts: Iterable[str]) -> str:
    """Wrapped lines as one utterance: joined directly, with a space only between two Latin words."""
    text = ""
    for part in filter(None, (part.strip() for part in parts)):
        latin = text and text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum()
        text += (" " if latin else "") + part
    return text
