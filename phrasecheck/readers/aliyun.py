"""Alibaba 录音文件识别 (nls-filetrans GetTaskResult) results, and SCA dialogues.

``{TaskId, StatusText, Result: {Sentences: [...]}}``, ``{Sentences: [...]}`` or the sentence list,
with PascalCase or lower-camelCase keys (``BeginTime``/``beginTime``…); ``Result`` may be a JSON
string.  ``ChannelId`` (else ``SpeakerId``) equal to the agent channel is the agent; sentences are
sorted by time.  SCA dialogue items ``{role: 客服|客户, words, begin, end}`` read as canonical
utterances.  A task that has not succeeded is an error naming its status.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import InputError
from .grouping import Item, grouped
from .registry import Reader, keys_of, register
from .jsondoc import embedded_json
from .source import Input
from .transcript import Transcript
from .values import array, obj, track

_OK = ("SUCCESS", "SUCCESS_WITH_NO_VALID_FRAGMENT")
_USED = frozenset(("Text", "text", "BeginTime", "beginTime", "EndTime", "endTime", "Words", "words"))
_KEYS = {"TaskId", "taskId", "StatusText", "statusText", "Result", "result", "Sentences", "sentences", "BeginTime",
         "beginTime"}


def _pick(item: dict[str, Any], key: str) -> Any:
    """`Key` or `key`: Alibaba writes both casings."""
    value = item.get(key)
    return item.get(key[0].lower() + key[1:]) if value is None else value


def parse_aliyun(data: Input) -> Iterator[Transcript]:
    doc = data.document()
    meta: dict[str, Any] = {}
    sentences = doc
    if isinstance(doc, dict):
        status = _pick(doc, "StatusText")
        if status is not None and status not in _OK:
            raise InputError(f"{data.name}: Alibaba task {_pick(doc, 'TaskId')} status is {status}: expected "
                             f"{' or '.join(_OK)} (the task has not finished or has failed)")
        result = embedded_json(_pick(doc, "Result"), f"{data.name}: Result", data.options.limits)
        sentences = _pick(result if isinstance(result, dict) else doc, "Sentences") or []
        meta = {"task_id": _pick(doc, "TaskId")} if _pick(doc, "TaskId") else {}
    sentences = array(sentences, f"{data.name}: Sentences", "a list of sentences")
    if sentences and isinstance(sentences[0], dict) and "role" in sentences[0]:
        items = (Item(f"{data.name}: [{index}]", None, item) for index, item in enumerate(sentences))
        yield from grouped(items, data, "call")
        return
    transcript = Transcript(data, None, "call", sort_by="begin_ms", meta=meta)
    for index, sentence in enumerate(sentences):
        where = f"{data.name}: Sentences[{index}]"
        sentence = obj(sentence, where, "a sentence object")
        channel_id, speaker = _pick(sentence, "ChannelId"), _pick(sentence, "SpeakerId")
        transcript.add_sentence(where, text=_pick(sentence, "Text"), begin=_pick(sentence, "BeginTime"),
                                end=_pick(sentence, "EndTime"), speaker=speaker,
                                track=track(speaker if channel_id is None else channel_id, where),
                                meta={k: v for k, v in sentence.items() if k not in _USED})
    yield transcript


def _claims(doc: Any) -> bool:
    keys = keys_of(doc)
    if "role" in keys:  # an SCA dialogue has words; other items with a role are canonical utterances
        return "words" in keys
    return bool(keys & _KEYS)


register(Reader("aliyun", "an Alibaba ASR result", parse_aliyun, claims=_claims, order=50,
                streams=("", "Sentences", "sentences", "Result.Sentences", "result.sentences", "Result.sentences",
                         "result.Sentences")))
