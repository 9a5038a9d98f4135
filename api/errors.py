"""One error shape everywhere, `{"error": {"code", "message", "detail"?}}`, and never the request text.

`ApiError` is what a route raises; `install` registers the handlers that turn it, FastAPI's
validation errors and Starlette's HTTP errors (404, 405) into that shape.  `invalid` turns
pydantic's errors into one `ApiError`: 400 for a body that is not JSON or not UTF-8, else 422 with
the field (`items[3].text`) of each problem.
"""

from __future__ import annotations

import http
import json
import logging
import re
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

log = logging.getLogger("phrasecheck.api")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.detail, self.headers = status, code, message, detail, headers


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(description="Stable, snake_case: `invalid_request`, `unknown_pack`, `text_too_long`…")
    message: str = Field(description="One line for a person; never quotes the checked text.")
    detail: Any = Field(None, description="Machine-readable particulars (limits, known packs, each invalid field…); absent when there are none.")


class ErrorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the errors a route can answer (400, 401, 413 and 422 are always possible)."""
    return {s: {"model": ErrorOut, "description": http.HTTPStatus(s).phrase} for s in (400, 401, 413, 422, *statuses)}


def json_bytes(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:  # integers over 64 bits (a conversation's times, seq) are beyond orjson
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(data), status_code=status, headers=headers, media_type="application/json")


def error_document(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return {"error": body}


def error_response(status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> Response:
    return json_response(error_document(code, message, detail), status, headers)


def _where(loc: tuple | list) -> str:
    """`("body", "items", 3, "text")` → `items[3].text`."""
    out = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def invalid(errors: list[dict[str, Any]], body: bytes = b"") -> ApiError:
    """Pydantic's errors as one `ApiError`: 400 for a body that is not JSON (or not UTF-8), else 422."""
    broken = next((e for e in errors if e["type"] == "json_invalid"), None)
    if broken is not None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            return ApiError(400, "invalid_utf8", f"request body is not valid UTF-8 ({error.reason} at byte {error.start})")
        reason = (broken.get("ctx") or {}).get("error", "JSON decode error")
        if "hex escape" in reason and _SURROGATE_ESCAPE.search(body):
            reason += r" (a lone surrogate escape: \ud800 to \udfff are halves of one character and come in pairs)"
        return ApiError(400, "invalid_json", f"request body is not valid JSON: {reason}")
    detail = []
    for e in errors:
        entry = {"loc": _where(e["loc"]), "message": e["msg"], "type": e["type"]}
        if "accepted" in (e.get("ctx") or {}):  # our own errors (an unknown role word) list what would do
            entry["accepted"] = e["ctx"]["accepted"]
        detail.append(entry)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiError(422, "invalid_request", f"{detail[0]['loc']}: {detail[0]['message']}{more}", detail)


def log_unexpected(kind: str, method: str, path: str, frames: str) -> None:
    """An unexpected exception, logged with its frames but not its message: that may quote the text."""
    log.error("unexpected %s in %s %s (message withheld: it may quote the text)\n%s", kind, method, path, frames)


async def _on_api_error(request: Request, exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.detail, exc.headers)


async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    return await _on_api_error(request, invalid(list(exc.errors())))


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code = http.HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else http.HTTPStatus(exc.status_code).phrase
    headers = getattr(exc, "headers", None)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        message = f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}"
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
    return error_response(exc.status_code, code, message, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path: Starlette's own `Allow` names only the first
    route that matched the path (`GET` for `/v1/ping`, which also takes `POST`)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Answer every error the app raises in the one shape."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(ApiError, _on_api_error)
