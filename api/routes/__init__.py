"""One router per area; `api.app.create_app` includes them all (`ROUTERS`)."""

from __future__ import annotations

from . import admin, check, conversations, docs, health, lexicon, page

ROUTERS = (check.router, conversations.router, lexicon.router, admin.router, health.router, page.router, docs.router)
