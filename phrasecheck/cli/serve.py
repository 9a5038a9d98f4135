"""`phrasecheck serve`: the REST service."""

from __future__ import annotations

import os

import typer

from .app import command
from .base import fail
from .options import PackOption


@command(short_help="Run the REST service (needs the api extra).")
def serve(
    host: str = typer.Option("127.0.0.1", metavar="ADDRESS", help="Address to listen on."),
    port: int = typer.Option(8000, metavar="PORT", help="Port to listen on."),
    workers: int = typer.Option(1, min=1, metavar="N", help="Worker processes (each compiles its own packs)."),
    pack: str = PackOption,
    reload_lexicons: bool = typer.Option(True, help="Recompile a pack when its YAML files change (a broken edit keeps the old rules)."),
    access_log: bool = typer.Option(True, help="Log one line per request (method, path, status; never the body)."),
) -> None:
    """Run the REST service (POST /v1/check …, the page at /, OpenAPI at /docs); needs `pip install 'phrasecheck[api]'`."""
    try:
        import uvicorn
    except ImportError:
        raise fail("the REST service needs its extras: pip install 'phrasecheck[api]'") from None
    # Workers import the app by name and build it from the environment, so the options travel there.
    os.environ["PHRASECHECK_PACK"] = pack
    os.environ["PHRASECHECK_RELOAD_LEXICONS"] = "1" if reload_lexicons else "0"
    from uvicorn.config import LOGGING_CONFIG

    loggers = {**LOGGING_CONFIG["loggers"], "phrasecheck": {"handlers": ["default"], "level": "INFO", "propagate": False}}
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, access_log=access_log,
                log_config={**LOGGING_CONFIG, "loggers": loggers})  # pack reloads and their errors beside uvicorn's lines
