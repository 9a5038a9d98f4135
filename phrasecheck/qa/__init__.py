"""QA: conversation rules, scoring templates and conversation scores, on top of the engine."""

from .checker import Checker
from .scoring import ConversationResult

__all__ = ["Checker", "ConversationResult"]
