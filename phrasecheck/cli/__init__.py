"""The `phrasecheck` command line.

Exit codes: 0 nothing at or above `--fail-on`, 1 violations at or above it, 2 usage, lexicon,
configuration or input error (one line naming the file and line; results for lines before a bad
one are printed).

One module per command group: `app` (the root group, its global options and the configuration
file), `lint` (check, scan), `scoring` (score), `review` (review, trends), `lexicon` (with `wordlist`:
lexicon import), `serve`, `cache`; `base` and `options` hold what they share.
"""

from . import cache, lexicon, lint, review, scoring, serve, wordlist  # noqa: F401  (each registers its commands on `app`)
from .app import app


def main() -> None:
    app(prog_name="phrasecheck")


__all__ = ["app", "main"]
