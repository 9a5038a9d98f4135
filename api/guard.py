"""The body guard: pure ASGI middleware in front of every route.

It checks API keys on `/v1/…`, keeps admin endpoints from being called from another site,
refuses bodies over the size limit (the declared length before anything is read, a chunked body
as its bytes arrive), gives a client `read_timeout` seconds to send the body it announced (408
and the connection closed, instead of a connection held forever), takes a client that leaves as
the everyday event it is (one INFO line, no traceback), and answers a last-resort 500 that logs
the traceback's frames without the exception's message, since that message might quote the text
being checked.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import traceback
from urllib.parse import urlsplit

from starlette.requests import ClientDisconnect

from .errors import ApiError, error_response, log_unexpected
from .settings import Settings

log = logging.getLogger("phrasecheck.api")
PROTECTED = ("/v1/",)  # need a key when keys are configured; health, readiness, the page and the docs stay open
ADMIN = "/v1/admin/"  # never from another site's page
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class Guard:
    def __init__(self, app, settings: Settings):
        self.app = app
        self.keys = [k.encode() for k in settings.api_keys]
        self.limit = settings.max_body_bytes
        self.read_timeout = settings.read_timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            declared = _header(scope["headers"], b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.limit:  # never read
                await error_response(413, "body_too_large", f"request body is {int(declared)} bytes; the limit is {self.limit}",
                                     {"limit": self.limit})(scope, receive, send)
                return
            receive = self._bounded(receive, int(declared) if declared is not None and declared.isdigit() else None)
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            log.info("%s %s: the client left before its answer", scope["method"], scope["path"])
        except Exception as exc:  # noqa: BLE001 - the last line of defence: log without the message, answer 500
            log_unexpected(type(exc).__name__, scope["method"], scope["path"], "".join(traceback.format_tb(exc.__traceback__)))
            if not started:
                await error_response(500, "internal_error", "internal error; it has been logged without the request text")(
                    scope, receive, send)

    def _refusal(self, scope):
        """The answer for a request refused before anything else is done with it, if it is."""
        path, headers = scope["path"], scope["headers"]
        if self.keys and path.startswith(PROTECTED) and not self._authorized(headers):
            return error_response(401, "unauthorized", "missing or wrong API key: send `Authorization: Bearer KEY` or `X-API-Key: KEY`",
                                  headers={"WWW-Authenticate": "Bearer"})
        if path.startswith(ADMIN) and scope["method"] in UNSAFE:
            site = _cross_site(headers)
            if site:
                return error_response(403, "cross_site", f"admin endpoints are not callable from another site's page ({site})")
            media = (_header(headers, b"content-type") or b"").split(b";")[0].strip().lower()
            if media not in (b"", b"application/json"):  # what a cross-site form or a no-cors fetch sends
                return error_response(415, "unsupported_media_type",
                                      f"admin endpoints take no body or a JSON one, not {media.decode('latin-1')!r}",
                                      {"accepted": ["application/json"]})
        return None

    def _authorized(self, headers) -> bool:
        for name, value in headers:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                given = value[7:].strip()
            elif name == b"x-api-key":
                given = value.strip()
            else:
                continue
            if any(hmac.compare_digest(given, key) for key in self.keys):
                return True
        return False

    def _bounded(self, receive, declared: int | None):
        """`receive` that counts a body without a declared length against the limit and gives the
        whole body `read_timeout` seconds to arrive; once it has, messages pass as they come."""
        size, complete = 0, False
        deadline = asyncio.get_running_loop().time() + self.read_timeout

        async def bounded():
            nonlocal size, complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                expected = f"the {declared} bytes it announced" if declared is not None else "its body"
                raise ApiError(408, "request_timeout", f"the client did not send {expected} within {self.read_timeout:g} s",
                               {"received_bytes": size, "read_timeout_seconds": self.read_timeout},
                               headers={"Connection": "close"}) from None
            size += len(message.get("body", b""))
            complete = not message.get("more_body", False)
            if size > self.limit:  # raised inside the handler's body read, answered by the ApiError handler
                raise ApiError(413, "body_too_large", f"request body is at least {size} bytes; the limit is {self.limit}",
                               {"limit": self.limit})
            return message

        return bounded


def _header(headers, name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _cross_site(headers) -> str | None:
    """Why a request comes from another site's page, if it does: what `Sec-Fetch-Site` says, or
    an `Origin` that is not this host.  Tools (curl, scripts) send neither and pass."""
    fetch_site = (_header(headers, b"sec-fetch-site") or b"").decode("latin-1").lower()
    if fetch_site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site: {fetch_site}"
    origin = _header(headers, b"origin")
    if origin is not None:
        host = (_header(headers, b"host") or b"").decode("latin-1").lower()
        netloc = urlsplit(origin.decode("latin-1")).netloc.lower()
        if netloc != host:
            return f"Origin: {origin.decode('latin-1')}"
    return None
