"""The try-it page at `/` (its files under `/static`, no CDN) and the trivial `/v1/ping` endpoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.requests import Request
from starlette.responses import Response

from ..errors import json_response
from ..models import StatusOut

STATIC = Path(__file__).resolve().parents[1] / "static"  # mounted at /static by `create_app`
router = APIRouter()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/v1/ping", tags=["meta"], responses={200: {"model": StatusOut}})
async def ping() -> Response:
    """The trivial endpoint: the framework's own cost, the baseline `benchmarks/load.py` compares `/v1/check` with."""
    return json_response({"status": "ok"})


@router.post("/v1/ping", tags=["meta"], responses={200: {"model": StatusOut}})
async def ping_with_body(request: Request) -> Response:
    """The trivial endpoint for POSTs: reads the body and answers, no parsing and no check, so
    `/v1/check` can be compared with a request that carries the same bytes."""
    await request.body()
    return json_response({"status": "ok"})
