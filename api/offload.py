"""The event loop's side of a check: take the body, hand it to a check process, send the answer.

`offload(request, job)` is the whole of a checking route.  It refuses a body that does not say
it is JSON (415: what a cross-site form or a `text/plain` fetch sends cannot be a check), reads
the body, and awaits `job` in the pool (`api.pool`, `api.jobs`) within the deadline (a body of
at most `inline_bytes` may be answered on the loop itself).  A pack the
process did not inherit is compiled here and the job sent again.  Meanwhile it listens for the
client: one that leaves stops its job, so an abandoned heavy request frees its process at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from .deps import service_of
from .errors import ApiError, error_response, log_unexpected
from .jobs import NeedPacks, Reply
from .pool import NOT_HERE, Busy, Crash, Expired, Lost

log = logging.getLogger("phrasecheck.api")
RETRY_AFTER = {"Retry-After": "1"}
WATCH_AFTER = 0.05  # seconds of work after which a departing client is noticed


class OffloadedRoute(APIRoute):
    """The route class of the offloaded routes: FastAPI's route, documented as any other, whose
    handler is the endpoint itself.  Such an endpoint takes only the `Request` and returns a
    `Response`, so FastAPI's dependency solving and response handling have nothing to do, yet cost
    ≈25 µs a request (measured in-process on `/v1/check`: 83 → 55 µs for a customer turn)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        return self.endpoint


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (`application/json`, or a `+json` type)."""
    declared = next((v.decode("latin-1") for k, v in request.scope["headers"] if k == b"content-type"), "")
    media = declared.split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        got = f"not {declared!r}" if declared else "and the request has none"
        raise ApiError(415, "unsupported_media_type", f"the body must be sent as Content-Type: application/json, {got}",
                       {"accepted": ["application/json"]})


async def offload(request: Request, job: Callable[..., Any]) -> Response:
    require_json(request)
    body = await request.body()
    service = service_of(request)
    small = len(body) <= service.settings.inline_bytes
    for _ in range(3):  # a second try has the packs; a third only if a reload came in between
        try:
            # A small job answered on the loop runs to its end at once: no client can be seen leaving meanwhile.
            outcome = service.pool.run_here(job, body) if small else NOT_HERE
            if outcome is NOT_HERE:
                outcome = await _unless_client_leaves(request, service.pool.run(service.settings.deadline, job, body))
        except Busy:
            return error_response(503, "busy", "every check process is busy and the queue is full; try again shortly",
                                  {"processes": service.settings.pool_size, "queue": service.settings.pool_queue}, RETRY_AFTER)
        except Expired:
            deadline = service.settings.deadline
            log.warning("%s %s: stopped at the %g s deadline", request.method, request.url.path, deadline)
            return error_response(503, "deadline_exceeded", f"the request took longer than the {deadline:g} s deadline and was stopped",
                                  {"deadline_seconds": deadline}, RETRY_AFTER)
        except Lost as lost:
            log.error("%s %s: the check process died (%s)", request.method, request.url.path, lost)
            return error_response(500, "internal_error", "the check process stopped unexpectedly; it has been logged without the request text")
        if isinstance(outcome, NeedPacks):  # packs the process did not inherit: compile them, send again
            for name in outcome.names:
                service.packs.require_known(name)
                await service.packs.compiled(name)
            continue
        if isinstance(outcome, Crash):
            log_unexpected(outcome.type, request.method, request.url.path, outcome.frames)
            return error_response(500, "internal_error", "internal error; it has been logged without the request text")
        assert isinstance(outcome, Reply)
        for message, args in outcome.logs:
            log.info(message, *args)
        return Response(outcome.body, status_code=outcome.status, headers=outcome.headers, media_type="application/json")
    raise ApiError(503, "pack_unavailable", "the packs this request names kept changing while it was checked; try again",
                   headers=RETRY_AFTER)


async def _unless_client_leaves(request: Request, work: Awaitable[Any]) -> Any:
    """`await work`, unless the client goes away first: then `work` is cancelled (its process is
    stopped) and `ClientDisconnect` raised.  Only work that takes more than a moment is watched:
    listening costs a task, more than a quick check itself."""
    task = asyncio.current_task()
    assert task is not None
    left = False
    watcher: asyncio.Task | None = None

    async def watch() -> None:
        nonlocal left
        while (await request.receive())["type"] != "http.disconnect":  # the body is read: nothing else can come
            pass
        left = True
        task.cancel()

    def start_watching() -> None:
        nonlocal watcher
        watcher = asyncio.ensure_future(watch())

    timer = asyncio.get_running_loop().call_later(WATCH_AFTER, start_watching)
    try:
        return await work
    except asyncio.CancelledError:
        if not left:
            raise
        task.uncancel()
        raise ClientDisconnect() from None
    finally:
        timer.cancel()
        if watcher is not None:
            watcher.cancel()
