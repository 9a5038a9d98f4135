"""Checking time grows linearly with the text, however hostile: doubling the text must not do much
more than double the time.  Ratios of CPU time, never absolute times (shared, noisy machines)."""

import pytest

from adversarial import UNITS, check_seconds

# Linear is 2.0 per doubling, quadratic 4.0; the margin absorbs noise and cache effects at the
# sizes a test can afford.  Over two doublings the bound is squared.
PER_DOUBLING = 2.6
# Units whose quadratic part once showed only past 10,000 characters: each `unless` match was held
# against every 您好 of the text (5.6x at 3k → 12k, under the bound; 7.7x at 5k → 20k), and each of
# the model's hits against every pattern hit kept (8.2x at 8k → 32k; 3.6x since).
SIZES = {"a call spaced in pauses, greeting each time": (5_000, 20_000),
         "a call of clauses the model flags": (8_000, 32_000)}


@pytest.fixture(scope="module")
def checker():
    from phrasecheck import Checker

    loaded = Checker.load(["core", "bank-counter"])
    loaded.warm()
    return loaded


@pytest.mark.parametrize("name", list(UNITS))
def test_time_per_doubling_stays_linear(checker, name):
    unit = UNITS[name]
    small_size, large_size = SIZES.get(name, (3_000, 12_000))
    # Both sizes in turn, three rounds, each keeping its best: a neighbour's busy spell on the
    # shared machine then falls on both, not on whichever size was being measured (CI once read
    # 6.8x for a unit that measures 3.7-4.5x: 29 ms at 12,000 characters here, 47 ms there).
    small = large = float("inf")
    for _ in range(3):
        small = min(small, check_seconds(checker, unit, small_size))
        large = min(large, check_seconds(checker, unit, large_size))
    floor = 0.005  # below this a measurement is mostly clock resolution and the noise of a shared machine
    if large < floor * 4:
        return  # fast at every size: nothing can be quadratic enough to matter here
    assert large / max(small, floor) < PER_DOUBLING**2, f"{name}: {small:.3f} s at {small_size:,}, {large:.3f} s at {large_size:,}"
