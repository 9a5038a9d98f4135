"""Schemathesis against the REST service for longer than the test suite can afford.

    python benchmarks/fuzz_api.py [--max-examples 500] [--seed N] [--pack bank-counter]

The same run as `tests/test_schemathesis.py` (every check, every phase: examples, coverage,
fuzzing, stateful; a real `phrasecheck serve`; a 422 for a generated house rule excused, see
tests/schemathesis_hooks.py), with more examples per operation and a fresh seed unless one is given.  Prints schemathesis's report and exits with its code; afterwards the
server's log is searched for anything logged as an error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from live import LiveServer  # noqa: E402
from test_schemathesis import run_schemathesis  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=500, help="test cases per operation (default 500; the suite runs 15)")
    parser.add_argument("--seed", type=int, help="schemathesis's seed (default: a fresh one, printed in the report)")
    parser.add_argument("--pack", default="bank-counter")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp) / "server.log", pack=args.pack)
        try:
            code = run_schemathesis(server.base, args.max_examples, args.seed, Path(tmp)).returncode
        finally:
            server.stop()
        errors = [line for line in server.logged().splitlines() if "ERROR" in line or "Traceback" in line]
    print("\nserver log: " + ("\n".join(errors) if errors else "no errors"))
    return code or (1 if errors else 0)


if __name__ == "__main__":
    sys.exit(main())
