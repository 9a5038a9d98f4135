"""phrasecheck on Spark: check a DataFrame column of utterances, score conversations grouped by conv_id.

    from phrasecheck.spark import check_column, score_conversations
    checked = check_column(df, "text", role="role", id="id", pack="bank-counter")   # + a `result` struct column
    scored = score_conversations(turns, pack="bank-counter", channel="call")          # one row per conversation

`check_column` is an Arrow-backed pandas UDF whose struct column is the `phrasecheck/1` utterance
result (what `Checker.check(...).to_dict()`, `scan --format jsonl` and REST `/v1/check` return,
without `meta`); `score_conversations` groups the canonical utterance columns by conv_id
(repartitioned by it, sorted by seq, `mapInPandas`) and returns what `score` writes in
conversations.jsonl, one column per key.
The rows of a group are read by the same row layer as a CSV or Parquet file (`readers.parquet.
rows_conversations`), so column names (会话ID, 内容…), role words, times and turn order are the
CLI's, and so are the results.  A row that cannot be read does not fail the job: its result
carries `error` (the one-line message the CLI would print) and the other fields are null.

The compiled checker is built once per Python worker process (`checker`, keyed by the packs) and
reused by every batch and task that process runs; the driver builds one too, to fail fast on a
broken pack or template and to resolve `select`/`ignore`.  A team's pack file sent with the job
(`--files team.yaml`) is read from Spark's copy where a process's folder lacks it (`shipped`).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

try:
    import pandas as pd
    from pyspark import SparkFiles
    from pyspark.sql import DataFrame, functions as F
    from pyspark.sql.types import ByteType, IntegerType, LongType, ShortType
except ImportError as missing:  # pragma: no cover - the message is the point
    raise ImportError(f"phrasecheck.spark needs pyspark, pandas and pyarrow ({missing.name} is missing): "
                      "pip install 'phrasecheck[spark]'") from None

from ..errors import PhrasecheckError
from ..qa.checker import Checker
from ..readers import Options
from ..readers.grouping import column
from ..readers.parquet import python_rows, rows_conversations
from ..readers.values import TURN_ROLES, role as read_role
from ..selection import disabled_rules, selectors
from .schema import CONVERSATION, CONVERSATION_FIELDS, UTTERANCE, UTTERANCE_FIELDS

__all__ = ["CONVERSATION", "UTTERANCE", "Job", "check_column", "checker", "score_conversations", "shipped"]

_CHECKERS: dict[tuple[str, ...], Checker] = {}
BUILDS: Counter = Counter()  # checkers compiled in this process, by packs (tests read it)


def checker(packs: Sequence[str]) -> Checker:
    """The compiled checker for `packs`, built on first use in this process and kept."""
    key = tuple(packs)
    found = _CHECKERS.get(key)
    if found is None:
        found = _CHECKERS[key] = Checker.load([shipped(pack) for pack in key])
        found.warm()
        BUILDS[key] += 1
    return found


def shipped(pack: str) -> str:
    """A pack file named by a path that is not here (`team.yaml` in the driver's folder, which an
    executor's is not) but that went with the job (`spark-submit --files team.yaml`,
    `SparkContext.addFile`): its copy where Spark keeps such files; any other name unchanged."""
    if not pack.endswith((".yaml", ".yml")) or os.path.exists(pack):
        return pack
    try:
        copy = SparkFiles.get(os.path.basename(pack))
    except AttributeError:  # no SparkContext in this process: nothing was shipped to it
        return pack
    return copy if os.path.isfile(copy) else pack


@dataclass(frozen=True)
class Job:
    """What the executors need: small and picklable, the checker itself is built there."""

    packs: tuple[str, ...]
    template: str | None = None
    disabled: frozenset[str] = frozenset()
    channel: str | None = None
    agent_channel: int = 0
    source: str | None = None


def prepare(pack: str | Sequence[str], template: str | None = None, select: Iterable[str] = (),
            ignore: Iterable[str] = (), **options: Any) -> Job:
    """A `Job`, checked on the driver: the packs load and pass their examples, the template loads,
    every selector matches a rule (else the one-line `PhrasecheckError` the CLI would print)."""
    packs = (pack,) if isinstance(pack, str) else tuple(pack)
    built = checker(packs)
    built.template(template)
    return Job(packs, template, disabled_rules(built, selectors(select), selectors(ignore)), **options)


# -- utterances ------------------------------------------------------------------------------------


def check_column(df: DataFrame, text: str, *, role: str | None = None, id: str | None = None,
                 pack: str | Sequence[str] = "core", select: Iterable[str] = (), ignore: Iterable[str] = (),
                 output: str = "result") -> DataFrame:
    """`df` with a struct column `output`: each row's text checked as `role` (agent when the column
    is absent or null), its `id` echoed, in the utterance wire schema plus `error`."""
    job = prepare(pack, select=select, ignore=ignore)

    def check(texts: pd.Series, roles: pd.Series, ids: pd.Series) -> pd.DataFrame:
        return checked_frame(job, texts, roles, ids)

    udf = F.pandas_udf(check, UTTERANCE)
    none = F.lit(None).cast("string")
    return df.withColumn(output, udf(F.col(text), F.col(role) if role else none, F.col(id).cast("string") if id else none))


def checked_frame(job: Job, texts: Iterable[Any], roles: Iterable[Any], ids: Iterable[Any]) -> pd.DataFrame:
    """One batch of utterances checked: a frame with a column per field of the utterance struct."""
    found = checker(job.packs)
    rows = []
    for text, said, id in zip(texts, roles, ids):
        id = None if pd.isna(id) else id
        if text is None or (isinstance(text, float) and pd.isna(text)):
            rows.append({"id": id, "error": "no text"})
            continue
        try:
            who = read_role(None if pd.isna(said) else said, f"id {id}" if id is not None else "role", TURN_ROLES, "agent")
            rows.append(found.check_turn(str(text), who, id, disabled_rules=job.disabled).to_dict())
        except PhrasecheckError as error:
            rows.append({"id": id, "error": str(error)})
    return pd.DataFrame({field: [row.get(field) for row in rows] for field in UTTERANCE_FIELDS})


# -- conversations ---------------------------------------------------------------------------------


def score_conversations(df: DataFrame, *, pack: str | Sequence[str] = "core", template: str | None = None,
                        select: Iterable[str] = (), ignore: Iterable[str] = (), channel: str | None = None,
                        agent_channel: int = 0, source: str | None = None) -> DataFrame:
    """One row per conversation of `df` (canonical utterance columns, under any of their names):
    the conversation result's keys as columns, plus `error`.  Turns are ordered by `seq`, which
    is required because Spark rows have no order; `source` fills the result's `source`.

    The rows are repartitioned by conv_id and sorted by conv_id and seq within each partition,
    then scored a whole Arrow batch at a time (`mapInPandas`): `applyInPandas` would build a
    pandas frame and an Arrow batch for every conversation, which costs more than scoring it."""
    conv_id = _column(df, "conv_id")
    seq = _column(df, "seq")
    if conv_id is None or seq is None:
        missing = " and ".join(name for name, found in (("conv_id", conv_id), ("seq", seq)) if found is None)
        raise PhrasecheckError(f"score_conversations needs {missing} columns (found: {', '.join(df.columns)}): "
                               "rows are grouped by conv_id and ordered by seq")
    job = prepare(pack, template, select, ignore, channel=channel, agent_channel=agent_channel, source=source)
    integral = frozenset(f.name for f in df.schema.fields if isinstance(f.dataType, (ByteType, ShortType, IntegerType, LongType)))

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return scored_batches(job, batches, conv_id, seq, integral)

    return df.repartition(conv_id).sortWithinPartitions(conv_id, seq).mapInPandas(score, CONVERSATION)


def _column(df: DataFrame, canonical: str) -> str | None:
    """The DataFrame's column that names `canonical` (`会话ID` for conv_id), as the readers see it."""
    return next((name for name in df.columns if column(name) == canonical), None)


def scored_batches(job: Job, batches: Iterable[pd.DataFrame], conv_id: str, seq: str,
                   integral: frozenset[str]) -> Iterator[pd.DataFrame]:
    """The conversations of one partition (rows sorted by conv_id and seq), one frame of results
    per batch; a conversation that runs on into the next batch is scored with it, whole."""
    import pyarrow as pa

    carried: list[dict[str, Any]] = []
    for batch in batches:
        rows = carried + [{key: int(value) if key in integral and value is not None else value for key, value in row.items()}
                          for row in python_rows(pa.Table.from_pandas(batch, preserve_index=False))]
        cut = len(rows)
        while cut and rows[cut - 1][conv_id] == rows[-1][conv_id]:
            cut -= 1
        rows, carried = rows[:cut], rows[cut:]
        if rows:
            yield _results(job, rows, conv_id, seq)
    if carried:
        yield _results(job, carried, conv_id, seq)


def _results(job: Job, rows: list[dict[str, Any]], conv_id: str, seq: str) -> pd.DataFrame:
    results = [_scored(job, name, list(group), seq) for name, group in itertools.groupby(rows, lambda row: row[conv_id])]
    return pd.DataFrame({field: [result.get(field) for result in results] for field in CONVERSATION_FIELDS})


def _scored(job: Job, name: Any, rows: list[dict[str, Any]], seq: str) -> dict[str, Any]:
    """One conversation's rows scored, or the reason they cannot be."""
    try:
        if name is None:
            raise PhrasecheckError(f"{len(rows)} row(s) without conv_id")
        if any(row[seq] is None for row in rows):
            raise PhrasecheckError(f"conversation {name}: a row without seq: turns are ordered by seq")
        conversations = list(rows_conversations(rows, f"conversation {name}", Options(job.agent_channel, job.channel)))
        if not conversations:
            raise PhrasecheckError(f"conversation {name}: no turn with text")
        result = checker(job.packs).score_conversation(conversations[0], job.template, job.disabled).to_dict()
        result["source"] = job.source
        return result
    except PhrasecheckError as error:
        return {"schema": "phrasecheck/1", "kind": "conversation", "id": None if name is None else str(name),
                "source": job.source, "error": str(error)}
