"""What the routes work with: the app's `Service` (settings, compiled packs, check processes) and
the documentation of the bodies that the check processes read.

The app keeps one `Service` in `app.state`; routes declare it as a dependency (`service:
ServiceDep`).  One dependency, not one each for the settings and the packs: FastAPI's dependency
solving costs ≈9 µs a request for a single one (measured in-process on the `/v1/check` path), so
the checking routes, the hot path the agent's chat tool waits on, take it with
`service_of(request)` instead, and their route class (`api.offload.OffloadedRoute`) skips
dependency solving altogether.

Bodies are read in a check process by `api.jobs.parse` (pydantic-core's own JSON parser on the
raw bytes).  Since FastAPI then cannot see the body, `request_body(Model)` documents it for the
route and `document_bodies` adds the models to the OpenAPI components.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request

from .pool import Pool
from .reload import Packs
from .settings import Settings


@dataclass(frozen=True)
class Service:
    """The settings, the compiled packs and the check processes, one of each per app."""

    settings: Settings
    packs: Packs
    pool: Pool


def service_of(request: Request) -> Service:
    return request.app.state.service


async def get_service(request: Request) -> Service:  # async: a sync dependency would hop to the threadpool
    return service_of(request)


ServiceDep = Annotated[Service, Depends(get_service)]


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The route's `openapi_extra` for a body that a check process reads as `model`."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def document_bodies(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Add the request models that the check processes validate to the generated OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _, definitions = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
        return app.openapi_schema

    app.openapi = openapi

