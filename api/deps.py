"""What the routes work with: the app's `Service` (settings and compiled packs), a validated JSON
body, and the `Server-Timing` answer.

The app keeps one `Service` in `app.state`; routes declare it as a dependency (`service:
ServiceDep`).  One dependency, not one each for the settings and the packs: FastAPI's dependency
solving costs ≈9 µs a request for a single one (measured in-process on the `/v1/check` path, about
a fifth of the whole request's server cost), so the two check routes, the hot path the agent's chat
tool waits on, take it with `service_of(request)` instead and skip dependency solving altogether.

Bodies are read by `json_body(request, Model)`: pydantic-core's own JSON parser validates the raw
bytes, which costs a fraction of FastAPI's body handling (content-type parsing, `json.loads`,
dependency solving).  Since FastAPI then cannot see the body, `request_body(Model)` documents it
for the route and `document_bodies` adds the models to the OpenAPI components.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any, Callable, TypeVar

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from .errors import ApiError, invalid, json_response
from .reload import Packs
from .settings import Settings

Body = TypeVar("Body", bound=BaseModel)


@dataclass(frozen=True)
class Service:
    """The settings and the compiled packs, one of each per app."""

    settings: Settings
    packs: Packs

    def require_text_fits(self, text: str, where: str, index: int | None = None) -> None:
        """422 `text_too_long` naming the field (and the item's index) when `text` is over the limit."""
        limit = self.settings.max_text_chars
        if len(text) > limit:
            detail = {"length": len(text), "limit": limit}
            if index is not None:
                detail["index"] = index
            raise ApiError(422, "text_too_long", f"{where} is {len(text)} characters; the limit is {limit}", detail)


def service_of(request: Request) -> Service:
    return request.app.state.service


async def get_service(request: Request) -> Service:  # async: a sync dependency would hop to the threadpool
    return service_of(request)


ServiceDep = Annotated[Service, Depends(get_service)]


async def json_body(request: Request, model: type[Body]) -> Body:
    """The request body validated as `model` (a UTF-8 BOM is allowed); errors in the one shape."""
    body = await request.body()
    try:
        return model.model_validate_json(body.removeprefix(b"\xef\xbb\xbf"))
    except ValidationError as error:
        raise invalid(error.errors(include_url=False, include_input=False), body) from None


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The route's `openapi_extra` for a body that `json_body(request, model)` reads."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def document_bodies(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Add the request models that `json_body` validates to the generated OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _, definitions = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
        return app.openapi_schema

    app.openapi = openapi


def timed(work: Callable[[], Any]) -> Response:
    """`work()`'s result as JSON with `Server-Timing: check;dur=<ms>`, the server time of the work itself."""
    started = time.perf_counter()
    result = work()
    elapsed = (time.perf_counter() - started) * 1000
    return json_response(result, headers={"Server-Timing": f"check;dur={elapsed:.3f}"})
