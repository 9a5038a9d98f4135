"""phrasecheck.spark beside the CLI on the same data: rows/s for local[1] and local[2].

    pip install -e '.[spark]' && python benchmarks/spark.py [--pack bank-counter] [--copies 1]

The data are the STC-3 helpdesk dialogues (18,372 utterances in 4,090 conversations; `--copies N`
repeats them under new conv_ids) as canonical rows (conv_id, seq, role, text) in 8 Parquet
files, conversations kept whole in one file.  Each side reads those files and writes its
results where nothing is kept (`scan`/`score` into a temporary folder, Spark to the `noop` sink):

- utterances: `phrasecheck scan FILES --format jsonl` (one process) and `check_column`;
- conversations: `phrasecheck score FILES --jobs 1` and `--jobs 2`, and `score_conversations`.

CLI times are whole processes (start, checker load, reading, work, writing); the in-process
loops time the engine alone on conversations already read, the ceiling for one core.  Spark is timed twice per master: the
first run includes starting the Python workers and building their checkers, the second is the
steady state (workers and checkers reused); the SparkSession's own start is not counted.  Last,
the resident memory of one compiled checker (a fresh process: import, load, warm), which is what
each Python worker of an executor adds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "stc3_weibo_helpdesk_zh" / "utterances.jsonl"
FILES = 8


def write_rows(corpus: Path, folder: Path, copies: int) -> tuple[int, int]:
    """The corpus as canonical rows in FILES Parquet files; (utterances, conversations)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [{"conv_id": f"{copy}-{line['dialogue_id']}", "seq": line["turn"] * 100 + line["utt"], "role": line["role"],
             "text": line["text"]} for copy in range(copies) for line in lines]
    conversations = list(dict.fromkeys(row["conv_id"] for row in rows))
    part = {conv: index * FILES // len(conversations) for index, conv in enumerate(conversations)}
    folder.mkdir(parents=True)
    for number in range(FILES):
        chunk = [row for row in rows if part[row["conv_id"]] == number]
        pq.write_table(pa.Table.from_pylist(chunk), folder / f"part-{number:05d}.parquet")
    return len(rows), len(conversations)


def cli(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "phrasecheck.cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode not in (0, 1):
        sys.exit(f"phrasecheck {args[0]} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return time.perf_counter() - start


def spark_runs(master: str, folder: Path, pack: str) -> dict[str, tuple[float, float]]:
    """(first, second) seconds of each job on a fresh session of `master`."""
    from pyspark.sql import SparkSession

    from phrasecheck.spark import check_column, score_conversations

    cores = int(master[len("local["):-1])
    spark = (SparkSession.builder.master(master).config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", str(2 * cores))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    rows = spark.read.parquet(str(folder))
    jobs = {"check_column": lambda: check_column(rows, "text", role="role", pack=pack),
            "score_conversations": lambda: score_conversations(rows, pack=pack)}
    times = {}
    try:
        for name, job in jobs.items():
            runs = []
            for _ in range(2):
                start = time.perf_counter()
                job().write.format("noop").mode("overwrite").save()
                runs.append(time.perf_counter() - start)
            times[name] = (runs[0], runs[1])
    finally:
        spark.stop()
    return times


def in_process(folder: Path, pack: str) -> tuple[float, float]:
    """Seconds to check every utterance and to score every conversation in this process, the
    files already read: the engine's own ceiling, with no Spark and no output."""
    from phrasecheck import Checker
    from phrasecheck.readers import read_conversations

    checker = Checker.load(pack)
    checker.warm()
    conversations = [c for path in sorted(folder.iterdir()) for c in read_conversations(path)]
    start = time.perf_counter()
    for conversation in conversations:
        for turn in conversation.turns:
            checker.check_turn(turn.text, turn.role)
    checked = time.perf_counter() - start
    start = time.perf_counter()
    for conversation in conversations:
        checker.score_conversation(conversation)
    return checked, time.perf_counter() - start


def checker_rss(pack: str) -> float:
    """MiB resident in a fresh process after importing phrasecheck, loading `pack` and warming it."""
    script = ("import resource; from phrasecheck import Checker; c = Checker.load(%r); c.warm(); "
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)" % pack)
    return int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="bank-counter")
    parser.add_argument("--copies", type=int, default=1, help="repeat the corpus this many times")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "turns"
        utterances, conversations = write_rows(args.corpus, folder, args.copies)
        print(f"{utterances} utterances in {conversations} conversations, {FILES} Parquet files, pack {args.pack}")
        files = [str(path) for path in sorted(folder.iterdir())]
        table = [("utterances", "CLI scan (1 process)", cli(["scan", *files, "--pack", args.pack, "--format", "jsonl",
                                                             "-o", str(Path(tmp) / "scan.jsonl")]), None)]
        for jobs in (1, 2):
            seconds = cli(["score", *files, "--pack", args.pack, "--jobs", str(jobs), "-q", "--out", str(Path(tmp) / "qa")])
            table.append(("conversations", f"CLI score --jobs {jobs}", seconds, None))
        checked, scored = in_process(folder, args.pack)
        table.append(("utterances", "in-process Checker.check_turn loop", checked, None))
        table.append(("conversations", "in-process score_conversation loop", scored, None))
        for master in ("local[1]", "local[2]"):
            times = spark_runs(master, folder, args.pack)
            table.append(("utterances", f"Spark {master} check_column", times["check_column"][1], times["check_column"][0]))
            table.append(("conversations", f"Spark {master} score_conversations", times["score_conversations"][1],
                          times["score_conversations"][0]))
    print(f"{'job':<40} {'seconds':>8} {'rows/s':>8} {'conv/s':>7}   first Spark run (workers start)")
    table.sort(key=lambda row: row[0], reverse=True)
    for _, name, seconds, first in table:
        cold = f"{first:.1f} s, {utterances / first:,.0f} rows/s" if first is not None else ""
        print(f"{name:<40} {seconds:>8.1f} {utterances / seconds:>8,.0f} {conversations / seconds:>7,.0f}   {cold}")
    print(f"one compiled checker ({args.pack}), resident: {checker_rss(args.pack):.0f} MiB per Python worker")


if __name__ == "__main__":
    main()
