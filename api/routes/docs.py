"""`/docs` (Swagger UI) and `/redoc` (ReDoc) served offline: their JS and CSS come from the
installed `fastapi-offline` package (mounted at `/docs-assets` by `create_app`), never a CDN, so
the docs work on a network that reaches nothing but this service.

The pages also carry a Content-Security-Policy that lets them load nothing from elsewhere: ReDoc's
sidebar otherwise fetches the Redocly logo from its CDN on every visit (it hides the image when
that fails, so the policy costs nothing but the call out).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.requests import Request
from starlette.responses import HTMLResponse

ASSETS = Path(str(files("fastapi_offline") / "static"))  # swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png
ASSETS_URL = "/docs-assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
router = APIRouter(include_in_schema=False)
# Scripts and styles from here (Swagger UI starts with an inline script; both inject inline styles),
# images and fonts from here or data: URLs, ReDoc's search worker from a blob:, nothing else.
POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'")


def _urls(request: Request) -> tuple[str, str, str]:
    """(the OpenAPI document, the assets, the favicon) under the app's root path."""
    root = request.scope.get("root_path", "").rstrip("/")
    assets = f"{root}{ASSETS_URL}"
    return f"{root}{request.app.openapi_url}", assets, f"{assets}/favicon.png"


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = POLICY
    return page


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    openapi, assets, favicon = _urls(request)
    return _offline(get_swagger_ui_html(
        openapi_url=openapi, title=f"{request.app.title} - Swagger UI", oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_js_url=f"{assets}/swagger-ui-bundle.js", swagger_css_url=f"{assets}/swagger-ui.css", swagger_favicon_url=favicon,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from the public validator
    ))


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    openapi, assets, favicon = _urls(request)
    return _offline(get_redoc_html(openapi_url=openapi, title=f"{request.app.title} - ReDoc",
                                   redoc_js_url=f"{assets}/redoc.standalone.js", redoc_favicon_url=favicon, with_google_fonts=False))
