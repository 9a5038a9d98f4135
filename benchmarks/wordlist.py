"""Load time and throughput of a 65,000-entry house word list beside the bundled `bank-counter` pack.

    pip install -e '.[bench]' && python benchmarks/wordlist.py [--entries 65000] [--repeat 3]

The list is generated from jieba's dictionary (fixed seed, see `house_words`): rare single words
and pairs of words joined, 2–6 characters, the way a team's 禁语 list mixes words and short
phrases.  It is written as a TXT file with a pack `extends: [core]` beside
it.  Load time is `Checker.load` in a fresh process with the cache folder warm (the compiled
lexicon read back), after an edit (compiled, examples run) and on a new machine; throughput is every STC-3 utterance checked as an agent turn, core + the
list against `bank-counter`, best of `--repeat`, measured in this one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from phrasecheck.engine.normalize import Normalizer

_HAN = range(0x4E00, 0xA000)


def house_words(count: int = 65_000, seed: int = 7, single: float = 1 / 3) -> list[str]:
    """`count` distinct entries of 2–6 Han characters from jieba's dictionary: a share `single` of
    single words of 2–4 characters that are rare in running text (count ≤ 10, simplified
    spelling), the rest two words of 2–3 characters joined.  Everyday words (情况, 通过) stay out: no team bans them, and a list that
    flags half of all messages measures the judging of hits, not the list."""
    import jieba

    dictionary = Path(jieba.__file__).with_name("dict.txt")
    rows = [line.split(" ") for line in dictionary.read_text(encoding="utf-8").splitlines()]
    rows = [(word, int(count)) for word, count, *_ in rows if all(ord(c) in _HAN for c in word)]
    simplified = Normalizer().fold_many([word for word, _ in rows])  # 覈实 is 核实 to the matcher: no rare word
    rows = [(word, count) for (word, count), folded in zip(rows, simplified) if word == folded]
    rare = [word for word, count in rows if 2 <= len(word) <= 4 and count <= 10]
    parts = [word for word, count in rows if 2 <= len(word) <= 3 and count <= 1000]
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        word = rng.choice(rare) if rng.random() < single else rng.choice(parts) + rng.choice(parts)
        found[word] = None
    return list(found)


def write_pack(folder: Path, words: list[str]) -> Path:
    (folder / "words.txt").write_text("# generated house word list\n" + "\n".join(words) + "\n", encoding="utf-8")
    pack = folder / "house.yaml"
    pack.write_text(
        "pack: house\ntitle: generated house list\nversion: '1'\nextends: [core]\nrules:\n"
        "  - id: house-words\n    category: 禁语\n    severity: error\n    phrase_list: {file: words.txt}\n",
        encoding="utf-8",
    )
    return pack


def load_seconds(pack: str, cache: str, runs: int, state: str = "warm") -> list[float]:
    """`Checker.load(pack)` in fresh processes (import excluded).  `state`: "warm" loads with the
    cache folder `cache` as it is (the compiled lexicon is read back); "edited" with a new folder
    holding only what no pack edit changes, the word trie and the kept parts (normalizer tables,
    category model): the lexicon is compiled and its examples run, as after an edit;
    "new" with an empty folder (the trie is built from jieba's file too, as on a new machine)."""
    code = ("import time;from phrasecheck import Checker;t=time.perf_counter();"
            f"Checker.load({pack!r});print(time.perf_counter()-t)")
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            if state == "edited":
                for kept in ("words", "parts"):
                    shutil.copytree(Path(cache) / "phrasecheck" / kept, Path(empty) / "phrasecheck" / kept)
            env = dict(os.environ, XDG_CACHE_HOME=cache if state == "warm" else empty)
            output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            times.append(float(output.stdout.strip()))
    return times


STATES = {"warm": "cache warm s", "edited": "pack edited s", "new": "new machine s"}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throughput import CORPUS, corpus_texts, timed  # the same corpus and timing (and the bench extra)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=65_000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loads", type=int, default=3, help="fresh processes per load measurement")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = parser.parse_args(argv)
    texts = corpus_texts(args.corpus)
    if texts is None:
        return 2

    from phrasecheck import Checker

    variants = {"pairs": 0.0, "pairs + rare words": 1 / 3}  # share of single dictionary words in the list
    checkers = {"bank-counter": Checker.load("bank-counter")}
    loads = {}
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as cache:
        load_seconds("core", cache, 1)  # fills the cache
        loads["core"] = {state: load_seconds("core", cache, args.loads, state) for state in STATES}
        for name, single in variants.items():
            directory = Path(folder) / name.replace(" ", "").replace("+", "-")
            directory.mkdir()
            pack = str(write_pack(directory, house_words(args.entries, single=single)))
            load_seconds(pack, cache, 1)  # fills the cache
            loads[f"core + {name}"] = {state: load_seconds(pack, cache, args.loads, state) for state in STATES}
            checkers[f"core + {name}"] = Checker.load(pack)
    listed = checkers["core + pairs"].rule("house-words").words
    print(f"lists: {listed.size} entries each ({listed.duplicates} duplicates after folding dropped); "
          f"corpus: {len(texts)} utterances")
    print(f"{'Checker.load, fresh process':32s}" + "".join(f" {title:>14s}" for title in STATES.values())
          + f"   (median of {args.loads})")
    for name, numbers in loads.items():
        print(f"{name:32s}" + "".join(f" {statistics.median(numbers[state]):14.2f}" for state in STATES))

    results = timed({name: checker.check for name, checker in checkers.items()}, texts, args.repeat)
    flagged = {name: sum(c.check(t).decision != "pass" for t in texts) for name, c in checkers.items()}
    print()
    print(f"{'pack':24s} {'utt/s':>10s} {'p50 µs':>8s} {'p99 µs':>8s} {'vs bank-counter':>16s} {'flagged':>8s}")
    for name, numbers in results.items():
        ratio = numbers["utterances_per_s"] / results["bank-counter"]["utterances_per_s"]
        print(f"{name:24s} {numbers['utterances_per_s']:10.0f} {numbers['p50_us']:8.1f} {numbers['p99_us']:8.1f}"
              f" {ratio:15.2f}× {flagged[name]:8d}")
    if args.json:
        print(json.dumps({"loads": loads, "throughput": results, "flagged": flagged}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
