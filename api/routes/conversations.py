"""`POST /v1/conversations/score`: a whole call or chat scored on a template, as `phrasecheck score` does."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from phrasecheck.qa.template import available_templates

from ..deps import ServiceDep, json_body, request_body, timed
from ..errors import ApiError, error_responses
from ..models import ConversationResultOut, ScoreRequest

router = APIRouter(tags=["check"])


@router.post("/v1/conversations/score", responses={200: {"model": ConversationResultOut}, **error_responses(404, 503)},
             openapi_extra=request_body(ScoreRequest))
async def score_conversation(request: Request, service: ServiceDep) -> Response:
    """Score a whole call or chat on a template (default `seed-003`): every turn checked, the
    conversation rules (greeting, farewell, apology after a wait…), deductions, grade, pass/fail.

    A turn's `role` takes the same words as transcript files and the command line (客户, 坐席, 0, 1…)."""
    body = await json_body(request, ScoreRequest)
    for index, turn in enumerate(body.turns):
        service.require_text_fits(turn.text, f"turns[{index}].text", index)
    loaded = await service.packs.compiled(body.pack)
    template = None
    if body.template is not None:
        known = list(available_templates())
        if body.template not in known:
            raise ApiError(404, "unknown_template", f"unknown template {body.template!r} (known templates: {', '.join(known)})",
                           {"known_templates": known})
        template = await run_in_threadpool(loaded.checker.template, body.template)
    return timed(lambda: loaded.checker.score_conversation(body, template).to_dict())
