"""The readers on hostile sizes: a minified ASR result against the same content pretty-printed,
and the peak memory of reading 10^6 turns from one JSON document.

    python benchmarks/readers.py [--sentences 1100] [--turns 1000000]

1. An Alibaba result of `--sentences` sentences (1,100 is about 200 KB minified) is scored by
   `phrasecheck score -j 1`, minified on one line and pretty-printed: the times should match
   (sniffing once ran a quadratic regex over the long line: 77 KB took 37 s).
2. `--turns` turns in one JSON file, as a list of conversations of 10 turns and as a list of
   utterances, are read (not scored: reading is what holds the document) in a fresh process
   each, which reports its peak resident memory: it should not grow with the file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXTS = ["您好，这里是信用卡中心，请问有什么可以帮您？", "我想问一下这个月的账单为什么多了一笔年费。", "好的，请您稍等，我帮您查一下。",
         "已经为您提交申请，感谢您的来电，再见。"]
READ = """
import resource, sys, time
from phrasecheck.readers import read_conversations
start = time.perf_counter()
turns = sum(len(conversation.turns) for conversation in read_conversations(sys.argv[1]))
print(turns, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def asr_result(sentences: int) -> dict:
    rows = [{"BeginTime": n * 3500, "EndTime": n * 3500 + 3000, "Text": TEXTS[n % 4], "ChannelId": n % 2,
             "SpeechRate": 240, "EmotionValue": 6.1, "SilenceDuration": 0} for n in range(sentences)]
    return {"TaskId": "bench", "StatusText": "SUCCESS", "Result": {"Sentences": rows}}


def write_turns(path: Path, turns: int, whole: bool) -> None:
    """`turns` turns as conversations of 10 (`whole`) or as utterances with a conv_id, written as
    they are made so that the writer's memory stays small too."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for n in range(turns // 10 if whole else turns):
            if whole:
                value = {"conv_id": f"c{n}", "turns": [{"role": ("agent", "customer")[t % 2], "text": TEXTS[t % 4],
                                                          "begin_ms": t * 1000} for t in range(10)]}
            else:
                value = {"conv_id": f"c{n // 10}", "seq": n % 10, "role": ("agent", "customer")[n % 2], "text": TEXTS[n % 4]}
            out.write(("," if n else "") + json.dumps(value, ensure_ascii=False))
        out.write("]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1100)
    parser.add_argument("--turns", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        document = asr_result(args.sentences)
        for name, indent, separators in (("pretty", 2, None), ("minified", None, (",", ":"))):
            path = work / f"asr-{name}.json"
            path.write_text(json.dumps(document, ensure_ascii=False, indent=indent, separators=separators), encoding="utf-8")
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "phrasecheck", "score", str(path), "-o", str(work / name), "-j", "1", "-q"],
                           check=True)
            print(f"score {name:8} {path.stat().st_size / 1000:7.0f} KB  {time.perf_counter() - start:6.1f} s")
        for whole in (True, False):
            path = work / ("conversations.json" if whole else "utterances.json")
            write_turns(path, args.turns, whole)
            turns, seconds, peak = subprocess.run([sys.executable, "-c", READ, str(path)], check=True, capture_output=True,
                                                  text=True).stdout.split()
            print(f"read {path.name:18} {path.stat().st_size / 1e6:6.0f} MB  {turns} turns  {float(seconds):6.1f} s  "
                  f"peak {float(peak):6.0f} MB")


if __name__ == "__main__":
    main()
