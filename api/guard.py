"""The body guard: pure ASGI middleware in front of every route.

It checks API keys on `/v1/…`, refuses bodies over the size limit (the declared length before
anything is read, a chunked body as its bytes arrive), and answers a last-resort 500 that logs the
traceback's frames without the exception's message, since that message might quote the text being
checked.
"""

from __future__ import annotations

import hmac
import logging
import traceback

from .errors import ApiError, error_response
from .settings import Settings

log = logging.getLogger("phrasecheck.api")
PROTECTED = ("/v1/",)  # need a key when keys are configured; health, readiness, the page and the docs stay open


class Guard:
    def __init__(self, app, settings: Settings):
        self.app = app
        self.keys = [k.encode() for k in settings.api_keys]
        self.limit = settings.max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.keys and scope["path"].startswith(PROTECTED) and not self._authorized(scope["headers"]):
            await error_response(
                401, "unauthorized", "missing or wrong API key: send `Authorization: Bearer KEY` or `X-API-Key: KEY`",
                headers={"WWW-Authenticate": "Bearer"},
            )(scope, receive, send)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            declared = _content_length(scope["headers"])
            if declared is None:  # chunked: count the bytes as they arrive
                receive = self._counting(receive)
            elif declared > self.limit:  # the server reads no more than the declared length
                await error_response(413, "body_too_large", f"request body is {declared} bytes; the limit is {self.limit}",
                                     {"limit": self.limit})(scope, receive, send)
                return
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: log without the message, answer 500
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unexpected %s in %s %s (message withheld: it may quote the text)\n%s",
                      type(exc).__name__, scope["method"], scope["path"], frames)
            if not started:
                await error_response(500, "internal_error", "internal error; it has been logged without the request text")(
                    scope, receive, send)

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

    def _counting(self, receive):
        size = 0

        async def counted():
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > self.limit:  # raised inside the handler's body read, answered by the ApiError handler
                raise ApiError(413, "body_too_large", f"request body is at least {size} bytes; the limit is {self.limit}",
                               {"limit": self.limit})
            return message

        return counted


def _content_length(headers) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
