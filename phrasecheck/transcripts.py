"""Every transcript format QA reviewers have, read into `Conversation`s.

Formats (`input_format`; "auto" decides by content, the file extension only breaks ties):

- ``jsonl`` / ``csv``: canonical utterances, one a line: ``conv_id, seq, role, speaker, agent_id,
  agent_name, text, begin_ms, end_ms`` (or ``timestamp``/``ts``), ``channel``/``call_type``.  A JSONL
  line may also hold a whole conversation (as in ``json``).  Streamed: a conversation is yielded
  when its conv_id changes, so memory holds one conversation whatever the file size, and a conv_id
  that comes back after another conversation is an error.  Without conv_id the file is one
  conversation named after the file.  Turns are sorted by ``seq`` when every turn has one.
- ``json``: whole conversations ``{conv_id|id, turns|utterances|messages: [...]}``, a list of them,
  ``{conversations: [...]}``, or a list of utterances.  Turns also accept ``content`` for text and
  ``begin``/``end`` for times (Alibaba 点金 items).
- ``txt``: one conversation a file, turns prefixed 坐席:/客服:/客户:/顾客:/用户:/agent:/customer: (a
  name may follow the role word: 客服小王:, 坐席(1001):), optionally after a time ``[00:01:02]``,
  ``00:01:02``, ``[12.5s]`` or a date-time; a line without a prefix continues the turn before it,
  and lines before the first turn (a title) are kept in the conversation's ``meta["header"]``.
- ``srt`` / ``vtt``: subtitle cues; the speaker comes from ``<v Name>`` or a ``Name:`` prefix.
- ``aliyun``: Alibaba 录音文件识别 results in either key casing, and SCA dialogues ``{role, words,
  begin, end}``; ``tencent``: Tencent ASR ``DescribeTaskStatus``; ``iflytek``: iFlytek lfasr v2.
- ``wecom``: 企业微信 会话存档 decrypted messages, JSONL or a JSON list.  Messages of many chats are
  interleaved in an archive, so the whole file is grouped before the first chat is yielded.

Auto-detection, in this order: ``WEBVTT`` header → vtt; a ``-->`` timing line among the first two
lines → srt (vtt for a .vtt file); a first line with a 坐席:/客户: prefix → txt; a first line that is
a JSON object of its own → jsonl, or wecom for a WeCom message; any other JSON → the whole
document, classified by its keys (WeCom ``msgtype``, Tencent ``Response``/``Data``, iFlytek
``code``+``content.orderResult``, SCA ``role``+``words`` and Alibaba ``TaskId``/``StatusText``/
``Result``/``Sentences``/``BeginTime``, else conversations); a CSV header with a ``text`` column →
csv; then the extension; otherwise an error.

Roles.  Role words: 客服/坐席/座席/agent/staff/1 → agent, 客户/顾客/用户/customer/0 → customer,
bot/机器人 → bot, system/系统 → system.
- Canonical formats need a ``role``; without one, a numeric ``channel`` is an audio track (below).
- ASR results: the track (channel or speaker number) equal to ``agent_channel`` is the agent, any
  other the customer; a sentence without one is track 0.  Alibaba: ``ChannelId``, else
  ``SpeakerId``.  Tencent: ``SpeakerId``.  iFlytek: ``rl`` counts from 1 (rl 1 is track 0, rl 2
  track 1; rl 0, no role separation, is track 0).
- Subtitles: a speaker name that is a role word, else one containing a role word (客服小王, Agent
  Li), takes that role; other names are customers, except that with exactly two speakers, one of
  them a named customer, the other is the agent.  A cue without a name keeps the speaker before it;
  a file that names no speaker at all is an error (nothing would tell the agent apart).
- WeCom: ``from`` starting ``wo``/``wm`` is an external contact (customer), ``wb`` a bot, any other
  userid an internal user (agent, whose userid is the conversation's agent_id).

Channel (call or chat): the ``channel`` argument wins; ASR results and subtitles are calls, WeCom
chats; canonical formats use a ``call_type``/``channel`` value (call/phone/电话…, chat/im/在线…),
else None.

Times all become integer milliseconds (`parse_time_ms`); date-times are made relative to the
conversation's earliest turn.  Turns with blank text are dropped (an empty ASR sentence would hide
the real first agent turn), and a conversation left with none is not yielded.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import unescape
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Literal, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from .conversation import Channel, Conversation, Turn, TurnRole
from .errors import InputError
from .formats import ROLE_ALIASES, decode_bytes, open_input

TranscriptFormat = Literal["auto", "jsonl", "csv", "json", "txt", "srt", "vtt", "aliyun", "tencent", "iflytek", "wecom"]
FORMATS: tuple[str, ...] = get_args(TranscriptFormat)

_EXPECTED = ("JSONL, CSV, JSON, TXT with 坐席:/客户: prefixes, SRT, WebVTT, an Alibaba/Tencent/iFlytek ASR result "
             "or WeCom messages")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "csv", ".txt": "txt",
             ".srt": "srt", ".vtt": "vtt"}
_HEAD_BYTES = 64 * 1024  # enough lines to detect the format and the encoding

# formats.ROLE_ALIASES plus the roles only transcripts have; a missing role is an error here, not "agent".
_ROLES: dict[str, str] = {**ROLE_ALIASES, "bot": "bot", "robot": "bot", "机器人": "bot", "system": "system",
                          "系统": "system"}
_ROLE_WORDS = sorted((word for word in _ROLES if not word.isdigit()), key=len, reverse=True)
_ROLE_HELP = "agent/客服/坐席/1, customer/客户/顾客/0, bot/机器人 or system/系统"
_KINDS: dict[str, Channel] = {
    **dict.fromkeys(("call", "phone", "voice", "电话", "语音", "通话", "热线"), "call"),
    **dict.fromkeys(("chat", "im", "online", "web", "app", "wechat", "wecom", "email", "在线", "文字", "微信",
                     "企业微信", "邮件"), "chat"),
}

_CONV_KEYS = ("conv_id", "conversation_id", "session_id")
_TURNS_KEYS = ("turns", "utterances", "messages")
_TEXT_KEYS = ("text", "content", "words")
# Column names of Chinese QA and call-centre exports, read as the canonical ones.
_HEADER_ALIASES = {
    "会话id": "conv_id", "会话编号": "conv_id", "通话id": "conv_id", "通话编号": "conv_id", "录音id": "conv_id",
    "录音编号": "conv_id", "序号": "seq", "句序": "seq", "角色": "role", "说话人角色": "role", "发言角色": "role",
    "坐席工号": "agent_id", "工号": "agent_id", "坐席id": "agent_id", "客服工号": "agent_id",
    "坐席姓名": "agent_name", "坐席名称": "agent_name", "客服姓名": "agent_name",
    "内容": "text", "文本": "text", "对话内容": "text", "消息内容": "text", "识别文本": "text",
    "开始时间": "begin", "结束时间": "end", "开始时间(ms)": "begin_ms", "结束时间(ms)": "end_ms",
    "渠道": "call_type", "通话类型": "call_type",
}
_BEGIN_KEYS = ("begin_ms", "start_ms", "begin", "start", "timestamp", "ts", "time")
_END_KEYS = ("end_ms", "end")
_MS_KEYS = frozenset({"begin_ms", "start_ms", "end_ms"})  # named in ms: a fraction is still ms
_KIND_KEYS = ("call_type", "channel")
_UTTERANCE_KEYS = frozenset({*_CONV_KEYS, *_TEXT_KEYS, *_BEGIN_KEYS, *_END_KEYS, *_KIND_KEYS, "seq", "role",
                             "speaker", "agent_id", "agent_name", "hold", "meta"})

_DATE = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:[.,]\d+)?)")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(s)?")
_TIME_HELP = ('milliseconds, seconds (12.5 or "12.5s"), m:ss.mmm, HH:MM:SS,mmm, HH:MM:SS.mmm '
              "or an ISO 8601 date-time")

_TXT_TURN = re.compile(
    r"\s*(?:\[(?P<bracketed>[\dT:.,s +\-/]+)\]|(?P<time>\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T][\d:.]+|\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:[.,]\d+)?))?\s*"
    rf"(?P<role>{'|'.join(map(re.escape, _ROLE_WORDS))})(?P<name>[^:：，。！？,!?]{{0,16}}?)\s*[:：]\s*(?P<text>.*)",
    re.IGNORECASE,
)
_TIMING = re.compile(r"(\S+)\s+-->\s+(\S+)")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")
_LABEL = re.compile(r"\s*(?P<name>[^\s:：，。！？,.!?][^:：，。！？,.!?]{0,15}?)\s*[:：]\s*(?P<text>\S.*)", re.S)
_ALIYUN_OK = ("SUCCESS", "SUCCESS_WITH_NO_VALID_FRAGMENT")
_ALIYUN_USED = frozenset(("Text", "text", "BeginTime", "beginTime", "EndTime", "endTime", "Words", "words"))
_TENCENT_STATUS = {0: "waiting", 1: "running", 3: "failed"}
_TENCENT_USED = frozenset(("FinalSentence", "SliceSentence", "WrittenText", "StartMs", "EndMs", "Words"))
_TENCENT_LINE = re.compile(r"\[(\d+:\d+(?:\.\d+)?),(\d+:\d+(?:\.\d+)?)(?:,(\d+))?\]\s*(.*)")

_CONV_ID_TEXT = re.compile(r'"(?:conv_id|conversation_id|session_id)"\s*:\s*"?([^",}\s]+)')

Row = tuple[str, "int | None", Any]  # (where, line, parsed item) for the canonical parsers
M = TypeVar("M", bound=BaseModel)


def _seen_conv_id(text: str) -> str | None:
    """The conv_id an unreadable JSON line still shows."""
    seen = _CONV_ID_TEXT.search(text)
    return seen[1] if seen else None


class _LineError(InputError):
    """An unreadable line, with the conversation it names when that can still be seen: a different
    one means the conversation before the line is complete and can be yielded before the error."""

    def __init__(self, message: str, conv_id: str | None) -> None:
        super().__init__(message)
        self.conv_id = conv_id


@dataclass(frozen=True)
class _Source:
    """The file being read and the caller's options, handed to every format parser."""

    name: str
    stem: str
    agent_channel: int
    channel: Channel | None


def conversation_files(paths: Iterable[str]) -> Iterator[Path]:
    """Files to read: each file as given, each folder's files recursively (sorted, hidden ones skipped)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from (found for found in sorted(path.rglob("*")) if found.is_file()
                        and not any(part.startswith(".") for part in found.relative_to(path).parts))
        elif path.exists() or given == "-":
            yield path
        else:
            raise InputError(f"{given}: no such file or directory")


def read_conversations(path: str | Path, input_format: TranscriptFormat = "auto", agent_channel: int = 0,
                       channel: Channel | None = None) -> Iterator[Conversation]:
    """Conversations of one transcript file (`-` is standard input), one at a time.

    Anything unreadable raises `InputError` naming the file and line; the conversations yielded
    before it are complete and stay valid.
    """
    if input_format not in FORMATS:
        raise InputError(f"unknown transcript format {input_format!r} (expected one of: {', '.join(FORMATS)})")
    path = Path(path)
    stdin = str(path) == "-"
    src = _Source("<stdin>" if stdin else str(path), "stdin" if stdin else path.stem, agent_channel, channel)
    with open_input(path, src.name, f"a transcript file ({_EXPECTED})") as stream:
        head, encoding = _head(stream, src.name)
        fmt = _detect(head, path.suffix.lower(), src.name) if input_format == "auto" else input_format
        stream.seek(0)
        if fmt == "csv":
            yield from _csv(_lines(stream, src.name, encoding), src)
        elif fmt in ("jsonl", "wecom") and head.lstrip().startswith("{"):
            rows = _json_lines(_lines(stream, src.name, encoding), src.name)
            yield from (_grouped(rows, src) if fmt == "jsonl" else _wecom(rows, src))
        elif fmt in ("txt", "srt", "vtt"):
            yield from (_txt if fmt == "txt" else _subtitles)(_text(stream.read(), src.name), src)
        else:
            doc = _load_json(_text(stream.read(), src.name), src.name)
            if input_format == "auto":  # "json" from `_detect` only says "a JSON document": its keys tell which
                fmt = _classify(doc)
            yield from _DOCUMENT_PARSERS[fmt](doc, src)


def parse_time_ms(value: Any, where: str, *, ms: bool = False) -> int | None:
    """A time as a transcript writes it, in integer milliseconds; None when absent.

    Integers are ms; fractions are seconds (12.5, "12.5s") unless `ms` says the field is named in
    ms (begin_ms, BeginTime: 1500.0 is then 1500 ms); clocks m:ss.mmm, HH:MM:SS,mmm, HH:MM:SS.mmm;
    an ISO 8601 date-time becomes ms since the epoch (naive ones as UTC), which callers make
    relative to the conversation's first turn.
    """
    if value is None or value == "":
        return None
    bad = InputError(f"{where}: cannot read the time {value!r}: expected {_TIME_HELP}")
    if isinstance(value, str):
        text = value.strip()
        if _DATE.match(text):
            return _epoch_ms(text, bad)
        if clock := _CLOCK.fullmatch(text):
            hours, minutes, seconds = clock.groups()
            return round(((int(hours or 0) * 60 + int(minutes)) * 60 + float(seconds.replace(",", "."))) * 1000)
        number = _NUMBER.fullmatch(text)
        if number is None:
            raise bad
        if number[2]:
            return round(float(number[1]) * 1000)
        value = float(number[1]) if "." in number[1] else int(number[1])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad
    if value < 0:
        raise InputError(f"{where}: negative time {value!r}: expected {_TIME_HELP}")
    return value if isinstance(value, int) else round(value if ms else value * 1000)


def _epoch_ms(text: str, bad: InputError) -> int:
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise bad from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def _is_datetime(value: Any) -> bool:
    return isinstance(value, str) and _DATE.match(value.strip()) is not None


# --- reading bytes -------------------------------------------------------------------------------


def _head(stream: IO[bytes], name: str) -> tuple[str, str]:
    """The first lines (about 64 KiB, whole lines), decoded, and the encoding the rest is streamed with."""
    data = stream.read(_HEAD_BYTES) + stream.readline()
    text = _text(data, name)
    if not text.strip():
        raise InputError(f"{name}: empty file, expected {_EXPECTED}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return text, "gb18030"
    return text, "utf-8-sig"


def _reject_binary(data: bytes, name: str, first_line: int) -> None:
    """NUL bytes mean binary data or UTF-16, which GB 18030 would otherwise "decode" into nonsense."""
    nul = data.find(b"\0")
    if nul >= 0:
        line = first_line + data.count(b"\n", 0, nul)
        raise InputError(f"{name}:{line}: NUL bytes: binary data or UTF-16 text, expected UTF-8 or GBK text")


def _text(data: bytes, name: str) -> str:
    _reject_binary(data, name, 1)
    return decode_bytes(data, name)


def _lines(stream: IO[bytes], name: str, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, decoded one at a time (with the head's encoding) so any size streams."""
    for number, raw in enumerate(stream, 1):
        _reject_binary(raw, name, number)
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError:
            label = "GBK" if encoding == "gb18030" else "UTF-8"
            raise _LineError(f"{name}:{number}: cannot decode the line as {label} like the start of the file: "
                             "expected UTF-8, UTF-8 with BOM or GBK throughout",
                             _seen_conv_id(raw.decode(encoding, "replace"))) from None
        yield number, line


def _load_json(text: str, name: str, first_line: int = 1) -> Any:
    """A JSON value; a syntax error names the line, and an end that comes too soon is called truncation."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip())
        reason = ("it ends inside a JSON value: truncated?" if truncated
                  else f"{error.msg.removesuffix(' at')} at column {error.colno}")
        raise InputError(f"{name}:{first_line + error.lineno - 1}: invalid JSON ({reason})") from None


def _embedded_json(value: Any, where: str) -> Any:
    """A field holding JSON as a string (iFlytek orderResult, json_1best; sometimes Alibaba Result)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: invalid embedded JSON ({error.msg} at character {error.pos})") from None


# --- detection -----------------------------------------------------------------------------------


def _column(cell: str) -> str:
    """A CSV header cell as the canonical column it names (`会话ID` → `conv_id`, `Text` → `text`)."""
    name = cell.strip(' "').lower().replace("（", "(").replace("）", ")")
    return _HEADER_ALIASES.get(name, name)


def _detect(head: str, suffix: str, name: str) -> str:
    lines = [line.strip() for line in itertools.islice((l for l in head.splitlines() if l.strip()), 3)]
    first = lines[0]
    if first.startswith("WEBVTT"):
        return "vtt"
    if any(_TIMING.search(line) for line in lines[:2]):
        return "vtt" if suffix == ".vtt" else "srt"
    if _TXT_TURN.match(first):  # before JSON: "[00:01:02] 坐席：…" starts with a bracket too
        return "txt"
    if first[0] in "{[":
        try:
            value = json.loads(first)
        except json.JSONDecodeError:
            return "json"
        kind = _classify(value) if isinstance(value, dict) else "json"
        return "jsonl" if kind == "json" else kind if kind == "wecom" else "json"
    if {"text", "content"} & {_column(cell) for cell in re.split(r"[,\t]", first)}:
        return "csv"
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise InputError(f"{name}:1: cannot tell the format from {first[:40]!r}: expected {_EXPECTED} "
                     "(or name the format explicitly)")


def _classify(doc: Any) -> str:
    """Which parser a JSON value is for, by its keys (a list by its first item); "json" by default."""
    sample = doc[0] if isinstance(doc, list) and doc else doc
    if not isinstance(sample, dict):
        return "json"
    keys = set(sample)
    content = sample.get("content")
    if keys & {"msgtype", "msgid"}:
        return "wecom"
    if keys & {"Response", "Data", "ResultDetail", "StatusStr", "AudioDuration"}:
        return "tencent"
    if (isinstance(content, dict) and "orderResult" in content) or {"code", "descInfo"} <= keys:
        return "iflytek"
    if "role" in keys:
        return "aliyun" if "words" in keys else "json"
    if keys & {"TaskId", "taskId", "StatusText", "statusText", "Result", "result", "Sentences", "sentences",
               "BeginTime", "beginTime"}:
        return "aliyun"
    return "json"


# --- building turns and conversations ------------------------------------------------------------


def _model(model: type[M], where: str, **fields: Any) -> M:
    """`model(**fields)`, a validation error becoming a one-line InputError."""
    try:
        return model(**fields)
    except ValidationError as error:
        problem = error.errors()[0]
        location = ".".join(map(str, problem["loc"]))
        raise InputError(f"{where}: {location}: {problem['msg']} (found {problem.get('input')!r:.60})") from None


def _finish(src: _Source, conv_id: str, turns: list[Turn], *, channel: Channel | None = None, absolute: bool = False,
            sort_by: str = "seq", **fields: Any) -> Iterator[Conversation]:
    """The conversation (zero or one): blank turns dropped, sorted by `sort_by` when every turn has it,
    date-times made relative to the earliest turn (`absolute`)."""
    turns = [turn for turn in turns if turn.text.strip()]
    if not turns:
        return
    if all(getattr(turn, sort_by) is not None for turn in turns):
        turns.sort(key=lambda turn: getattr(turn, sort_by))
    if absolute:
        origin = min((t for turn in turns for t in (turn.begin_ms, turn.end_ms) if t is not None), default=0)
        for turn in turns:
            turn.begin_ms = None if turn.begin_ms is None else turn.begin_ms - origin
            turn.end_ms = None if turn.end_ms is None else turn.end_ms - origin
    yield _model(Conversation, f"{src.name}: conversation {conv_id!r}", id=conv_id, turns=turns,
                 channel=src.channel or channel, source=src.name, **fields)


def _present(item: dict[str, Any], keys: Iterable[str]) -> str | None:
    """The first of `keys` with a value (CSV writes an absent value as "")."""
    return next((key for key in keys if item.get(key) not in (None, "")), None)


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _track(value: Any, where: str) -> int:
    """An ASR channel or speaker number; absent is 0."""
    if value in (None, ""):
        return 0
    number = _number(value)
    if number is None:
        raise InputError(f"{where}: expected a channel or speaker number, found {value!r}")
    return number


def _track_role(track: int, src: _Source) -> TurnRole:
    return "agent" if track == src.agent_channel else "customer"


def _role(value: Any, where: str) -> TurnRole:
    if value in (None, ""):
        raise InputError(f"{where}: missing role (expected {_ROLE_HELP})")
    role = _ROLES.get(str(value).strip().lower())
    if role is None:
        raise InputError(f"{where}: unknown role {value!r} (expected {_ROLE_HELP})")
    return role


def _kind(value: Any, where: str) -> Channel | None:
    """A call_type/channel value as call or chat; a number is an audio track and says nothing here."""
    if value in (None, "") or _number(value) is not None:
        return None
    kind = _KINDS.get(str(value).strip().lower())
    if kind is None:
        raise InputError(f"{where}: unknown channel {value!r} (expected call/phone/电话 or chat/im/在线)")
    return kind


def _object(value: Any, where: str, expected: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected {expected}, found {type(value).__name__}")
    return value


def _array(value: Any, where: str, expected: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected {expected}, found {type(value).__name__}")
    return value


def _join(parts: Iterable[str]) -> str:
    """Wrapped lines as one utterance: joined directly, with a space only between two Latin words."""
    text = ""
    for part in filter(None, (part.strip() for part in parts)):
        latin = text and text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum()
        text += (" " if latin else "") + part
    return text


# --- canonical: JSONL, CSV, JSON -----------------------------------------------------------------


@dataclass
class _Draft:
    """A conversation being collected from canonical utterances."""

    id: str
    kind: Channel | None = None
    turns: list[Turn] = field(default_factory=list)
    absolute: bool = False  # its times are date-times

    def add(self, item: Any, where: str, line: int | None, src: _Source) -> None:
        item = _object(item, where, 'an utterance with "role" and "text"')
        # the first text key with a value, else one that is there but blank or null (then dropped or reported)
        text_key = _present(item, _TEXT_KEYS) or next((key for key in _TEXT_KEYS if key in item), None)
        if text_key is None:
            raise InputError(f'{where}: expected a "text" field')
        track = _number(item.get("channel"))
        role_value = item.get("role")
        role = _track_role(track, src) if role_value in (None, "") and track is not None else _role(role_value, where)
        begin_key, end_key = _present(item, _BEGIN_KEYS), _present(item, _END_KEYS)
        begin, end = item.get(begin_key), item.get(end_key)
        meta = dict(item["meta"]) if isinstance(item.get("meta"), dict) else {}
        meta.update((key, value) for key, value in item.items() if key not in _UTTERANCE_KEYS)
        self.turns.append(_model(
            Turn, where, role=role, text=item[text_key], seq=item.get(_present(item, ("seq",))),
            speaker=_str(item.get("speaker")), agent_id=_str(item.get("agent_id")),
            agent_name=_str(item.get("agent_name")),
            begin_ms=parse_time_ms(begin, f"{where}: {begin_key}", ms=begin_key in _MS_KEYS),
            end_ms=parse_time_ms(end, f"{where}: {end_key}", ms=end_key in _MS_KEYS),
            hold=item.get("hold") or False, line=line, meta=meta))
        self.absolute = self.absolute or _is_datetime(begin) or _is_datetime(end)
        self.kind = self.kind or _kind(item.get(_present(item, _KIND_KEYS)), where)

    def build(self, src: _Source, **fields: Any) -> Iterator[Conversation]:
        return _finish(src, self.id, self.turns, channel=self.kind, absolute=self.absolute, **fields)


def _grouped(rows: Iterable[Row], src: _Source, kind: Channel | None = None) -> Iterator[Conversation]:
    """Canonical utterances (and whole conversations) as conversations, one held in memory at a time."""
    draft: _Draft | None = None
    done: set[str] = set()
    rows = iter(rows)
    while True:
        try:
            where, line, item = next(rows)
        except StopIteration:
            break
        except _LineError as error:
            if draft is not None and error.conv_id not in (None, draft.id):
                yield from draft.build(src)
            raise
        item = _object(item, where, 'an utterance with "role" and "text", or a conversation with "turns"')
        whole = _present(item, _TURNS_KEYS) or next((key for key in _TURNS_KEYS if key in item), None)
        conv_id = _str(item.get(_present(item, (*_CONV_KEYS, "id") if whole else _CONV_KEYS))) or src.stem
        if draft is not None and (whole or conv_id != draft.id):
            yield from draft.build(src)
            done.add(draft.id)
            draft = None
        if whole:
            yield from _whole(item, whole, conv_id, where, src, kind)
            continue
        if draft is None:
            if conv_id in done:
                at = f"line {line}" if line else "this item"
                raise InputError(f"{where}: conversation {conv_id} continues at {at} after other conversations; "
                                 "group lines by conv_id")
            draft = _Draft(conv_id, kind)
        draft.add(item, where, line, src)
    if draft is not None:
        yield from draft.build(src)


def _whole(item: dict[str, Any], key: str, conv_id: str, where: str, src: _Source,
           kind: Channel | None) -> Iterator[Conversation]:
    """One whole conversation object: {conv_id|id, turns|utterances|messages, agent_id?, channel?, …}."""
    draft = _Draft(conv_id, _kind(item.get(_present(item, _KIND_KEYS)), where) or kind)
    for index, turn in enumerate(_array(item[key], f"{where} {key}", "a list of turns")):
        draft.add(turn, f"{where} {key}[{index}]", None, src)
    known = {key, "id", "agent_id", "agent_name", "meta", *_CONV_KEYS, *_KIND_KEYS}
    meta = dict(item["meta"]) if isinstance(item.get("meta"), dict) else {}
    meta.update((name, value) for name, value in item.items() if name not in known)
    yield from draft.build(src, agent_id=_str(item.get("agent_id")), agent_name=_str(item.get("agent_name")),
                           meta=meta)


def _json_lines(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Row]:
    for number, text in lines:
        if text.strip():
            try:
                item = _load_json(text, name, number)
            except InputError as error:
                raise _LineError(str(error), _seen_conv_id(text)) from None
            yield f"{name}:{number}", number, item


def _json(doc: Any, src: _Source) -> Iterator[Conversation]:
    """A JSON document of conversations, a list of them, {conversations: [...]}, or a list of utterances."""
    if isinstance(doc, dict) and not _present(doc, _TURNS_KEYS) and isinstance(doc.get("conversations"), list):
        doc = doc["conversations"]
    if isinstance(doc, list):
        yield from _grouped(((f"{src.name}: [{index}]", None, item) for index, item in enumerate(doc)), src)
    else:
        yield from _grouped([(src.name, None, doc)], src)


def _csv(lines: Iterable[tuple[int, str]], src: _Source) -> Iterator[Conversation]:
    """CSV (or tab-separated) with a header naming at least text and role (or a numeric channel)."""
    texts = (text for _, text in lines)
    first = next(texts, "")
    reader = csv.reader(itertools.chain([first], texts), delimiter="\t" if "\t" in first and "," not in first else ",")

    def next_row() -> list[str] | None:
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise InputError(f"{src.name}:{reader.line_num}: malformed CSV ({error})") from None

    header = [_column(cell) for cell in next_row() or []]
    missing = [need for need, names in (("role", {"role", "channel"}), ("text", {"text", "content"}))
               if not names & set(header)]
    if missing:
        raise InputError(f"{src.name}:1: expected a CSV header with role and text columns (missing: "
                         f"{', '.join(missing)}; found: {', '.join(header) or 'nothing'})")

    def rows() -> Iterator[Row]:
        end = reader.line_num
        while (row := next_row()) is not None:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in row):
                if len(row) != len(header):
                    cells = dict(zip(header, row))
                    raise _LineError(f"{src.name}:{start}: expected {len(header)} fields like the header, found "
                                     f"{len(row)}", _str(cells.get(_present(cells, _CONV_KEYS))))
                yield f"{src.name}:{start}", start, dict(zip(header, row))

    yield from _grouped(rows(), src)


# --- plain text and subtitles --------------------------------------------------------------------


def _txt(text: str, src: _Source) -> Iterator[Conversation]:
    """坐席:/客户: lines, one conversation a file; unprefixed lines continue the turn before, and lines
    before the first turn (a title, a call header) are kept in the conversation's meta["header"]."""
    drafts: list[tuple[int, re.Match[str], list[str]]] = []
    header: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _TXT_TURN.match(line)
        if match:
            drafts.append((number, match, [match["text"]]))
        else:
            (drafts[-1][2] if drafts else header).append(line)
    if not drafts:
        first = next(line.strip() for line in header if line.strip())
        raise InputError(f"{src.name}:1: expected turns starting with a role and a colon (坐席: / 客服: / 客户: …), "
                         f"found none; the file starts {first[:30]!r}")
    turns = []
    for number, match, parts in drafts:
        where = f"{src.name}:{number}"
        turns.append(_model(Turn, where, role=_ROLES[match["role"].lower()], text=_join(parts), line=number,
                            speaker=match["name"].strip(" ()（）[]【】-_·") or None,
                            begin_ms=parse_time_ms(match["bracketed"] or match["time"], where)))
    absolute = any(_is_datetime(match["bracketed"] or match["time"]) for _, match, _ in drafts)
    header = [line.strip() for line in header if line.strip()]
    yield from _finish(src, src.stem, turns, absolute=absolute, meta={"header": header} if header else {})


def _subtitles(text: str, src: _Source) -> Iterator[Conversation]:
    """SRT and WebVTT cues, which share a shape: [number or id,] timing line, payload lines.

    The WebVTT header and NOTE/STYLE/REGION blocks are skipped; cue settings after the timing are ignored.
    """
    cues: list[tuple[int, str | None, str, int | None, int | None]] = []
    for start, block in _blocks(text):
        if block[0].split()[0] in ("WEBVTT", "NOTE", "STYLE", "REGION"):
            continue
        timing = next(((index, found) for index, line in enumerate(block[:2]) if (found := _TIMING.search(line))),
                      None)
        if timing is None:
            raise InputError(f"{src.name}:{start}: expected a cue: an optional number or id, then a timing line "
                             "like 00:00:01,000 --> 00:00:03,500")
        index, (begin, end) = timing[0], timing[1].groups()
        where = f"{src.name}:{start + index}"
        speaker, words = _cue_text(block[index + 1:])
        cues.append((start, speaker, words, parse_time_ms(begin, where), parse_time_ms(end, where)))
    names = [cue[1] for cue in cues if cue[1]]
    if not names:
        raise InputError(f"{src.name}: no cue names its speaker: expected <v 坐席> (WebVTT) or a 坐席:/客户: prefix, "
                         "so that agent turns can be told apart")
    roles = _speaker_roles(dict.fromkeys(names))
    turns, speaker = [], None
    for start, name, words, begin, end in cues:
        speaker = name or speaker
        turns.append(_model(Turn, f"{src.name}:{start}", role=roles.get(speaker, "customer"), speaker=speaker,
                            text=words, begin_ms=begin, end_ms=end, line=start))
    yield from _finish(src, src.stem, turns, channel="call")


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks: (line of the first line, stripped lines)."""
    start, block = 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            start = start if block else number
            block.append(line.strip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _cue_text(payload: list[str]) -> tuple[str | None, str]:
    """(speaker, text) of a cue: the speaker from <v Name>, else a short `Name:` prefix that is not a number."""
    voice = _VOICE.search("\n".join(payload))
    text = _join(unescape(_TAG.sub("", line)) for line in payload)
    if voice:
        return voice[1].strip(), text
    label = _LABEL.fullmatch(text)
    if label and not label["name"].strip().isdigit():
        return label["name"].strip(), label["text"]
    return None, text


def _label_role(label: str) -> TurnRole | None:
    word = label.strip().lower()
    return _ROLES.get(word) or next((_ROLES[role] for role in _ROLE_WORDS if role in word), None)


def _speaker_roles(names: Iterable[str]) -> dict[str, TurnRole]:
    """Roles of subtitle speakers (rule in the module docstring)."""
    roles = {name: _label_role(name) for name in names}
    known = [role for role in roles.values() if role]
    fallback: TurnRole = "agent" if len(roles) == 2 and known == ["customer"] else "customer"
    return {name: role or fallback for name, role in roles.items()}


# --- ASR results ---------------------------------------------------------------------------------


def _pick(item: dict[str, Any], key: str) -> Any:
    """`Key` or `key`: Alibaba writes both casings."""
    value = item.get(key)
    return item.get(key[0].lower() + key[1:]) if value is None else value


def _asr_turn(src: _Source, where: str, *, text: Any, begin: Any, end: Any, track: int, speaker: Any,
              meta: dict[str, Any]) -> Turn:
    """An ASR sentence: times in ms, the track equal to agent_channel is the agent."""
    return _model(Turn, where, role=_track_role(track, src), text=text, speaker=_str(speaker), meta=meta,
                  begin_ms=parse_time_ms(begin, f"{where}: begin", ms=True),
                  end_ms=parse_time_ms(end, f"{where}: end", ms=True))


def _aliyun(doc: Any, src: _Source) -> Iterator[Conversation]:
    """Alibaba 录音文件识别: {TaskId, StatusText, Result: {Sentences}}, {Sentences}, or the sentence list;
    SCA dialogue items ({role, words, begin, end}) go the canonical way."""
    meta: dict[str, Any] = {}
    sentences = doc
    if isinstance(doc, dict):
        status = _pick(doc, "StatusText")
        if status is not None and status not in _ALIYUN_OK:
            raise InputError(f"{src.name}: Alibaba task {_pick(doc, 'TaskId')} status is {status}: expected "
                             f"{' or '.join(_ALIYUN_OK)} (the task has not finished or has failed)")
        result = _embedded_json(_pick(doc, "Result"), f"{src.name}: Result")
        sentences = _pick(result if isinstance(result, dict) else doc, "Sentences") or []
        meta = {"task_id": _pick(doc, "TaskId")} if _pick(doc, "TaskId") else {}
    sentences = _array(sentences, f"{src.name}: Sentences", "a list of sentences")
    if sentences and isinstance(sentences[0], dict) and "role" in sentences[0]:
        yield from _grouped(((f"{src.name}: [{index}]", None, item) for index, item in enumerate(sentences)), src,
                            kind="call")
        return
    turns = []
    for index, sentence in enumerate(sentences):
        where = f"{src.name}: Sentences[{index}]"
        sentence = _object(sentence, where, "a sentence object")
        channel_id, speaker = _pick(sentence, "ChannelId"), _pick(sentence, "SpeakerId")
        turns.append(_asr_turn(src, where, text=_pick(sentence, "Text"), begin=_pick(sentence, "BeginTime"),
                               end=_pick(sentence, "EndTime"), speaker=speaker,
                               track=_track(speaker if channel_id is None else channel_id, where),
                               meta={k: v for k, v in sentence.items() if k not in _ALIYUN_USED}))
    yield from _finish(src, src.stem, turns, channel="call", sort_by="begin_ms", meta=meta)


def _tencent(doc: Any, src: _Source) -> Iterator[Conversation]:
    """Tencent DescribeTaskStatus: ResultDetail[] when present, else the `[m:ss.mmm,m:ss.mmm(,speaker)] text` Result."""
    response = _object(_object(doc, src.name, "a Tencent DescribeTaskStatus response").get("Response", doc),
                       f"{src.name}: Response", "an object")
    if response.get("Error"):
        error = _object(response["Error"], f"{src.name}: Response.Error", "{Code, Message}")
        raise InputError(f"{src.name}: Tencent error {error.get('Code')}: {error.get('Message')}")
    data = _object(response.get("Data", response), f"{src.name}: Data", "an object")
    status = _number(data.get("Status"))
    if status in _TENCENT_STATUS:
        detail = data.get("ErrorMsg") or data.get("StatusStr") or ""
        raise InputError(f"{src.name}: Tencent task {data.get('TaskId')} is {_TENCENT_STATUS[status]}"
                         f"{': ' + detail if detail else ''}; expected a finished task (Status 2)")
    turns = []
    if data.get("ResultDetail"):
        for index, sentence in enumerate(_array(data["ResultDetail"], f"{src.name}: ResultDetail", "a list")):
            where = f"{src.name}: ResultDetail[{index}]"
            sentence = _object(sentence, where, "a sentence object")
            turns.append(_asr_turn(src, where, text=sentence.get("FinalSentence"), begin=sentence.get("StartMs"),
                                   end=sentence.get("EndMs"), track=_track(sentence.get("SpeakerId"), where),
                                   speaker=sentence.get("SpeakerId"),
                                   meta={k: v for k, v in sentence.items() if k not in _TENCENT_USED}))
    else:
        result = data.get("Result") or ""
        if not isinstance(result, str):
            raise InputError(f"{src.name}: Result: expected a string, found {type(result).__name__}")
        for number, line in enumerate(result.splitlines(), 1):
            where = f"{src.name}: Result line {number}"
            match = _TENCENT_LINE.fullmatch(line.strip())
            if line.strip() and not match:
                raise InputError(f'{where}: expected "[m:ss.mmm,m:ss.mmm(,speaker)]  text", found {line.strip()[:40]!r}')
            if match:
                turns.append(_asr_turn(src, where, text=match[4], begin=match[1], end=match[2], speaker=match[3],
                                       track=_track(match[3], where), meta={}))
    meta = {"task_id": data["TaskId"]} if data.get("TaskId") else {}
    yield from _finish(src, src.stem, turns, channel="call", sort_by="begin_ms", meta=meta)


def _iflytek(doc: Any, src: _Source) -> Iterator[Conversation]:
    """iFlytek lfasr v2 getResult: content.orderResult (a JSON string) → lattice[].json_1best (another) → st."""
    doc = _object(doc, src.name, "an iFlytek getResult response")
    if str(doc.get("code", "000000")) != "000000":
        raise InputError(f"{src.name}: iFlytek error {doc.get('code')}: {doc.get('descInfo')}")
    content = _object(doc.get("content"), f"{src.name}: content", "{orderInfo, orderResult}")
    info = content.get("orderInfo") if isinstance(content.get("orderInfo"), dict) else {}
    if not content.get("orderResult"):
        raise InputError(f"{src.name}: no orderResult (order status {info.get('status')}, failType "
                         f"{info.get('failType')}): expected a finished order (status 4)")
    result = _object(_embedded_json(content["orderResult"], f"{src.name}: orderResult"), f"{src.name}: orderResult",
                     "{lattice: [...]}")
    turns = []
    for index, item in enumerate(_array(result.get("lattice") or result.get("lattice2") or [],
                                        f"{src.name}: orderResult.lattice", "a list")):
        where = f"{src.name}: orderResult.lattice[{index}]"
        best = _embedded_json(_object(item, where, "{json_1best}").get("json_1best"), f"{where}.json_1best")
        try:
            sentence = best["st"]
            text = "".join(ws["cw"][0]["w"] for rt in sentence["rt"] for ws in rt["ws"] if ws["cw"])
        except (KeyError, IndexError, TypeError):
            raise InputError(f"{where}.json_1best: expected {{st: {{bg, ed, rl, rt: [{{ws: [{{cw: [{{w}}]}}]}}]}}}}") from None
        turns.append(_asr_turn(src, where, text=text, begin=sentence.get("bg"), end=sentence.get("ed"),
                               track=max(_track(sentence.get("rl"), where) - 1, 0), speaker=sentence.get("rl"),
                               meta={}))
    meta = {"order_id": info["orderId"]} if info.get("orderId") else {}
    yield from _finish(src, src.stem, turns, channel="call", sort_by="begin_ms", meta=meta)


# --- chat exports --------------------------------------------------------------------------------


def _wecom_role(userid: str) -> TurnRole:
    if userid.startswith("wb"):
        return "bot"
    return "customer" if userid.startswith(("wo", "wm")) else "agent"


def _wecom(rows: Iterable[Row], src: _Source) -> Iterator[Conversation]:
    """WeCom 会话存档 messages: text messages by chat (roomid, else the pair of users), recalls applied."""
    chats: dict[str, list[Turn]] = {}
    for where, line, message in rows:
        message = _object(message, where, "a WeCom message object")
        action = message.get("action", "send")
        if action == "switch":
            continue
        sender, tolist = message.get("from"), message.get("tolist") or []
        if not isinstance(sender, str) or not sender or not isinstance(tolist, list):
            raise InputError(f'{where}: expected a WeCom message with a "from" userid and a "tolist" list')
        chat = chats.setdefault(_str(message.get("roomid")) or "~".join(sorted({sender, *map(str, tolist[:1])})), [])
        if action == "recall":
            revoke = message.get("revoke")
            revoked = revoke.get("pre_msgid") if isinstance(revoke, dict) else None
            chat[:] = [turn for turn in chat if turn.meta.get("msgid") != revoked]
        elif message.get("msgtype") == "text":
            role = _wecom_role(sender)
            body = _object(message.get("text"), f"{where}: text", '{"content": "…"}')
            chat.append(_model(Turn, where, role=role, text=body.get("content"), speaker=sender,
                               agent_id=sender if role == "agent" else None, line=line,
                               begin_ms=parse_time_ms(message.get("msgtime"), f"{where}: msgtime", ms=True),
                               meta={"msgid": message["msgid"]} if message.get("msgid") else {}))
    for conv_id, turns in chats.items():
        yield from _finish(src, conv_id, turns, channel="chat", absolute=True, sort_by="begin_ms")


def _wecom_list(doc: Any, src: _Source) -> Iterator[Conversation]:
    messages = _array(doc, src.name, "a list of WeCom messages")
    yield from _wecom(((f"{src.name}: [{index}]", None, item) for index, item in enumerate(messages)), src)


_DOCUMENT_PARSERS = {"json": _json, "jsonl": _json, "aliyun": _aliyun, "tencent": _tencent, "iflytek": _iflytek,
                     "wecom": _wecom_list}
