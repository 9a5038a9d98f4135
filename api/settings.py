"""The service's settings: one typed model, read from the environment and validated once at startup.

    PHRASECHECK_PACK=bank-counter PHRASECHECK_API_KEYS=k1,k2 uvicorn --factory api.app:create_app

A value that does not fit (`PHRASECHECK_MAX_BATCH=lots`, `PHRASECHECK_LOG_TEXT=maybe`) stops the
service before it starts, with an error naming the variable, what it holds and what it should hold.
"""

from __future__ import annotations

import os
from typing import ClassVar, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from phrasecheck.readers.limits import Limits


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use; the message names it."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: str = Field("core", min_length=1, description="Default pack: a pack name or a path to a pack file.")
    api_keys: frozenset[str] = Field(frozenset(), description="Keys accepted on `/v1/…`; none means no key is needed.")
    max_body_bytes: int = Field(1 << 20, ge=1)
    max_text_chars: int = Field(5000, ge=1)
    max_batch: int = Field(100, ge=1)
    max_turns: int = Field(Limits.turns, ge=1, description="Turns in one conversation to score (the variable `score` and `scan` read too).")
    max_request_chars: int = Field(100_000, ge=1, description="Characters of text in one request: all batch items or turns together.")
    pool_size: int = Field(2, ge=1, description="Check processes: checking and scoring run there, off the event loop.")
    pool_queue: int = Field(64, ge=0, description="Requests that may wait for a busy check process; one more is answered 503.")
    inline_bytes: int = Field(512, ge=0, description="Bodies up to this size may be checked on the event loop, within half of its time; 0: never.")
    deadline: float = Field(5.0, gt=0, description="Seconds a request may take, waiting included; past it, 503 and its check is stopped.")
    read_timeout: float = Field(5.0, gt=0, description="Seconds a client has to send the body it announced; past it, 408.")
    log_text: bool = Field(False, description="Log the checked text (never by default).")
    reload_lexicons: bool = Field(True, description="Watch the compiled packs' files and recompile on change.")
    reload_interval: float = Field(1.0, gt=0, description="Seconds between looks at the pack files.")

    ENVIRONMENT: ClassVar[dict[str, str]] = {  # field → the variable that sets it
        "pack": "PHRASECHECK_PACK",
        "api_keys": "PHRASECHECK_API_KEYS",
        "max_body_bytes": "PHRASECHECK_MAX_BODY_BYTES",
        "max_text_chars": "PHRASECHECK_MAX_TEXT_CHARS",
        "max_batch": "PHRASECHECK_MAX_BATCH",
        "max_turns": "PHRASECHECK_MAX_TURNS",
        "max_request_chars": "PHRASECHECK_MAX_REQUEST_CHARS",
        "pool_size": "PHRASECHECK_POOL_SIZE",
        "pool_queue": "PHRASECHECK_POOL_QUEUE",
        "inline_bytes": "PHRASECHECK_INLINE_BYTES",
        "deadline": "PHRASECHECK_DEADLINE",
        "read_timeout": "PHRASECHECK_READ_TIMEOUT",
        "log_text": "PHRASECHECK_LOG_TEXT",
        "reload_lexicons": "PHRASECHECK_RELOAD_LEXICONS",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Settings from `PHRASECHECK_*` variables; an unset or empty variable keeps the default.
        Flags take 1/0, true/false, yes/no, on/off; `PHRASECHECK_API_KEYS` is comma-separated."""
        raw: dict[str, object] = {}
        for name, variable in cls.ENVIRONMENT.items():
            value = environ.get(variable, "").strip()
            if value:
                raw[name] = value
        if "api_keys" in raw:
            raw["api_keys"] = frozenset(k.strip() for k in str(raw["api_keys"]).split(",") if k.strip())
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            problems = [f"${cls.ENVIRONMENT[str(e['loc'][0])]}={e['input']!r}: {e['msg']}" for e in error.errors()]
            raise SettingsError("; ".join(problems)) from None

    def with_pack(self, pack: str | None) -> "Settings":
        return self.model_copy(update={"pack": pack}) if pack else self
