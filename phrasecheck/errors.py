"""Errors a user can act on.  Each carries a one-line message; the CLI prints it and exits 2."""


class PhrasecheckError(Exception):
    """Base class: the message is complete and meant for the user, never a traceback."""


class LexiconError(PhrasecheckError):
    """A lexicon pack cannot be loaded: names the file, the rule id and the field."""


class InputError(PhrasecheckError):
    """An input file or line cannot be read: names the file, the line and what was expected."""


class OutputError(PhrasecheckError):
    """An output file or folder cannot be written: names it and says why."""
