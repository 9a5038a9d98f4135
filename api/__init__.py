"""The phrasecheck REST service (`phrasecheck serve`); see `api.app.create_app`."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
