"""`python -m phrasecheck.cli`, as the benchmarks run it."""

from . import main

main()
