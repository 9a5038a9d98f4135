"""The pre-send REST service: `POST /v1/check` and friends, a page at `/`, lexicon hot reload.

    uvicorn --factory api.app:create_app      # or: phrasecheck serve

Design choices, each for the agent's chat tool waiting on `/v1/check` before a message is sent:
- the check runs inline in `async def` handlers: it is CPU-bound and takes tens of microseconds,
  less than a hop to the threadpool costs;
- results go out as `orjson` bytes of `to_dict()`; the response models exist for the OpenAPI
  document only, so nothing re-validates the output;
- compiled checkers are cached per pack and replaced only by one that compiles and passes its own
  examples: a broken lexicon is reported (reload response, `/readyz`, log) and the old one serves on;
- the message text is never logged (unless `PHRASECHECK_LOG_TEXT=1`) and never put in an error.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import http
import json
import logging
import os
import threading
import time
import traceback
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, TypeVar

import orjson
from fastapi import FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from phrasecheck import SCHEMA, Checker, Conversation, LexiconError, __version__
from phrasecheck.lexicon import available_packs, load_packs, search_path
from phrasecheck.template import available_templates

log = logging.getLogger("phrasecheck.api")
STATIC = Path(__file__).resolve().parent / "static"
PROTECTED = ("/v1/",)  # need a key when keys are configured; health, readiness, the page and the docs stay open


# -- settings ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    pack: str = "core"
    api_keys: frozenset[str] = frozenset()
    max_body_bytes: int = 1 << 20
    max_text_chars: int = 5000
    max_batch: int = 100
    log_text: bool = False
    reload_lexicons: bool = True
    reload_interval: float = 1.0  # seconds between looks at the pack files

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        def number(name: str, default: int) -> int:
            raw = environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(f"${name} must be a whole number, not {raw!r}") from None
            if value < 1:
                raise ValueError(f"${name} must be at least 1, not {value}")
            return value

        def flag(name: str, default: bool) -> bool:
            raw = environ.get(name, "").strip().lower()
            return default if not raw else raw in ("1", "true", "yes", "on")

        return cls(
            pack=environ.get("PHRASECHECK_PACK", "").strip() or cls.pack,
            api_keys=frozenset(k.strip() for k in environ.get("PHRASECHECK_API_KEYS", "").split(",") if k.strip()),
            max_body_bytes=number("PHRASECHECK_MAX_BODY_BYTES", cls.max_body_bytes),
            max_text_chars=number("PHRASECHECK_MAX_TEXT_CHARS", cls.max_text_chars),
            max_batch=number("PHRASECHECK_MAX_BATCH", cls.max_batch),
            log_text=flag("PHRASECHECK_LOG_TEXT", False),
            reload_lexicons=flag("PHRASECHECK_RELOAD_LEXICONS", True),
        )


# -- errors: one shape everywhere, never the request text ------------------------------------------
class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.detail, self.headers = status, code, message, detail, headers


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    try:
        body = orjson.dumps(data)
    except orjson.JSONEncodeError:  # integers over 64 bits (a conversation's times, seq) are beyond orjson
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def _error(status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    return _json({"error": body}, status, headers)


def _where(loc: tuple | list) -> str:
    """`("body", "items", 3, "text")` → `items[3].text`."""
    out = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _invalid(errors: list[dict[str, Any]], body: bytes = b"") -> ApiError:
    """Pydantic's errors as one `ApiError`: 400 for a body that is not JSON (or not UTF-8), else 422."""
    broken = next((e for e in errors if e["type"] == "json_invalid"), None)
    if broken is not None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            return ApiError(400, "invalid_utf8", f"request body is not valid UTF-8 ({error.reason} at byte {error.start})")
        reason = (broken.get("ctx") or {}).get("error", "JSON decode error")
        return ApiError(400, "invalid_json", f"request body is not valid JSON: {reason}")
    detail = [{"loc": _where(e["loc"]), "message": e["msg"], "type": e["type"]} for e in errors]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiError(422, "invalid_request", f"{detail[0]['loc']}: {detail[0]['message']}{more}", detail)


Body = TypeVar("Body", bound=BaseModel)


async def _parse(request: Request, model: type[Body]) -> Body:
    """The JSON body validated by pydantic-core's own parser, which costs a fraction of FastAPI's
    body handling (content-type parsing, `json.loads`, dependency solving) on the hot path."""
    body = await request.body()
    try:
        return model.model_validate_json(body.removeprefix(b"\xef\xbb\xbf"))
    except ValidationError as error:
        raise _invalid(error.errors(include_url=False, include_input=False), body) from None


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body that `_parse` reads (see `_document_bodies`)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _document_bodies(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Add the request models that `_parse` validates to the generated OpenAPI components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _, definitions = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
        return app.openapi_schema

    app.openapi = openapi


async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    return await _on_api_error(request, _invalid(list(exc.errors())))


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    code = http.HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else http.HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    return _error(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _on_api_error(request: Request, exc: ApiError) -> Response:
    return _error(exc.status, exc.code, exc.message, exc.detail, exc.headers)


class Guard:
    """Pure ASGI middleware in front of every route: API keys, the body-size limit (declared and
    streamed bytes), and a last-resort 500 that logs the traceback's frames without any message,
    since an exception message might quote the text being checked."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.keys = [k.encode() for k in settings.api_keys]
        self.limit = settings.max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.keys and scope["path"].startswith(PROTECTED) and not self._authorized(scope["headers"]):
            await _error(
                401, "unauthorized", "missing or wrong API key: send `Authorization: Bearer KEY` or `X-API-Key: KEY`",
                headers={"WWW-Authenticate": "Bearer"},
            )(scope, receive, send)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            declared = _content_length(scope["headers"])
            if declared is None:  # chunked: count the bytes as they arrive
                receive = self._counting(receive)
            elif declared > self.limit:  # the server reads no more than the declared length
                await _error(413, "body_too_large", f"request body is {declared} bytes; the limit is {self.limit}",
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
                await _error(500, "internal_error", "internal error; it has been logged without the request text")(scope, receive, send)

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
            if size > self.limit:  # raised inside the handler's body read, answered by `_on_api_error`
                raise ApiError(413, "body_too_large", f"request body is at least {size} bytes; the limit is {self.limit}",
                               {"limit": self.limit})
            return message

        return counted


def _content_length(headers) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


# -- compiled packs ------------------------------------------------------------------------------
def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass(frozen=True)
class Loaded:
    """One compiled pack, swapped as a whole so a request always sees a consistent snapshot."""

    name: str
    checker: Checker
    rule_ids: frozenset[str]
    files: tuple[tuple[Path, str], ...]  # every pack file it was built from, with its sha256
    stamps: tuple[tuple[int, int] | None, ...]
    loaded_at: float

    @classmethod
    def compile(cls, name: str) -> "Loaded":
        checker = Checker.load(name)
        if checker.rules:  # one real check loads what the engine loads lazily (jieba's dictionary)
            checker.check(checker.rules[0].rule.examples.flag[0])
        files = tuple((p.path, p.digest) for p in checker.packs)
        return cls(name, checker, frozenset(c.id for c in checker.rules), files,
                   tuple(_stamp(p) for p, _ in files), time.time())

    def current_stamps(self) -> tuple[tuple[int, int] | None, ...]:
        return tuple(_stamp(p) for p, _ in self.files)

    def content_changed(self) -> bool:
        return any(_digest(p) != digest for p, digest in self.files)


@dataclass
class Packs:
    """Checkers per pack name, compiled on first use; `default` may also be a path to a pack file."""

    default: str
    loaded: dict[str, Loaded] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # the last failed compile or reload per pack
    _failed_stamps: dict[str, tuple] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def require_known(self, name: str) -> None:
        if name == self.default or name in self.loaded:
            return
        known = list(available_packs())
        if name not in known:
            raise ApiError(404, "unknown_pack", f"unknown pack {name!r} (known packs: {', '.join(known)})", {"known_packs": known})

    def get(self, name: str) -> Loaded:
        """The compiled pack (compiling it now if needed); blocking, so async callers use a thread."""
        loaded = self.loaded.get(name)
        if loaded is not None:
            return loaded
        self.require_known(name)
        with self._lock(name):
            loaded = self.loaded.get(name)
            if loaded is None:
                try:
                    loaded = Loaded.compile(name)
                except LexiconError as error:
                    self.errors[name] = str(error)
                    log.error("pack %r does not compile: %s", name, error)
                    raise ApiError(503, "pack_unavailable", f"pack {name!r} does not compile: {error}") from None
                self.loaded[name] = loaded
                self.errors.pop(name, None)
        return loaded

    def reload(self, name: str) -> dict[str, Any]:
        """Compile the pack anew; keep the old checker unless the new one compiles."""
        with self._lock(name):
            old = self.loaded.get(name)
            try:
                new = Loaded.compile(name)
            except LexiconError as error:
                self.errors[name] = str(error)
                if old is not None:
                    self._failed_stamps[name] = old.current_stamps()
                    log.error("pack %r: reload failed, still serving %s: %s", name, old.checker.lexicon["version"], error)
                return {"pack": name, "status": "error", "error": str(error),
                        "serving": old.checker.lexicon["version"] if old else None}
            self.loaded[name] = new
            self.errors.pop(name, None)
            self._failed_stamps.pop(name, None)
        if old is None or old.checker.digest != new.checker.digest:
            log.info("pack %r: now serving %s", name, new.checker.lexicon["version"])
        return {"pack": name, "status": "reloaded", "serving": new.checker.lexicon["version"]}

    def poll(self) -> list[dict[str, Any]]:
        """Reload every compiled pack whose files changed since it was compiled (or since it last failed)."""
        outcomes = []
        for name, loaded in list(self.loaded.items()):
            stamps = loaded.current_stamps()
            if stamps == loaded.stamps or stamps == self._failed_stamps.get(name):
                continue
            if not loaded.content_changed():  # touched, not edited
                self.loaded[name] = Loaded(loaded.name, loaded.checker, loaded.rule_ids, loaded.files, stamps, loaded.loaded_at)
                continue
            outcomes.append(self.reload(name))
        return outcomes

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())


class Watcher(threading.Thread):
    """Looks at the compiled packs' files every `interval` seconds and reloads the changed ones
    off the event loop, so requests keep being served by the old checker meanwhile."""

    def __init__(self, packs: Packs, interval: float):
        super().__init__(name="phrasecheck-lexicon-watcher", daemon=True)
        self.packs, self.interval, self.stopped = packs, interval, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.packs.poll()
            except Exception as exc:  # noqa: BLE001 - a watcher must outlive odd file-system states
                log.error("lexicon watcher: %s: %s", type(exc).__name__, exc)


# -- request and response models -------------------------------------------------------------------
Role = Literal["agent", "customer"]
_STRICT = ConfigDict(extra="forbid")


class ContextTurn(BaseModel):
    model_config = _STRICT
    role: Literal["agent", "customer", "bot", "system"]
    text: str


class CheckRequest(BaseModel):
    model_config = _STRICT
    text: str = Field(description="The message the agent is about to send.")
    role: Role = Field("agent", description="Customer messages are not scored (`scored: false`).")
    pack: str | None = Field(None, description="Lexicon pack name (see `GET /v1/packs`); the server's default otherwise.")
    context: list[ContextTurn] = Field(
        [], description="Previous turns, oldest first. Accepted and validated; the utterance check does not use them yet.")
    disabled_rules: list[str] = Field([], description="Rule ids not to apply to this message (see `GET /v1/rules`).")
    id: str | None = Field(None, description="Echoed back in the result.")


class BatchRequest(BaseModel):
    model_config = _STRICT
    items: list[CheckRequest]
    pack: str | None = Field(None, description="Pack for items that name none.")


class ScoreRequest(Conversation):
    """A conversation (`phrasecheck.conversation.Conversation`) plus how to score it."""

    pack: str | None = Field(None, description="Lexicon pack name; the server's default otherwise.")
    template: str | None = Field(None, description="Scoring template name (default `seed-003`).")


class ViolationOut(BaseModel):
    rule: str
    category: str
    severity: Literal["info", "warning", "error", "critical"]
    start: int = Field(description="Python str offset into the original text.")
    end: int
    matched: str
    match_type: Literal["exact", "pattern", "fuzzy", "phonetic"]
    confidence: float
    message: str
    suggestions: list[str]


class LexiconOut(BaseModel):
    pack: str
    version: str


class CheckResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    schema_: Literal["phrasecheck/1"] = Field(alias="schema")
    id: str | None
    role: Role
    scored: bool
    score: int | None = Field(None, description="Absent when `scored` is false.")
    decision: Literal["pass", "warn", "block"]
    violations: list[ViolationOut]
    rewrite: str | None
    lexicon: LexiconOut


class BatchResult(BaseModel):
    schema_: Literal["phrasecheck/1"] = Field(alias="schema")
    results: list[CheckResult]


class ConversationResultOut(BaseModel):
    """The `phrasecheck/1` conversation result (see `ConversationResult.to_dict`)."""

    model_config = ConfigDict(extra="allow")
    schema_: Literal["phrasecheck/1"] = Field(alias="schema")
    kind: Literal["conversation"]
    id: str
    score: int
    grade: str
    passed: bool
    vetoed: bool


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: Any = None


class ErrorOut(BaseModel):
    error: ErrorBody


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorOut, "description": http.HTTPStatus(s).phrase} for s in (400, 401, 413, 422, *statuses)}


# -- the app ---------------------------------------------------------------------------------------
def create_app(default_pack: str | None = None, settings: Settings | None = None) -> FastAPI:
    """The service.  `default_pack` overrides `settings.pack` ($PHRASECHECK_PACK, else `core`);
    `settings` default to the environment (see `Settings.from_env`)."""
    settings = settings or Settings.from_env()
    if default_pack:
        settings = Settings(**{**settings.__dict__, "pack": default_pack})
    packs = Packs(settings.pack)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warmup = asyncio.ensure_future(run_in_threadpool(_warm, packs))
        watcher = Watcher(packs, settings.reload_interval) if settings.reload_lexicons else None
        if watcher:
            watcher.start()
        yield
        if watcher:
            watcher.stopped.set()
        warmup.cancel()

    app = FastAPI(
        title="phrasecheck",
        version=__version__,
        description="Service-language linter for Chinese customer service: banned phrases, standard lines, scores. "
                    "Errors are always `{\"error\": {\"code\", \"message\", \"detail\"?}}`.",
        lifespan=lifespan,
    )
    _document_bodies(app, (CheckRequest, BatchRequest, ScoreRequest))
    app.state.packs = packs
    app.state.settings = settings
    app.add_middleware(Guard, settings=settings)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(ApiError, _on_api_error)

    async def compiled(name: str | None) -> Loaded:
        name = name or settings.pack
        loaded = packs.loaded.get(name)
        return loaded if loaded is not None else await run_in_threadpool(packs.get, name)

    def text_limit(text: str, where: str, index: int | None = None) -> None:
        if len(text) > settings.max_text_chars:
            detail = {"length": len(text), "limit": settings.max_text_chars}
            if index is not None:
                detail["index"] = index
            raise ApiError(422, "text_too_long", f"{where} is {len(text)} characters; the limit is {settings.max_text_chars}", detail)

    def run_check(loaded: Loaded, item: CheckRequest) -> dict[str, Any]:
        if item.disabled_rules:
            unknown = [r for r in item.disabled_rules if r not in loaded.rule_ids]
            if unknown:
                raise ApiError(422, "unknown_rule", f"unknown rule {unknown[0]!r} in pack {loaded.name!r}", {"unknown_rules": unknown})
        result = loaded.checker.check(item.text, item.role, item.id, item.disabled_rules)
        if settings.log_text:
            log.info("check pack=%s role=%s id=%s decision=%s text=%r", loaded.name, item.role, item.id, result.decision, item.text)
        return result.to_dict()

    @app.post("/v1/check", responses={200: {"model": CheckResult}, **_errors(404, 503)}, openapi_extra=_body(CheckRequest), tags=["check"])
    async def check(request: Request) -> Response:
        """Check one message before it is sent: decision, score, spans, the standard line, a rewrite.

        `Server-Timing: check;dur=…` gives the server time of the check itself in milliseconds."""
        body = await _parse(request, CheckRequest)
        text_limit(body.text, "text")
        loaded = await compiled(body.pack)
        started = time.perf_counter()
        result = run_check(loaded, body)
        elapsed = (time.perf_counter() - started) * 1000
        return _json(result, headers={"Server-Timing": f"check;dur={elapsed:.3f}"})

    @app.post("/v1/check/batch", responses={200: {"model": BatchResult}, **_errors(404, 503)}, openapi_extra=_body(BatchRequest), tags=["check"])
    async def check_batch(request: Request) -> Response:
        """Check several messages; results come back in the order of `items`."""
        body = await _parse(request, BatchRequest)
        if len(body.items) > settings.max_batch:
            raise ApiError(413, "batch_too_large", f"batch has {len(body.items)} items; the limit is {settings.max_batch}",
                           {"items": len(body.items), "limit": settings.max_batch})
        for index, item in enumerate(body.items):
            text_limit(item.text, f"items[{index}].text", index)
        resolved = [await compiled(item.pack or body.pack) for item in body.items]
        started = time.perf_counter()
        results = [run_check(loaded, item) for loaded, item in zip(resolved, body.items)]
        elapsed = (time.perf_counter() - started) * 1000
        return _json({"schema": SCHEMA, "results": results}, headers={"Server-Timing": f"check;dur={elapsed:.3f}"})

    @app.post("/v1/conversations/score", responses={200: {"model": ConversationResultOut}, **_errors(404, 503)},
              openapi_extra=_body(ScoreRequest), tags=["check"])
    async def score_conversation(request: Request) -> Response:
        """Score a whole call or chat on a template (default `seed-003`): every turn checked, the
        conversation rules (greeting, farewell, apology after a wait…), deductions, grade, pass/fail."""
        body = await _parse(request, ScoreRequest)
        for index, turn in enumerate(body.turns):
            text_limit(turn.text, f"turns[{index}].text", index)
        loaded = await compiled(body.pack)
        template = None
        if body.template is not None:
            known = list(available_templates())
            if body.template not in known:
                raise ApiError(404, "unknown_template", f"unknown template {body.template!r} (known templates: {', '.join(known)})",
                               {"known_templates": known})
            template = await run_in_threadpool(loaded.checker.template, body.template)
        started = time.perf_counter()
        result = loaded.checker.score_conversation(body, template)
        elapsed = (time.perf_counter() - started) * 1000
        return _json(result.to_dict(), headers={"Server-Timing": f"check;dur={elapsed:.3f}"})

    pack_list_cache: dict[tuple, list[dict[str, Any]]] = {}

    @app.get("/v1/packs", tags=["lexicon"], responses=_errors())
    def list_packs() -> dict[str, Any]:
        """Installed packs: name, title, version, how many rules checking with it applies, description."""
        key = tuple((p, _stamp(p)) for d in search_path() for p in sorted(d.glob("*.yaml")))
        if key not in pack_list_cache:
            listed = []
            for name, path in available_packs().items():
                try:
                    chain = load_packs([str(path)])
                except LexiconError as error:
                    listed.append({"name": name, "error": str(error)})
                    continue
                pack = chain[-1].pack
                listed.append({"name": name, "title": pack.title, "version": pack.version, "description": pack.description,
                               "setting": pack.setting, "extends": pack.extends,
                               "rules": sum(len(p.pack.rules) for p in chain)})
            pack_list_cache.clear()
            pack_list_cache[key] = listed
        return {"default": settings.pack, "packs": pack_list_cache[key]}

    @app.get("/v1/rules", tags=["lexicon"], responses=_errors(404, 503))
    async def list_rules(pack: str | None = Query(None, description="Pack name; the server's default otherwise.")) -> dict[str, Any]:
        """The rules a pack applies, with why, the standard lines and their own examples."""
        loaded = await compiled(pack)
        rules = [{
            "id": r.id, "pack": c.pack, "pair": r.pair, "category": r.category, "severity": r.severity,
            "scenario": r.scenario, "why": r.why, "suggest": list(r.suggest), "source": str(r.source),
            "examples": {"flag": list(r.examples.flag), "clean": list(r.examples.clean)},
        } for c in loaded.checker.rules for r in (c.rule,)]
        return {"pack": loaded.name, "lexicon": loaded.checker.lexicon, "rules": rules}

    @app.post("/v1/admin/reload", tags=["admin"], responses=_errors(404))
    async def reload(pack: str | None = Query(None, description="Reload only this pack; every compiled pack otherwise.")) -> Response:
        """Re-read pack files now.  A pack that no longer compiles keeps serving its old rules;
        the error (file, rule, field) comes back as 422 `lexicon_error`."""
        if pack is not None:
            packs.require_known(pack)
        names = [pack] if pack else list(packs.loaded) or [settings.pack]
        outcomes = [await run_in_threadpool(packs.reload, name) for name in names]
        failed = [o for o in outcomes if o["status"] == "error"]
        if failed:
            return _error(422, "lexicon_error", failed[0]["error"], {"packs": outcomes})
        return _json({"packs": outcomes})

    @app.get("/v1/ping", tags=["meta"])
    async def ping() -> Response:
        """The trivial endpoint: the framework's own cost, the baseline `benchmarks/load.py` compares `/v1/check` with."""
        return _json({"status": "ok"})

    @app.post("/v1/ping", tags=["meta"])
    async def ping_with_body(request: Request) -> Response:
        """The trivial endpoint for POSTs: reads the body and answers, no parsing and no check, so
        `/v1/check` can be compared with a request that carries the same bytes."""
        await request.body()
        return _json({"status": "ok"})

    @app.get("/healthz", tags=["meta"])
    async def healthz() -> Response:
        """The process is alive."""
        return _json({"status": "ok"})

    @app.get("/readyz", tags=["meta"])
    async def readyz() -> Response:
        """Ready when the default pack is compiled; lists compiled packs and any failed reload."""
        loaded = packs.loaded.get(settings.pack)
        detail = {
            "default": settings.pack,
            "packs": {name: {"version": l.checker.lexicon["version"], "rules": len(l.rule_ids), "reload_error": packs.errors.get(name)}
                      for name, l in packs.loaded.items()},
            "errors": dict(packs.errors),
        }
        return _json({"status": "ready" if loaded else "starting", **detail}, 200 if loaded else 503)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _warm(packs: Packs) -> None:
    """Compile the default pack at startup (in a thread: `/healthz` answers meanwhile), then move
    the compiled lexicon out of the garbage collector's sight: its ~250k long-lived objects make
    every full collection a ~35 ms pause for whichever requests are in flight."""
    try:
        packs.get(packs.default)
    except ApiError as error:
        log.error("default pack %r is not ready: %s", packs.default, error.message)
    gc.freeze()
