"""Tencent Cloud ASR ``DescribeTaskStatus`` responses.

``{Response: {Data: {TaskId, Status, Result, ResultDetail[]}}}`` (or ``Data``, or the data
itself).  ``ResultDetail[]`` (FinalSentence, StartMs, EndMs, SpeakerId…) when present, else the
``Result`` string, one ``[m:ss.mmm,m:ss.mmm(,speaker)]  text`` line a sentence.  ``SpeakerId``
equal to the agent channel is the agent.  A task that is waiting, running or failed is an error.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import InputError
from .registry import Reader, keys_of, register
from .source import Input
from .transcript import Transcript
from .values import array, number, obj, track

_STATUS = {0: "waiting", 1: "running", 3: "failed"}
_USED = frozenset(("FinalSentence", "SliceSentence", "WrittenText", "StartMs", "EndMs", "Words"))
_LINE = re.compile(r"\[(\d+:\d+(?:\.\d+)?),(\d+:\d+(?:\.\d+)?)(?:,(\d+))?\]\s*(.*)")
_KEYS = {"Response", "Data", "ResultDetail", "StatusStr", "AudioDuration"}


def parse_tencent(data: Input) -> Iterator[Transcript]:
    doc = obj(data.document(), data.name, "a Tencent DescribeTaskStatus response")
    response = obj(doc.get("Response", doc), f"{data.name}: Response", "an object")
    if response.get("Error"):
        error = obj(response["Error"], f"{data.name}: Response.Error", "{Code, Message}")
        raise InputError(f"{data.name}: Tencent error {error.get('Code')}: {error.get('Message')}")
    result = obj(response.get("Data", response), f"{data.name}: Data", "an object")
    status = number(result.get("Status"))
    if status in _STATUS:
        detail = result.get("ErrorMsg") or result.get("StatusStr") or ""
        raise InputError(f"{data.name}: Tencent task {result.get('TaskId')} is {_STATUS[status]}"
                         f"{': ' + detail if detail else ''}; expected a finished task (Status 2)")
    transcript = Transcript(data, None, "call", sort_by="begin_ms",
                            meta={"task_id": result["TaskId"]} if result.get("TaskId") else {})
    if result.get("ResultDetail"):
        for index, sentence in enumerate(array(result["ResultDetail"], f"{data.name}: ResultDetail", "a list")):
            where = f"{data.name}: ResultDetail[{index}]"
            sentence = obj(sentence, where, "a sentence object")
            transcript.add_sentence(where, text=sentence.get("FinalSentence"), begin=sentence.get("StartMs"),
                                    end=sentence.get("EndMs"), track=track(sentence.get("SpeakerId"), where),
                                    speaker=sentence.get("SpeakerId"),
                                    meta={k: v for k, v in sentence.items() if k not in _USED})
    else:
        _result_lines(transcript, result.get("Result") or "")
    yield transcript


def _result_lines(transcript: Transcript, text: Any) -> None:
    name = transcript.data.name
    if not isinstance(text, str):
        raise InputError(f"{name}: Result: expected a string, found {type(text).__name__}")
    for number_, line in enumerate(text.splitlines(), 1):
        where = f"{name}: Result line {number_}"
        match = _LINE.fullmatch(line.strip())
        if line.strip() and not match:
            raise InputError(f'{where}: expected "[m:ss.mmm,m:ss.mmm(,speaker)]  text", found {line.strip()[:40]!r}')
        if match:
            transcript.add_sentence(where, text=match[4], begin=match[1], end=match[2], speaker=match[3],
                                    track=track(match[3], where), meta={})


def _claims(doc: Any) -> bool:
    return bool(keys_of(doc) & _KEYS)


register(Reader("tencent", "a Tencent ASR result", parse_tencent, claims=_claims, order=20,
                streams=("Response.Data.ResultDetail", "Data.ResultDetail", "ResultDetail")))
