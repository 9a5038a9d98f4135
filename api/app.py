"""The pre-send REST service: `POST /v1/check` and friends, a page at `/`, lexicon hot reload.

    uvicorn --factory api.app:create_app      # or: phrasecheck serve

`create_app` wires the parts, each in its own module:
- `settings`: the environment, validated once (`Settings.from_env`);
- `errors`: the one error shape and its handlers; `guard`: API keys, body limits, the last-resort 500;
- `reload`: compiled packs cached per pack, the file watcher, reload that keeps a working checker;
- `deps`: what routes ask FastAPI for (settings, packs, a validated JSON body);
- `models`: request and response models, the OpenAPI document;
- `routes/`: one router per area (check, conversations, lexicon, admin, health, page, docs).

Design choices, each for the agent's chat tool waiting on `/v1/check` before a message is sent:
the check runs inline in `async def` handlers; results go out as `orjson` bytes of `to_dict()`;
a broken lexicon never replaces a working one; the message text is never logged (unless
`PHRASECHECK_LOG_TEXT=1`) and never put in an error.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from phrasecheck import __version__

from . import errors
from .deps import Service, document_bodies
from .guard import Guard
from .models import BatchRequest, CheckRequest, ScoreRequest
from .reload import Packs, running
from .routes import ROUTERS, docs, page
from .settings import Settings


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with running(app.state.service.packs, app.state.service.settings):
        yield


def _include(app: FastAPI, router: APIRouter) -> None:
    """`app.include_router(router)` without its cost: FastAPI 0.16x keeps an included router as a
    live sub-router that every request walks through (measured in-process: +7 µs on `/v1/check`,
    +20 µs on `/v1/ping`, whose router comes later).  The routes are the same `APIRoute`s that
    `@app.post` would have made, with the router's tags and responses already applied."""
    app.router.routes.extend(router.routes)


def create_app(default_pack: str | None = None, settings: Settings | None = None) -> FastAPI:
    """The service.  `default_pack` overrides `settings.pack` ($PHRASECHECK_PACK, else `core`);
    `settings` default to the environment (see `Settings.from_env`)."""
    settings = (settings or Settings.from_env()).with_pack(default_pack)
    app = FastAPI(
        title="phrasecheck",
        version=__version__,
        description="Service-language linter for Chinese customer service: banned phrases, standard lines, scores. "
                    "Errors are always `{\"error\": {\"code\", \"message\", \"detail\"?}}`.",
        lifespan=_lifespan,
        docs_url=None,  # served by `routes.docs` from the installed assets, not a CDN
        redoc_url=None,
    )
    app.state.service = Service(settings, Packs(settings.pack))
    app.add_middleware(Guard, settings=settings)
    errors.install(app)
    for router in ROUTERS:
        _include(app, router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS), name="docs-assets")
    document_bodies(app, (CheckRequest, BatchRequest, ScoreRequest))
    return app
