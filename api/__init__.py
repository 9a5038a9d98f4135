"""The phrasecheck REST service (`phrasecheck serve`); see `api.app.create_app`."""

from .app import Settings, create_app

__all__ = ["Settings", "create_app"]
