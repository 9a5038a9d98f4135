"""Every output is strict JSON and valid UTF-8, whatever the input carried: NaN and 1e999 in a JSON
line's extra fields come out as null, lone surrogates as U+FFFD."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from phrasecheck.cli import app
from phrasecheck.output import json_line, json_text

runner = CliRunner()
ODD_UTTERANCES = (
    '{"id": "u1", "text": "不归我管", "ratio": NaN, "peak": Infinity, "floor": -Infinity, "huge": 1e999}\n'
    '{"id": "\\ud800", "text": "这事不归我管", "note": "\\udfff", "\\udc01": [NaN]}\n'
)


def strict(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null_and_surrogates_the_replacement_character():
    data = {"a": float("nan"), "b": [float("inf"), 1.5, {"c": float("-inf")}], "d": "x\ud800y", "\udc00": 1}
    assert strict(json_text(data)) == {"a": None, "b": [None, 1.5, {"c": None}], "d": "x\ufffdy", "\ufffd": 1}
    assert strict(json_line(data).decode("utf-8")) == strict(json_text(data))
    assert json_text({"ok": 1.5, "text": "😀"}) == '{"ok": 1.5, "text": "😀"}'  # nothing else changes


@pytest.fixture
def odd(tmp_path):
    source = tmp_path / "odd.jsonl"
    source.write_text(ODD_UTTERANCES, encoding="utf-8")
    return source


@pytest.mark.parametrize("output_format", ["jsonl", "json", "sarif"])
def test_scan_json_outputs_parse_strictly(odd, tmp_path, output_format):
    written = tmp_path / f"out.{output_format}"
    to_stdout = runner.invoke(app, ["scan", str(odd), "-f", output_format])
    to_file = runner.invoke(app, ["scan", str(odd), "-f", output_format, "-o", str(written)])
    assert to_stdout.exit_code == to_file.exit_code == 1, to_stdout.output  # u1 is a violation
    for raw in (to_stdout.stdout_bytes, written.read_bytes()):
        text = raw.decode("utf-8")  # strict: a lone surrogate would fail here
        documents = [strict(line) for line in text.splitlines()] if output_format == "jsonl" else [strict(text)]
        assert documents
    if output_format == "jsonl":
        first, second = documents
        assert first["meta"] == {"ratio": None, "peak": None, "floor": None, "huge": None}
        assert second["id"] == "\ufffd" and second["meta"] == {"note": "\ufffd", "\ufffd": [None]}
    assert not (tmp_path / f"out.{output_format}.partial").exists()


@pytest.mark.parametrize("output_format", ["csv", "table"])
def test_scan_text_outputs_are_valid_utf8(odd, tmp_path, output_format):
    written = tmp_path / "out.txt"
    to_stdout = runner.invoke(app, ["scan", str(odd), "-f", output_format])
    to_file = runner.invoke(app, ["scan", str(odd), "-f", output_format, "-o", str(written)])
    assert to_stdout.exit_code == to_file.exit_code == 1, to_stdout.output
    for raw in (to_stdout.stdout_bytes, written.read_bytes()):
        assert "\ufffd" in raw.decode("utf-8")
    if output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8-sig"))))
        assert [row["id"] for row in rows][-1] == "\ufffd"


def test_check_json_of_an_undecodable_argument_is_valid_utf8():
    result = runner.invoke(app, ["check", "--json", "不归我管\udcff"])  # how Python passes an invalid UTF-8 byte in argv
    assert result.exit_code == 1
    assert strict(result.stdout_bytes.decode("utf-8"))["violations"][0]["matched"] == "不归我管"


def test_scan_to_a_file_it_cannot_write_is_one_line(odd, tmp_path):
    for target in (tmp_path / "missing" / "out.jsonl", tmp_path):
        result = runner.invoke(app, ["scan", str(odd), "-f", "jsonl", "-o", str(target)])
        assert result.exit_code == 2 and result.output.count("\n") == 1 and str(target) in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_score_writes_valid_utf8_for_surrogate_ids(tmp_path, jobs):
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        '{"conv_id": "\\ud800", "seq": 1, "role": "agent", "agent_id": "\\udc00", "agent_name": "\\udfff", "text": "您好，请问有什么可以帮您？"}\n'
        '{"conv_id": "\\ud800", "seq": 2, "role": "customer", "text": "查账单"}\n', encoding="utf-8")
    out = tmp_path / "qa"
    result = runner.invoke(app, ["score", str(calls), "--out", str(out), "--jobs", jobs, "-q"])
    assert result.exit_code == 0, result.output
    (line,) = (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    scored = strict(line)
    assert scored["id"] == scored["agent_id"] == scored["agent_name"] == "\ufffd"
    with open(out / "agents.csv", encoding="utf-8-sig", newline="") as handle:
        assert [row["agent_id"] for row in csv.DictReader(handle)] == ["\ufffd"]
    assert "\ufffd" in (out / "report.html").read_text(encoding="utf-8")
