"""iFlytek 录音文件转写 (lfasr v2) ``getResult`` responses.

``{code, descInfo, content: {orderInfo, orderResult}}``: ``orderResult`` is a JSON string of
``lattice[]`` (or ``lattice2[]``), each ``json_1best`` another JSON string
``{st: {bg, ed, rl, rt: [{ws: [{cw: [{w}]}]}]}}``; the text is the first candidate word of each
``ws``.  ``rl`` is the speaker as iFlytek numbers it, from 1: ``--agent-channel N`` names the rl
of the agent (1 by default); rl 0 (no role separation) reads as rl 1.  A response with an error
code or no result is an error.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import InputError
from .registry import Reader, first_item, keys_of, register
from .jsondoc import embedded_json
from .source import Input
from .transcript import Transcript
from .values import array, obj, track


def parse_iflytek(data: Input) -> Iterator[Transcript]:
    doc = obj(data.document(), data.name, "an iFlytek getResult response")
    if str(doc.get("code", "000000")) != "000000":
        raise InputError(f"{data.name}: iFlytek error {doc.get('code')}: {doc.get('descInfo')}")
    content = obj(doc.get("content"), f"{data.name}: content", "{orderInfo, orderResult}")
    info = content.get("orderInfo") if isinstance(content.get("orderInfo"), dict) else {}
    if not content.get("orderResult"):
        raise InputError(f"{data.name}: no orderResult (order status {info.get('status')}, failType "
                         f"{info.get('failType')}): expected a finished order (status 4)")
    result = obj(embedded_json(content["orderResult"], f"{data.name}: orderResult", data.options.limits), f"{data.name}: orderResult",
                 "{lattice: [...]}")
    transcript = Transcript(data, None, "call", sort_by="begin_ms",
                            meta={"order_id": info["orderId"]} if info.get("orderId") else {})
    lattice = array(result.get("lattice") or result.get("lattice2") or [], f"{data.name}: orderResult.lattice",
                    "a list")
    for index, item in enumerate(lattice):
        where = f"{data.name}: orderResult.lattice[{index}]"
        best = embedded_json(obj(item, where, "{json_1best}").get("json_1best"), f"{where}.json_1best",
                             data.options.limits)
        try:
            sentence = best["st"]
            text = "".join(ws["cw"][0]["w"] for rt in sentence["rt"] for ws in rt["ws"] if ws["cw"])
        except (KeyError, IndexError, TypeError):
            raise InputError(f"{where}.json_1best: expected {{st: {{bg, ed, rl, rt: [{{ws: [{{cw: [{{w}}]}}]}}]}}}}") from None
        transcript.add_sentence(where, text=text, begin=sentence.get("bg"), end=sentence.get("ed"),
                                track=max(track(sentence.get("rl"), where), 1), speaker=sentence.get("rl"),
                                meta={}, first_track=1)
    yield transcript


def _claims(doc: Any) -> bool:
    sample = first_item(doc)
    content = sample.get("content") if isinstance(sample, dict) else None
    return (isinstance(content, dict) and "orderResult" in content) or {"code", "descInfo"} <= keys_of(doc)


register(Reader("iflytek", "an iFlytek ASR result", parse_iflytek, claims=_claims, order=30))
