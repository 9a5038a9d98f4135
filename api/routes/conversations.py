"""`POST /v1/conversations/score`: a whole call or chat scored on a template, as `phrasecheck score` does."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from .. import jobs
from ..deps import request_body
from ..errors import error_responses
from ..models import ConversationResultOut, ScoreRequest
from ..offload import OffloadedRoute, offload

router = APIRouter(tags=["check"], route_class=OffloadedRoute)


@router.post("/v1/conversations/score", responses={200: {"model": ConversationResultOut}, **error_responses(404, 408, 415, 503)},
             openapi_extra=request_body(ScoreRequest))
async def score_conversation(request: Request) -> Response:
    """Score a whole call or chat on a template (default `call-centre`): every turn checked, the
    conversation rules (greeting, farewell, apology after a wait…, and any `house_rules`),
    deductions, grade, pass/fail.

    A turn's `role` takes the same words as transcript files and the command line (客户, 坐席, 0, 1…)."""
    return await offload(request, jobs.score)
