"""`POST /v1/check` and `POST /v1/check/batch`: the agent's chat tool, before a message is sent.

The work (validating the body, checking, writing the answer) runs in a check process
(`api.offload`, `api.jobs`), or for a short message on the event loop within its share: a
5,000-character pathological text or a big batch then holds one process for at most the
deadline, never the event loop and the requests behind it.  These routes declare no FastAPI
dependency (see `api.deps`): they are the hot path.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from .. import jobs
from ..deps import request_body
from ..errors import error_responses
from ..models import BatchRequest, BatchResult, CheckRequest, CheckResult
from ..offload import OffloadedRoute, offload

router = APIRouter(tags=["check"], route_class=OffloadedRoute)
ERRORS = error_responses(404, 408, 415, 503)


@router.post("/v1/check", responses={200: {"model": CheckResult}, **ERRORS}, openapi_extra=request_body(CheckRequest))
async def check(request: Request) -> Response:
    """Check one message before it is sent: decision, score, spans, the standard line, a rewrite.

    `role` takes the same words as the command line (agent/客服/坐席/1, customer/客户/顾客/0…).
    `Server-Timing: check;dur=…` gives the server time of the check itself in milliseconds."""
    return await offload(request, jobs.check)


@router.post("/v1/check/batch", responses={200: {"model": BatchResult}, **ERRORS}, openapi_extra=request_body(BatchRequest))
async def check_batch(request: Request) -> Response:
    """Check several messages; results come back in the order of `items`."""
    return await offload(request, jobs.check_batch)
