"""`python -m phrasecheck …` works like the `phrasecheck` script."""

from .cli import main

main()
