"""What the check processes (`api.pool`) do with a request body: read it, check or score it, and
answer the bytes to send.

Everything that costs CPU in proportion to the request happens here, in a process: validating
the JSON, the limits, the check itself and writing the answer.  The event loop hands over the
body as it came and sends back what comes out, so a big or pathological request costs it nothing
(a small body may be answered on the loop itself, by the same function: `Pool.run_here`).

A job answers a `Reply` (status, body, headers, and the log lines to write in the service's log,
since a process has no log of its own), or `NeedPacks` when the request names a pack that was
not compiled when the process was forked: the service compiles it and sends the job again.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from phrasecheck import SCHEMA, Checker, LexiconError, PhrasecheckError
from phrasecheck.lexicon import available_packs
from phrasecheck.qa.house import HouseRules, HouseRulesError
from phrasecheck.qa.template import available_templates

from .errors import ApiError, error_document, invalid, json_bytes
from .models import BatchRequest, CheckRequest, ScoreRequest
from .reload import Loaded
from .settings import Settings

Body = TypeVar("Body", bound=BaseModel)


@dataclass(frozen=True)
class Serving:
    """What a check process inherits at its fork: the settings and the compiled packs by name."""

    settings: Settings
    default: str
    loaded: dict[str, Loaded]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    logs: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # (format, args) for the service's log


@dataclass(frozen=True)
class NeedPacks:
    names: tuple[str, ...]


class _Missing(Exception):
    def __init__(self, names: list[str]):
        super().__init__(names)
        self.names = tuple(dict.fromkeys(names))


def _job(work: Callable[[Serving, bytes], Reply]) -> Callable[[Serving, bytes], Reply | NeedPacks]:
    """A job: its `ApiError`s become error replies, a missing pack `NeedPacks`."""

    @functools.wraps(work)
    def job(serving: Serving, body: bytes) -> Reply | NeedPacks:
        try:
            return work(serving, body)
        except ApiError as error:
            return Reply(error.status, json_bytes(error_document(error.code, error.message, error.detail)), error.headers or {})
        except _Missing as missing:
            return NeedPacks(missing.names)

    return job


def packs(serving: Serving, names: list[str | None]) -> list[Loaded]:
    """The compiled pack for each name (`None` is the default), or `_Missing` naming those not inherited."""
    wanted = [name or serving.default for name in names]
    missing = [name for name in wanted if name not in serving.loaded]
    if missing:
        raise _Missing(missing)
    return [serving.loaded[name] for name in wanted]


def parse(body: bytes, model: type[Body]) -> Body:
    """The body validated as `model` (a UTF-8 BOM is allowed); errors in the one shape."""
    try:
        return model.model_validate_json(body.removeprefix(b"\xef\xbb\xbf"))
    except ValidationError as error:
        raise invalid(error.errors(include_url=False, include_input=False), body) from None


# -- limits --------------------------------------------------------------------------------------
def require_text_fits(settings: Settings, text: str, where: str, index: int | None = None) -> None:
    """422 `text_too_long` naming the field (and the item's index) when `text` is over the limit."""
    limit = settings.max_text_chars
    if len(text) > limit:
        detail = {"length": len(text), "limit": limit}
        if index is not None:
            detail["index"] = index
        raise ApiError(422, "text_too_long", f"{where} is {len(text)} characters; the limit is {limit}", detail)


def require_count_fits(count: int, limit: int, code: str, what: str, unit: str) -> None:
    """413 naming what was counted, how many and the limit (`batch has 120 items; the limit is 100`)."""
    if count > limit:
        raise ApiError(413, code, f"{what} has {count} {unit}; the limit is {limit}", {unit: count, "limit": limit})


def require_texts_fit(settings: Settings, texts: list[str], field: str, what: str) -> None:
    """Every text under the per-text limit, and all of them together under the per-request one."""
    for index, text in enumerate(texts):
        require_text_fits(settings, text, f"{field}[{index}].text", index)
    total, limit = sum(map(len, texts)), settings.max_request_chars
    if total > limit:
        raise ApiError(413, "request_too_long", f"{what} has {total} characters of text in all; the limit is {limit} per request",
                       {"characters": total, "limit": limit})


# -- the jobs ------------------------------------------------------------------------------------
def timed(work: Callable[[], Any], logs: list[tuple[str, tuple]] | None = None) -> Reply:
    """`work()`'s result as JSON with `Server-Timing: check;dur=<ms>`, the time of the work itself."""
    started = time.perf_counter()
    result = work()
    elapsed = (time.perf_counter() - started) * 1000
    return Reply(200, json_bytes(result), {"Server-Timing": f"check;dur={elapsed:.3f}"}, tuple(logs or ()))


def _check(loaded: Loaded, item: CheckRequest, settings: Settings, logs: list[tuple[str, tuple]]) -> dict[str, Any]:
    if item.disabled_rules:
        unknown = [r for r in item.disabled_rules if r not in loaded.rule_ids]
        if unknown:
            raise ApiError(404, "unknown_rule", f"unknown rule {unknown[0]!r} in pack {loaded.name!r} (see GET /v1/rules)",
                           {"unknown_rules": unknown})
    result = loaded.checker.check(item.text, item.role, item.id, item.disabled_rules)
    if settings.log_text:
        logs.append(("check pack=%s role=%s id=%s decision=%s text=%r", (loaded.name, item.role, item.id, result.decision, item.text)))
    return result.to_dict()


@_job
def check(serving: Serving, body: bytes) -> Reply:
    item = parse(body, CheckRequest)
    require_text_fits(serving.settings, item.text, "text")
    [loaded] = packs(serving, [item.pack])
    logs: list[tuple[str, tuple]] = []
    return timed(lambda: _check(loaded, item, serving.settings, logs), logs)


@_job
def check_batch(serving: Serving, body: bytes) -> Reply:
    batch, settings = parse(body, BatchRequest), serving.settings
    require_count_fits(len(batch.items), settings.max_batch, "batch_too_large", "batch", "items")
    require_texts_fit(settings, [item.text for item in batch.items], "items", "batch")
    resolved = packs(serving, [item.pack or batch.pack for item in batch.items])
    logs: list[tuple[str, tuple]] = []
    return timed(lambda: {"schema": SCHEMA, "results": [_check(loaded, item, settings, logs)
                                                         for loaded, item in zip(resolved, batch.items)]}, logs)


@_job
def score(serving: Serving, body: bytes) -> Reply:
    conversation, settings = parse(body, ScoreRequest), serving.settings
    require_count_fits(len(conversation.turns), settings.max_turns, "too_many_turns", "conversation", "turns")
    require_texts_fit(settings, [turn.text for turn in conversation.turns], "turns", "conversation")
    [loaded] = packs(serving, [conversation.pack])
    template = None
    if conversation.template is not None:
        known = list(available_templates())
        if conversation.template not in known:
            raise ApiError(404, "unknown_template", f"unknown template {conversation.template!r} (known templates: {', '.join(known)})",
                           {"known_templates": known})
        try:
            template = loaded.checker.template(conversation.template)
        except LexiconError as error:
            raise ApiError(503, "template_unavailable", f"template {conversation.template!r} does not load: {error}") from None
    house = _house_rules(loaded.checker, conversation.house_rules) if conversation.house_rules is not None else None
    return timed(lambda: loaded.checker.score_conversation(conversation, template, house_rules=house).to_dict())


def _house_rules(checker: Checker, document: str | dict[str, Any]) -> HouseRules:
    """The request's house rules compiled (cached per checker), or the error naming rule and field."""
    if isinstance(document, str):
        known = available_packs()
        if document not in known:
            raise ApiError(404, "unknown_pack", f"unknown pack {document!r} in house_rules (known packs: {', '.join(known)})",
                           {"known_packs": list(known)})
    try:
        return checker.house_rules(document)
    except HouseRulesError as error:
        raise ApiError(422, "invalid_house_rules", str(error), [{"rule": error.rule, "field": error.field}]) from None
    except PhrasecheckError as error:  # a named pack that does not load
        raise ApiError(422, "invalid_house_rules", str(error), [{"rule": None, "field": None}]) from None
