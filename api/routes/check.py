"""`POST /v1/check` and `POST /v1/check/batch`: the agent's chat tool, before a message is sent.

The check runs inline in the `async def` handler: it is CPU-bound and takes tens of microseconds,
less than a hop to the threadpool costs.  For the same reason these two routes declare no FastAPI
dependency (see `api.deps`): they take the service from the request.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from phrasecheck import SCHEMA

from ..deps import json_body, request_body, service_of, timed
from ..errors import ApiError, error_responses
from ..models import BatchRequest, BatchResult, CheckRequest, CheckResult
from ..reload import Loaded
from ..settings import Settings

log = logging.getLogger("phrasecheck.api")
router = APIRouter(tags=["check"])


def _check(loaded: Loaded, item: CheckRequest, settings: Settings) -> dict[str, Any]:
    if item.disabled_rules:
        unknown = [r for r in item.disabled_rules if r not in loaded.rule_ids]
        if unknown:
            raise ApiError(422, "unknown_rule", f"unknown rule {unknown[0]!r} in pack {loaded.name!r}", {"unknown_rules": unknown})
    result = loaded.checker.check(item.text, item.role, item.id, item.disabled_rules)
    if settings.log_text:
        log.info("check pack=%s role=%s id=%s decision=%s text=%r", loaded.name, item.role, item.id, result.decision, item.text)
    return result.to_dict()


@router.post("/v1/check", responses={200: {"model": CheckResult}, **error_responses(404, 503)}, openapi_extra=request_body(CheckRequest))
async def check(request: Request) -> Response:
    """Check one message before it is sent: decision, score, spans, the standard line, a rewrite.

    `role` takes the same words as the command line (agent/客服/坐席/1, customer/客户/顾客/0…).
    `Server-Timing: check;dur=…` gives the server time of the check itself in milliseconds."""
    service, body = service_of(request), await json_body(request, CheckRequest)
    service.require_text_fits(body.text, "text")
    loaded = await service.packs.compiled(body.pack)
    return timed(lambda: _check(loaded, body, service.settings))


@router.post("/v1/check/batch", responses={200: {"model": BatchResult}, **error_responses(404, 503)},
             openapi_extra=request_body(BatchRequest))
async def check_batch(request: Request) -> Response:
    """Check several messages; results come back in the order of `items`."""
    service, body = service_of(request), await json_body(request, BatchRequest)
    settings = service.settings
    if len(body.items) > settings.max_batch:
        raise ApiError(413, "batch_too_large", f"batch has {len(body.items)} items; the limit is {settings.max_batch}",
                       {"items": len(body.items), "limit": settings.max_batch})
    for index, item in enumerate(body.items):
        service.require_text_fits(item.text, f"items[{index}].text", index)
    resolved = [await service.packs.compiled(item.pack or body.pack) for item in body.items]
    return timed(lambda: {"schema": SCHEMA, "results": [_check(loaded, item, settings) for loaded, item in zip(resolved, body.items)]})
