"""`phrasecheck score` on generated call transcripts: throughput by --jobs, memory as input grows.

    python benchmarks/score.py [--conversations 10000] [--jobs 1 2] [--sizes 2500 10000 20000]

Conversations are generated from a fixed seed: a mix of polite calls and calls with banned
phrases, missing greetings or farewells, long silences and bare refusals, 8–14 turns each, with
timestamps, written as canonical JSONL split over several files.  Each run is a separate
`phrasecheck score` process; its wall time gives conversations/s and the peak resident memory of
the parent and of its largest worker (getrusage of the children) shows whether memory stays
flat as the input grows.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

OPENINGS = ["您好，{org}客服中心，工号{id}为您服务。", "您好，很高兴为您服务，请问有什么可以帮您？", "喂，说。", "您好，请讲。"]
ORGS = ["燃气", "电力", "银行", "快递", "物业"]
CUSTOMER = ["我家燃气表不走字了", "这个月账单怎么多了三十块", "快递三天了还没到", "我想改一下预留手机号", "电梯又坏了", "能不能帮我延期还款"]
AGENT_POLITE = [
    "好的，请您稍等，我帮您查一下。", "对不起让您久等了，已经帮您登记，师傅今天下午上门。",
    "非常抱歉，按规定需要本人带身份证到营业厅办理，您可以就近选择网点。", "明白了，我这边为您提交工单，两小时内回复您。",
    "感谢您的耐心等待，问题已经处理好了。", "请问还有其他可以帮您的吗？",
]
AGENT_RUDE = ["不归我管，找别人去", "办不了", "我不知道", "急什么，没看见我正忙吗？", "你自己看说明书", "下一个"]
CLOSINGS = ["感谢您的来电，再见！", "好的，祝您生活愉快，再见。", "就这样吧。"]


def conversation(rng: random.Random, number: int) -> list[dict]:
    conv_id = f"c{number:06d}"
    agent_id = f"a{rng.randrange(40):03d}"
    rude = rng.random() < 0.3
    clock = 0
    lines = []

    def say(role: str, text: str, wait: int) -> None:
        nonlocal clock
        begin = clock + wait
        end = begin + 250 * len(text)
        lines.append({"conv_id": conv_id, "seq": len(lines) + 1, "role": role, "agent_id": agent_id if role == "agent" else None,
                      "text": text, "begin_ms": begin, "end_ms": end})
        clock = end

    say("agent", rng.choice(OPENINGS).format(org=rng.choice(ORGS), id=rng.randrange(1000, 9999)), 800)
    for _ in range(rng.randrange(3, 6)):
        say("customer", rng.choice(CUSTOMER), rng.randrange(500, 2000))
        pool = AGENT_RUDE if rude and rng.random() < 0.4 else AGENT_POLITE
        say("agent", rng.choice(pool), rng.choice([1500, 3000, 45000]) if rng.random() < 0.1 else rng.randrange(800, 4000))
    say("agent", rng.choice(CLOSINGS), 1000)
    return lines


def generate(folder: Path, count: int, files: int = 8, seed: int = 7) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    handles = [open(folder / f"calls-{i:02d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    try:
        for number in range(count):
            out = handles[number * files // count]
            for line in conversation(rng, number):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        for handle in handles:
            handle.close()


def run(folder: Path, out: Path, jobs: int, pack: str) -> dict:
    command = [sys.executable, "-m", "phrasecheck.cli", "score", str(folder), "--pack", pack, "--out", str(out),
               "--jobs", str(jobs), "--channel", "call"]
    script = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
        "wall = time.perf_counter() - t\n"
        "child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'code': code, 'wall': wall, 'max_rss_kib': child}))\n"
    )
    # A fresh interpreter per run, so RUSAGE_CHILDREN covers this run's processes only.
    measured = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True, check=True)
    return json.loads(measured.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_500, 10_000, 20_000])
    parser.add_argument("--pack", default="bank-counter")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        data = base / f"n{args.conversations}"
        generate(data, args.conversations)
        size_mib = sum(p.stat().st_size for p in data.iterdir()) / 2**20
        print(f"{args.conversations} generated conversations, {size_mib:.1f} MiB of JSONL")
        print(f"{'jobs':>5} {'seconds':>8} {'conv/s':>8} {'speed-up':>9} {'peak RSS MiB':>13}")
        first = None
        for jobs in args.jobs:
            result = run(data, base / f"out-{jobs}", jobs, args.pack)
            if result["code"] not in (0, 1):
                sys.exit(f"phrasecheck score exited {result['code']}")
            rate = args.conversations / result["wall"]
            first = first or rate
            print(f"{jobs:>5} {result['wall']:>8.1f} {rate:>8.0f} {rate / first:>8.2f}× {result['max_rss_kib'] / 1024:>13.0f}")
        print("\nmemory as the input grows (jobs=1):")
        print(f"{'conversations':>14} {'MiB input':>10} {'peak RSS MiB':>13}")
        for size in args.sizes:
            folder = base / f"s{size}"
            generate(folder, size)
            result = run(folder, base / f"out-s{size}", 1, args.pack)
            mib = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
            print(f"{size:>14} {mib:>10.1f} {result['max_rss_kib'] / 1024:>13.0f}")


if __name__ == "__main__":
    main()
