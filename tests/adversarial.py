"""Texts built to make a matcher work hard: every character starts a candidate, every candidate
sits in one endless sentence, quotes and reporting frames everywhere, letter runs that look like
pinyin.  Shared by the linear-time test and benchmarks/adversarial.py."""

from __future__ import annotations

import gc
import time
from typing import Callable

from phrasecheck import Checker

# Each unit is repeated to the wanted length.  Together they reach every stage that once went
# quadratic: the rewrite's clause walk, `unless` searches per hit, quote lookups, word edges in
# one unpunctuated clause, pinyin segmentation of one long run, overlap resolution.
UNITS = {
    "banned line, no punctuation": "你办啥",
    "banned line per clause": "不归我管，找别人去，",
    "one endless sentence of hits": "急什么没看见我正忙吗",
    "quoted hits": "“你办啥”",
    "reported speech": "您说不归我管",
    "anchors without their pattern": "不归",
    "hits inside words": "别人去找",
    "insults with traditional characters": "你這個白痴",
    "emoji between hits": "😀你办啥",
    "letters": "a",
    "spaced pinyin": "bu gui wo guan ",
    "polite words": "您好请问",
    "a call spaced in pauses, greeting each time": "嗯 您好 请问 你办啥 ",
    "a call of clauses the model flags": "你可真行 快点 磨蹭 ",
}


def unit_text(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def cpu_seconds(run: Callable[[], object], repeats: int = 3) -> float:
    """Best CPU time of a few runs: other processes on a shared machine do not count, nor does the
    cyclic garbage collector, whose passes over a heap of tens of thousands of hits grow faster
    than the text and are not the engine's algorithm (they made a linear check measure 2.2-2.6x
    per doubling)."""
    best = float("inf")
    enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            gc.collect()
            gc.disable()
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
            gc.enable()
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()
    return best


def check_seconds(checker: Checker, unit: str, length: int, repeats: int = 5) -> float:
    text = unit_text(unit, length)
    return cpu_seconds(lambda: checker.check(text, role="agent"), repeats)
