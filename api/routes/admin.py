"""`POST /v1/admin/reload`: re-read pack files now instead of waiting for the watcher."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..deps import ServiceDep
from ..errors import error_response, error_responses, json_response
from ..models import ReloadOut

router = APIRouter(tags=["admin"])


@router.post("/v1/admin/reload", responses={200: {"model": ReloadOut}, **error_responses(404)})
async def reload(service: ServiceDep, pack: str | None = Query(None, description="Reload only this pack; every compiled pack otherwise.")) -> Response:
    """Re-read pack files now.  A pack that no longer compiles keeps serving its old rules;
    the error (file, rule, field) comes back as 422 `lexicon_error`, with every pack's outcome in `detail.packs`."""
    packs = service.packs
    if pack is not None:
        packs.require_known(pack)
    names = [pack] if pack else list(packs.loaded) or [packs.default]
    outcomes = [await run_in_threadpool(packs.reload, name) for name in names]
    failed = [o for o in outcomes if o["status"] == "error"]
    if failed:
        return error_response(422, "lexicon_error", failed[0]["error"], {"packs": outcomes})
    return json_response({"packs": outcomes})
