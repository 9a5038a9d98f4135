"""Time curve of `Checker.check` on hostile text: 1k, 10k and 100k characters of each unit in
tests/adversarial.py, as CPU seconds and as the growth per doubling (2.0 is linear, 4.0 quadratic).

    pip install -e '.[bench]' && python benchmarks/adversarial.py [--pack bank-counter] [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from adversarial import UNITS, check_seconds  # noqa: E402

from phrasecheck import Checker  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", action="append", help="packs to load (default: core and bank-counter)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest counts")
    args = parser.parse_args()
    checker = Checker.load(args.pack or ["core", "bank-counter"])
    checker.warm()
    sizes = sorted(args.sizes)
    print(f"{'text':36}" + "".join(f"{size:>12,}" for size in sizes) + f"{'per doubling':>15}")
    worst = 0.0
    for name, unit in UNITS.items():
        times = [check_seconds(checker, unit, size, args.repeat) for size in sizes]
        growth = _per_doubling(sizes[0], times[0], sizes[-1], times[-1])
        worst = max(worst, growth)
        print(f"{name:36}" + "".join(f"{t:11.3f}s" for t in times) + f"{growth:14.2f}×")
    print(f"\nworst growth per doubling: {worst:.2f}× (linear 2.00×, quadratic 4.00×)")


def _per_doubling(small: int, small_time: float, large: int, large_time: float) -> float:
    """The time factor per doubling of the text between the smallest and the largest size."""
    if small_time <= 0 or large_time <= 0:
        return 0.0
    return 2 ** (math.log(large_time / small_time) / math.log(large / small))


if __name__ == "__main__":
    main()
