"""The fuzz tests with many more examples than CI runs: every tests/test_fuzz_*.py file under the
hypothesis profile `long` (5,000 examples a property; see tests/conftest.py).

    pip install -e '.[test]' && python benchmarks/fuzz.py [pytest options, e.g. -x or -k readers]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def main() -> int:
    files = sorted(str(path) for path in TESTS.glob("test_fuzz_*.py"))
    environment = {**os.environ, "PHRASECHECK_FUZZ": "long"}
    return subprocess.call([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", *files, *sys.argv[1:]], env=environment)


if __name__ == "__main__":
    sys.exit(main())
