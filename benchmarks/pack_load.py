"""Load time of packs as they grow: each size twice the last, with the ratio between doublings.

    python benchmarks/pack_load.py [--repeat 3] [--kinds rules shared phrase class list]

A linear load takes about 2× per doubling; a quadratic one 4×.  Kinds (packs generated from a
fixed seed, written to a temporary folder, loaded in this process after a warm-up, best of
`--repeat`, each `Checker.load` followed by running every rule example, as a load with no
verification cache does):

- `rules`: rules with distinct four-character phrases and their examples;
- `shared`: rules that all ban the same phrase (each flag example hits every rule);
- `phrase`: one rule whose phrase grows (with `phrase_chars` raised), with regional forms;
- `class`: patterns that each name one word class of 2,000 words;
- `list`: a house word list of random entries, with homophones (`phonetic: true`).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from phrasecheck import Checker
from phrasecheck.lexicon.limits import ENVIRONMENT

HEAD = "pack: bench\ntitle: bench\nversion: '1'\n"
RULE = ("  - {{id: r{i}, category: c, severity: error, scenario: s, phrases: [{phrase}], why: w, suggest: [请您稍候],"
        " source: {{seed: '000', line: '1'}}, examples: {{flag: [{phrase}], clean: [您好]}}}}\n")
SIZES = {"rules": (500, 1000, 2000, 4000), "shared": (500, 1000, 2000, 4000), "phrase": (4000, 8000, 16000, 32000),
         "class": (20, 40, 80, 160), "list": (12_500, 25_000, 50_000, 100_000)}


def _words(rng: random.Random, count: int, length: int) -> list[str]:
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]  # simplified, common: no 繁 conversion
    return ["".join(rng.choice(han) for _ in range(length)) for _ in range(count)]


def pack_text(kind: str, size: int, folder: Path) -> str:
    rng = random.Random(size)
    if kind == "rules":
        return HEAD + "rules:\n" + "".join(RULE.format(i=i, phrase=w) for i, w in enumerate(_words(rng, size, 4)))
    if kind == "shared":
        return HEAD + "rules:\n" + "".join(RULE.format(i=i, phrase="不归我管") for i in range(size))
    if kind == "phrase":  # a short flag example: an example has a limit of its own
        rule = RULE.format(i=0, phrase="你找别人去" * (size // 5))
        return HEAD + "normalize: {dialect: {你: [侬, 恁], 去: [克]}}\nrules:\n" + rule[: rule.index("flag: [")] + "flag: [别人], clean: [您好]}}\n"
    if kind == "class":
        words = ", ".join(_words(rng, 2000, 4))
        patterns = ", ".join('"{big}"' for _ in range(size))
        return HEAD + f"classes: {{big: [{words}]}}\nrules:\n  - {{id: r, category: c, severity: error, phrase_list: [占位], patterns: [{patterns}]}}\n"
    (folder / f"words{size}.txt").write_text("\n".join(_words(rng, size, 4)), encoding="utf-8")
    return HEAD + f"rules:\n  - {{id: r, category: c, severity: error, phonetic: true, phrase_list: {{file: words{size}.txt}}}}\n"


def seconds(path: Path, repeat: int) -> float:
    """Best time to load the pack and run its examples (no verification cache)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        Checker.load(str(path), verify_examples=False).test_examples()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", choices=list(SIZES), default=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ[ENVIRONMENT] = "phrase_chars=100000"
        folder = Path(folder)
        (folder / "warm.yaml").write_text(pack_text("rules", 10, folder), encoding="utf-8")
        Checker.load(str(folder / "warm.yaml"), verify_examples=False).warm()
        print(f"{'kind':8} {'size':>8} {'pack KB':>8} {'load s':>8} {'× last':>7}")
        for kind in args.kinds:
            last = None
            for size in SIZES[kind]:
                path = folder / f"{kind}{size}.yaml"
                path.write_text(pack_text(kind, size, folder), encoding="utf-8")
                taken = seconds(path, args.repeat)
                ratio = f"{taken / last:.2f}" if last else ""
                print(f"{kind:8} {size:>8,} {path.stat().st_size // 1024:>8,} {taken:>8.3f} {ratio:>7}", flush=True)
                last = taken


if __name__ == "__main__":
    main()
