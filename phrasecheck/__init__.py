"""phrasecheck: a service-language linter for Chinese customer service."""

__version__ = "0.1.0"

from .qa.checker import Checker  # noqa: E402  (the engine's checker with conversation scoring)
from .conversation import Conversation, Turn  # noqa: E402
from .errors import InputError, LexiconError, PhrasecheckError  # noqa: E402
from .engine.results import SCHEMA, UtteranceResult, Violation  # noqa: E402

__all__ = ["Checker", "Conversation", "Turn", "InputError", "LexiconError", "PhrasecheckError", "SCHEMA", "UtteranceResult", "Violation", "__version__"]
