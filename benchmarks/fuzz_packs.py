"""The pack fuzz suite's long profile: thousands of mutated and damaged packs, each loaded or
refused in one line (see `tests/test_pack_fuzz.py`; the test suite runs the short `packs-ci`).

    python benchmarks/fuzz_packs.py [pytest options]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

if __name__ == "__main__":
    os.environ["PHRASECHECK_FUZZ"] = "long"
    test = Path(__file__).resolve().parent.parent / "tests" / "test_pack_fuzz.py"
    sys.exit(pytest.main(["-o", "addopts=", "-q", str(test), *sys.argv[1:]]))
