"""Fuzzing the readers: every sample format, cut, flipped, re-encoded, with hostile values put in
its JSON.  Reading never raises anything but a one-line InputError, and never hangs.

The `ci` profile runs here; `python benchmarks/fuzz.py` runs the `long` one (tests/conftest.py).
"""

import json
import signal
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from phrasecheck.errors import InputError
from phrasecheck.readers import read_conversations, read_utterances

DATA = Path(__file__).parent / "data" / "transcripts"
SAMPLES = sorted(path for path in DATA.iterdir() if path.is_file())
FORMATS = {"aliyun-camel.json": "aliyun", "aliyun.json": "aliyun", "call.srt": "srt", "call.txt": "txt",
           "call.vtt": "vtt", "calls-gbk.csv": "csv", "calls.csv": "csv", "calls.jsonl": "jsonl", "chats.json": "json",
           "freshdesk.json": "freshdesk", "iflytek.json": "iflytek", "intercom.json": "intercom",
           "tencent-result-string.json": "tencent", "tencent.json": "tencent", "wecom.jsonl": "wecom",
           "zendesk-qa.json": "zendesk", "zendesk.json": "zendesk"}
SECONDS_ALLOWED = 30  # per example: far above any honest read of these small files

HOSTILE_TEXT = ["1e306", "-1e306", "9" * 400, "9" * 5000, "9" * 400 + ":00:00", "99:99:99,999", "NaN", "Infinity",
                "[" * 3000, "{\"a\":" * 500, "\\ud800", "\ud800", "-->", "<v ", "<!--", "<a <a <a", "坐席：", "\x00",
                "\r", "\u2028", " " * 5000, "a" * 5000, "1" * 30 + "s", "2024-13-45T99:99", "0001-01-01T00:00:00"]
HOSTILE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT), st.text(max_size=30),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.integers(min_value=1, max_value=400).map(lambda depth: json.loads("[" * depth + "]" * depth)),
)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"reading took more than {SECONDS_ALLOWED} s")


def read_everything(data: bytes, name: str) -> None:
    """Read the bytes as `name` with score's and scan's readers, detected and forced to the sample's
    format: only a one-line InputError may come out, within the time allowed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(SECONDS_ALLOWED)
        try:
            for input_format in ("auto", FORMATS[name]):
                for read in (lambda: read_conversations(path, input_format), lambda: read_utterances(path, input_format)):
                    try:
                        for _ in read():
                            pass
                    except InputError as error:
                        assert "\n" not in str(error) and str(error).startswith(str(path)), str(error)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated_bytes(draw):
    """A sample, then a few byte-level changes: cuts, flips, insertions, deletions, re-encodings."""
    sample = draw(st.sampled_from(SAMPLES))
    data = sample.read_bytes()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        change = draw(st.sampled_from(["cut", "flip", "insert", "delete", "encode"]))
        if change == "cut":
            data = data[:at]
        elif change == "flip":
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif change == "insert":
            data = data[:at] + draw(st.sampled_from(HOSTILE_TEXT)).encode("utf-8", "surrogatepass") + data[at:]
        elif change == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 200)):]
        else:
            text = data.decode("utf-8", "replace") if not sample.name.endswith("gbk.csv") else data.decode("gbk", "replace")
            data = text.encode(draw(st.sampled_from(["gbk", "gb18030", "utf-8-sig", "utf-16", "latin-1"])), "replace")
    return data, sample.name


@st.composite
def mutated_json(draw):
    """A JSON sample with values swapped for hostile ones (types, huge numbers, nesting), written
    minified or pretty."""
    sample = draw(st.sampled_from([path for path in SAMPLES if path.suffix in (".json", ".jsonl")]))
    text = sample.read_text(encoding="utf-8")
    lines = sample.suffix == ".jsonl"
    values = [json.loads(line) for line in text.splitlines() if line.strip()] if lines else [json.loads(text)]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=len(values) - 1))
        values[index] = _swap(draw, values[index])
    indent = draw(st.sampled_from([None, 2]))
    dump = lambda value: json.dumps(value, ensure_ascii=draw(st.booleans()), indent=None if lines else indent)  # noqa: E731
    body = "".join(dump(value) + "\n" for value in values) if lines else dump(values[0])
    return body.encode("utf-8", "surrogatepass"), sample.name


def _swap(draw, value):
    """`value` with one value somewhere inside it replaced by a hostile one."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: _swap(draw, value[key])}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(min_value=0, max_value=len(value) - 1))
        return [*value[:index], _swap(draw, value[index]), *value[index + 1:]]
    return draw(HOSTILE_VALUES)


@given(mutated_bytes())
def test_damaged_files_are_read_or_refused_in_one_line(case):
    read_everything(*case)


@given(mutated_json())
def test_hostile_json_values_are_read_or_refused_in_one_line(case):
    read_everything(*case)
