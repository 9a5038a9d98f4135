"""The pre-send REST service: `POST /v1/check` and friends, a page at `/`, lexicon hot reload.

    uvicorn --factory api.app:create_app      # or: phrasecheck serve

`create_app` wires the parts, each in its own module:
- `settings`: the environment, validated once (`Settings.from_env`);
- `errors`: the one error shape and its handlers; `guard`: API keys, body limits, the last-resort 500;
- `reload`: compiled packs cached per pack, the file watcher, reload that keeps a working checker;
- `pool`, `jobs`, `offload`: the check processes, what they do with a body, and the route's side;
- `deps`: what routes ask FastAPI for (the `Service`) and the documentation of the bodies;
- `models`: request and response models, the OpenAPI document;
- `routes/`: one router per area (check, conversations, lexicon, admin, health, page, docs).

Design choices, each for the agent's chat tool waiting on `/v1/check` before a message is sent:
the event loop only moves bytes, and every check, batch and conversation runs in a bounded pool
of forked processes with a deadline (a short message on the loop itself, within half of its
time), so no request can hold another or `/healthz`; results go
out as `orjson` bytes of `to_dict()`; a broken lexicon never replaces a working one; the message
text is never logged (unless `PHRASECHECK_LOG_TEXT=1`) and never put in an error.
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from phrasecheck import __version__

from . import errors
from .deps import Service, document_bodies
from .guard import Guard
from .jobs import Serving
from .models import BatchRequest, CheckRequest, ScoreRequest
from .pool import Pool
from .reload import Packs, running
from .routes import ROUTERS, docs, page
from .settings import Settings


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While serving: the packs warming up and watched, the check processes.  A pack compiles in a
    thread of this process, which holds the GIL in turns with the event loop: handing it over
    every millisecond instead of every five keeps `/healthz` answering meanwhile (measured with a
    reload every 3 s under heavy requests: `/healthz` p99 292 → 55 ms, max 852 → 83 ms)."""
    service: Service = app.state.service
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        async with running(service.packs, service.settings, then=service.pool.start):
            yield
    finally:
        service.pool.close()
        sys.setswitchinterval(interval)


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
    packs = Packs(settings.pack)
    pool = Pool(settings.pool_size, settings.pool_queue, lambda: Serving(settings, packs.default, dict(packs.loaded)))
    app.state.service = Service(settings, packs, pool)
    app.add_middleware(Guard, settings=settings)
    errors.install(app)
    for router in ROUTERS:
        _include(app, router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS), name="docs-assets")
    document_bodies(app, (CheckRequest, BatchRequest, ScoreRequest))
    return app
