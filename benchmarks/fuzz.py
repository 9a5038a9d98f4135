"""The readers' fuzz tests with the `long` hypothesis profile (3,000 examples a test instead of 60).

    python benchmarks/fuzz.py [extra pytest arguments]

Every sample format, cut, flipped, re-encoded, with hostile values put in its JSON: reading must
end in a result or a one-line InputError within 30 s an example (tests/test_reader_fuzz.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

if __name__ == "__main__":
    os.environ["PHRASECHECK_FUZZ"] = "long"
    tests = Path(__file__).resolve().parents[1] / "tests" / "test_reader_fuzz.py"
    sys.exit(pytest.main(["-o", "addopts=", "-q", str(tests), *sys.argv[1:]]))
