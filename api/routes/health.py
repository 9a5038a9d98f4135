"""`GET /healthz` (the process is alive) and `GET /readyz` (the default pack is compiled)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ..deps import ServiceDep
from ..errors import json_response
from ..models import ReadyOut, StatusOut

router = APIRouter(tags=["meta"])


@router.get("/healthz", responses={200: {"model": StatusOut}})
async def healthz() -> Response:
    """The process is alive."""
    return json_response({"status": "ok"})


@router.get("/readyz", responses={200: {"model": ReadyOut}, 503: {"model": ReadyOut, "description": "Still compiling the default pack"}})
async def readyz(service: ServiceDep) -> Response:
    """Ready when the default pack is compiled; lists compiled packs and any failed compile or reload
    whose files are still as they were when it failed."""
    packs = service.packs
    ready = packs.default in packs.loaded
    errors = packs.current_errors()
    detail = {
        "default": packs.default,
        "packs": {name: {"version": l.version, "rules": len(l.rule_ids), "reload_error": errors.get(name)}
                  for name, l in packs.loaded.items()},
        "errors": errors,
    }
    return json_response({"status": "ready" if ready else "starting", **detail}, 200 if ready else 503)
