"""Parquet tables (a data lake's transcripts): one utterance a row, the canonical columns.

The columns are those of canonical JSONL and CSV, under any of their names (``会话ID``, ``内容``…):
the rows go through the same `grouping` as CSV rows, so roles, times, ordering by ``seq`` and the
errors are the same.  A file is recognised by its first bytes (``PAR1``) and read one record batch
at a time, so memory holds a batch and one conversation whatever the file size.  Rows are
numbered from 1 in errors and record ids (``calls.parquet: row 3``).  Reading needs pyarrow
(``pip install 'phrasecheck[parquet]'``).

`rows_conversations` reads rows that are not in a file (a Spark group) the same way.
"""

from __future__ import annotations

import datetime
import decimal
import io
import math
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..conversation import Conversation
from ..errors import InputError
from .canonical import missing_columns
from .grouping import Item, column, grouped
from .registry import Reader, register
from .source import Input, Options
from .transcript import Transcript

MAGIC = b"PAR1"
BATCH_ROWS = 8192
INSTALL = "pip install 'phrasecheck[parquet]'"
_PANDAS_INDEX = "__index_level_"  # a pandas index pandas wrote as a column: not the transcript's


def pyarrow_parquet(name: str):
    """`pyarrow.parquet`, or a one-line error naming what needs it and how to install it."""
    try:
        import pyarrow.parquet
    except ImportError:
        raise InputError(f"{name}: reading Parquet needs pyarrow: {INSTALL}") from None
    return pyarrow.parquet


def cell(value: Any) -> Any:
    """A Parquet value as the row layer reads JSON and CSV values: date-times as ISO 8601 text,
    durations as milliseconds, decimals as floats, NaN (pandas' missing number) as missing."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() * 1000)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def python_rows(batch) -> Iterator[dict[str, Any]]:
    """The rows of an Arrow record batch (or table) as dicts of plain Python values."""
    names = [name for name in batch.schema.names if not name.startswith(_PANDAS_INDEX)]
    columns = [batch.column(name).to_pylist() for name in names]
    for values in zip(*columns):
        yield {name: cell(value) for name, value in zip(names, values)}


def parse_parquet(data: Input) -> Iterator[Transcript]:
    parquet = pyarrow_parquet(data.name)
    try:
        table = parquet.ParquetFile(data.stream)
    except Exception as error:  # pyarrow raises several types for a damaged or foreign file
        raise InputError(f"{data.name}: cannot read it as Parquet ({_reason(error)})") from None
    names = [column(name) for name in table.schema_arrow.names]
    missing = missing_columns(names, data.options.replies)
    if missing:
        raise InputError(f"{data.name}: expected Parquet columns {' and '.join(missing)} "
                         f"(found: {', '.join(table.schema_arrow.names) or 'nothing'})")
    yield from grouped(_items(table, data.name), data)


def _items(table, name: str) -> Iterator[Item]:
    number = 0
    batches = table.iter_batches(batch_size=BATCH_ROWS)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as error:
            raise InputError(f"{name}: row {number + 1}: cannot read the row group ({_reason(error)})") from None
        for row in python_rows(batch):
            number += 1
            yield Item(f"{name}: row {number}", number, row)


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def rows_conversations(rows: Iterable[dict[str, Any]], name: str, options: Options = Options()) -> Iterator[Conversation]:
    """Canonical utterance rows held in memory (a Spark group), read as a file of them would be."""
    data = Input(Path(name), name, name, options, io.BytesIO())
    items = (Item(f"{name}: row {number}", number, row) for number, row in enumerate(rows, 1))
    for transcript in grouped(items, data):
        conversation = transcript.conversation()
        if conversation is not None:
            yield conversation


register(Reader("parquet", "Parquet", parse_parquet, suffixes=(".parquet",), magic=MAGIC))
