"""The conventions Ruff, Vale and LanguageTool users expect: --version, `python -m`, --select /
--ignore, a configuration file, NO_COLOR, -q, whole lines in a pipe, and plain --help."""

import csv
import json
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import phrasecheck
from phrasecheck.cli import app
from test_score_cli import BAD_CALL, GOOD_CALL, write_jsonl

runner = CliRunner()
LEXICONS = Path(__file__).resolve().parent.parent / "lexicons"
TWO_HITS = "你办啥 在这签个名"  # counter-what-do-you-want (生硬) and counter-sign-here (生硬命令)
ANSI = re.compile(r"\x1b\[")


def run(*args, input=None, env=None):
    return runner.invoke(app, list(args), input=input, env=env)


def rules_found(*args):
    result = run("check", "-p", "bank-counter", "--json", *args)
    assert result.exit_code in (0, 1), result.output
    return sorted(v["rule"] for v in json.loads(result.stdout)["violations"])


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A project folder with a subfolder to work in, away from any configuration file."""
    (tmp_path / "project" / "sub" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project" / "sub" / "deeper")
    monkeypatch.delenv("PHRASECHECK_PACK", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path / "project"


def pack_used(*args):
    result = run(*args, "check", "--json", "等着！")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["lexicon"]["pack"], result.exit_code


# --- version and python -m ------------------------------------------------------------------------

def test_version_prints_the_package_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"phrasecheck {phrasecheck.__version__}\n"
    assert phrasecheck.__version__ == version("phrasecheck")


def test_python_dash_m_phrasecheck_works_like_the_script(tmp_path):
    command = [sys.executable, "-m", "phrasecheck", "check", "-p", "bank-counter", "在这签个名"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 1, done.stderr
    assert "counter-sign-here" in done.stdout and "请您在这里签名" in done.stdout
    shown = subprocess.run([sys.executable, "-m", "phrasecheck", "--version"], capture_output=True, text=True)
    assert shown.stdout.strip() == f"phrasecheck {phrasecheck.__version__}"


# --- --select / --ignore ---------------------------------------------------------------------------

def test_select_and_ignore_by_rule_id():
    assert rules_found(TWO_HITS) == ["counter-sign-here", "counter-what-do-you-want"]
    assert rules_found("--ignore", "counter-sign-here", TWO_HITS) == ["counter-what-do-you-want"]
    assert rules_found("--select", "counter-sign-here", TWO_HITS) == ["counter-sign-here"]


def test_select_and_ignore_by_category():
    assert rules_found("--ignore", "生硬命令", TWO_HITS) == ["counter-what-do-you-want"]
    assert rules_found("--select", "生硬", TWO_HITS) == ["counter-what-do-you-want"]
    assert rules_found("--select", "生硬", "--ignore", "counter-what-do-you-want", TWO_HITS) == []


def test_a_glob_on_the_id_and_the_general_rule_behind_a_specific_one():
    # Both hits are counter-* rules; with them off, the category model may still judge the curt pair.
    assert not set(rules_found("--ignore", "counter-*", TWO_HITS)) & {"counter-sign-here", "counter-what-do-you-want"}
    # the bank's own line is reported; switched off, core's general 推诿 rule is what remains
    assert rules_found("不归我管，找别人去") == ["counter-not-my-job-find-others"]
    assert rules_found("--ignore", "counter-*", "不归我管，找别人去") == ["deflect-not-my-job"]
    assert rules_found("--select", "deflect-*,impatience", "不归我管，找别人去") == ["deflect-not-my-job"]


def test_selectors_repeat_and_split_on_commas():
    both = ["counter-sign-here", "counter-what-do-you-want"]
    assert rules_found("--select", "counter-sign-here,counter-what-do-you-want", TWO_HITS) == both
    assert rules_found("--select", "counter-sign-here", "--select", "counter-what-do-you-want", TWO_HITS) == both
    left = rules_found("--ignore", "counter-sign-here, 生硬", TWO_HITS)
    assert not set(left) & {"counter-sign-here", "counter-what-do-you-want"}
    # whatever the category model still reports goes too once its category is ignored as well
    categories = ", ".join(phrasecheck.Checker.load("bank-counter").rule(rule).rule.category for rule in left)
    assert rules_found("--ignore", f"counter-sign-here, 生硬, {categories}", TWO_HITS) == []


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_a_selector_that_matches_no_rule_is_a_usage_error(option):
    result = run("check", "-p", "bank-counter", option, "counter-sign-here,counter-sing-here", TWO_HITS)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"phrasecheck: error: {option} 'counter-sing-here' matches no rule of pack 'bank-counter'; "
        "did you mean 'counter-sign-here'?"]
    assert run("scan", "-", option, "推诿诿", input="你好\n").exit_code == 2


def test_scan_reports_only_the_selected_rules(tmp_path):
    source = tmp_path / "replies.csv"
    source.write_text(f"id,text\nr1,{TWO_HITS}\nr2,不归我管，找别人去\n", encoding="utf-8")
    result = run("scan", str(source), "-p", "bank-counter", "-f", "jsonl", "--ignore", "生硬命令", "--ignore", "推诿")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [[v["rule"] for v in o["violations"]] for o in out] == [["counter-what-do-you-want"], []]
    sarif = json.loads(run("scan", str(source), "-p", "bank-counter", "-f", "sarif", "--select", "counter-sign-here").stdout)
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == ["counter-sign-here"]
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["counter-sign-here"]


def score_of(tmp_path, *args):
    calls = tmp_path / "calls.jsonl"
    write_jsonl(calls, BAD_CALL)
    out = tmp_path / "out"
    # --force: the tests that call this twice replace the first run with the second
    result = run("score", str(calls), "-p", "bank-counter", "--out", str(out), "--jobs", "1", "--channel", "call",
                 "--template", "seed-003", "--force", *args)
    assert result.exit_code == 0, result.output
    (line,) = (out / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    with open(out / "rules.csv", encoding="utf-8-sig", newline="") as handle:
        rules = {row["rule"] for row in csv.DictReader(handle)}
    return json.loads(line), rules


def test_score_ignored_rules_neither_fire_nor_count(tmp_path):
    full, rules = score_of(tmp_path)
    assert full["score"] == 88 and {"conv-greeting", "counter-not-my-job-find-others"} <= rules
    # the greeting rule (a conversation rule) and the 推诿 category (utterance rules) switched off
    result, rules = score_of(tmp_path, "--ignore", "conv-greeting,推诿")
    assert result["score"] == 88 + 3 + 2
    assert {d["rule"] for d in result["deductions"]} == {"conv-self-intro", "conv-farewell", "conv-civility-coverage"}
    assert "conv-greeting" not in {f["rule"] for f in result["findings"]}
    assert all(not t["violations"] for t in result["turns"])
    assert "conv-greeting" not in rules and "counter-not-my-job-find-others" not in rules


def test_score_select_keeps_only_what_matches(tmp_path):
    result, _ = score_of(tmp_path, "--select", "closing")  # a conversation rule's category is its kind
    assert result["score"] == 97
    assert [d["rule"] for d in result["deductions"]] == ["conv-farewell"]


# --- the configuration file ------------------------------------------------------------------------

def test_a_phrasecheck_toml_in_a_parent_folder_is_found(workdir):
    assert pack_used() == ("core", 1)
    (workdir / "phrasecheck.toml").write_text('pack = "bank-counter"\nfail-on = "error"\n', encoding="utf-8")
    assert pack_used() == ("bank-counter", 0)  # 等着！ is a warning: under fail-on = error it passes


def test_pyproject_tool_phrasecheck_is_found_and_one_without_the_table_passed_over(workdir):
    (workdir / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.phrasecheck]\npack = "bank-counter"\n', encoding="utf-8")
    (workdir / "sub" / "pyproject.toml").write_text('[project]\nname = "nearer, but not ours"\n', encoding="utf-8")
    assert pack_used() == ("bank-counter", 1)


def test_the_nearest_file_wins_and_phrasecheck_toml_before_pyproject(workdir):
    (workdir / "phrasecheck.toml").write_text('pack = "bank-counter"\n', encoding="utf-8")
    (workdir / "sub" / "phrasecheck.toml").write_text('pack = "retail"\n', encoding="utf-8")
    (workdir / "sub" / "pyproject.toml").write_text('[tool.phrasecheck]\npack = "gas-utility"\n', encoding="utf-8")
    assert pack_used()[0] == "retail"


def test_config_and_isolated(workdir, tmp_path):
    (workdir / "phrasecheck.toml").write_text('pack = "bank-counter"\n', encoding="utf-8")
    elsewhere = tmp_path / "team.toml"
    elsewhere.write_text('pack = "retail"\n', encoding="utf-8")
    assert pack_used("--config", str(elsewhere))[0] == "retail"
    assert pack_used("--isolated")[0] == "core"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.phrasecheck]\npack = "gas-utility"\n', encoding="utf-8")
    assert pack_used("--config", str(pyproject))[0] == "gas-utility"
    # global options also after the command, as in Ruff
    result = run("check", "--config", str(elsewhere), "--json", "等着！")
    assert json.loads(result.stdout)["lexicon"]["pack"] == "retail"
    assert run("check", "--isolated", "--json", "等着！").exit_code == 1
    both = run("--config", str(elsewhere), "--isolated", "check", "x")
    assert both.exit_code == 2 and "--config and --isolated" in both.stderr


def test_command_line_wins_over_the_file_and_the_file_over_the_environment(workdir, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_PACK", "retail")
    assert pack_used()[0] == "retail"  # no file: $PHRASECHECK_PACK, read when the command runs
    (workdir / "phrasecheck.toml").write_text('pack = "bank-counter"\nfail-on = "error"\n', encoding="utf-8")
    assert pack_used() == ("bank-counter", 0)
    result = run("check", "--json", "-p", "gas-utility", "--fail-on", "warning", "等着！")
    assert json.loads(result.stdout)["lexicon"]["pack"] == "gas-utility" and result.exit_code == 1


def test_select_ignore_and_command_tables_in_the_file(workdir):
    (workdir / "phrasecheck.toml").write_text(
        'pack = "core"\nignore = ["生硬命令"]\n\n[check]\npack = "bank-counter"\n\n[scan]\nformat = "jsonl"\n', encoding="utf-8")
    assert rules_found(TWO_HITS) == ["counter-what-do-you-want"]  # the file's ignore applies
    result = run("check", "--json", TWO_HITS)  # [check] wins over the top level
    assert json.loads(result.stdout)["lexicon"]["pack"] == "bank-counter"
    assert [v["rule"] for v in json.loads(result.stdout)["violations"]] == ["counter-what-do-you-want"]
    scanned = run("scan", "-", input="等着！\n你办啥\n")  # [scan] format = "jsonl"; core, 生硬命令 ignored
    assert [json.loads(line)["decision"] for line in scanned.stdout.splitlines()] == ["pass", "block"]
    assert rules_found("--ignore", "counter-what-do-you-want", TWO_HITS) == ["counter-sign-here"]  # replaces the file's


def test_a_selector_from_the_file_that_matches_nothing_names_the_file(workdir):
    (workdir / "phrasecheck.toml").write_text('select = ["推诿", "no-such-rule"]\n', encoding="utf-8")
    result = run("check", "你好")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"phrasecheck: error: {workdir / 'phrasecheck.toml'}: select 'no-such-rule' matches no rule")


def test_relative_paths_in_the_file_are_taken_from_its_folder(workdir):
    (workdir / "packs").mkdir()
    shutil.copy(LEXICONS / "bank-counter.yaml", workdir / "packs" / "ours.yaml")
    (workdir / "phrasecheck.toml").write_text('pack = "packs/ours.yaml"\n\n[score]\nout = "qa"\njobs = 1\n', encoding="utf-8")
    assert pack_used()[0] == "bank-counter"
    write_jsonl(Path("call.jsonl"), GOOD_CALL)
    assert run("score", "call.jsonl").exit_code == 0
    assert (workdir / "qa" / "conversations.jsonl").is_file()


@pytest.mark.parametrize("content, message", [
    ('colour = "red"\n', "unknown key 'colour'"),
    ('pack = 3\n', "pack: expected a string, got 3"),
    ('fail-on = "loud"\n', "fail-on: expected one of info, warning, error, critical, never, got 'loud'"),
    ('select = "推诿"\n', "select: expected a list of strings, got '推诿'"),
    ('pack = "core\n', "invalid TOML"),
    ('[check]\njobs = 2\n', "unknown key 'check.jobs'"),
    ('[score]\njobs = "two"\n', "score.jobs: expected an integer, got 'two'"),
    ('check = 1\n', "check: expected a table"),
])
def test_a_bad_config_file_is_one_line_naming_the_file_and_key(workdir, content, message):
    (workdir / "phrasecheck.toml").write_text(content, encoding="utf-8")
    result = run("check", "你好")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"phrasecheck: error: {workdir / 'phrasecheck.toml'}: ") and message in line
    assert "Traceback" not in result.output
    assert run("check", "--help").exit_code == 0  # help still works beside a broken file


def test_a_bad_pyproject_table_names_the_table(workdir, tmp_path):
    (workdir / "pyproject.toml").write_text('[tool.phrasecheck]\njobs = 2\n', encoding="utf-8")
    assert "pyproject.toml: unknown key 'tool.phrasecheck.jobs'" in run("check", "x").stderr
    empty = tmp_path / "pyproject.toml"
    empty.write_text('[project]\nname = "x"\n', encoding="utf-8")
    result = run("--config", str(empty), "check", "x")
    assert result.exit_code == 2 and "no [tool.phrasecheck] table" in result.stderr
    missing = run("--config", str(tmp_path / "nope.toml"), "check", "x")
    assert missing.exit_code == 2 and "nope.toml: cannot read the file" in missing.stderr


# --- colour, quiet, pipes --------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("check", "-p", "bank-counter", TWO_HITS), ("lexicon", "show", "counter-sign-here"),
                                  ("scan", "-", "-p", "bank-counter")])
def test_no_color_and_NO_COLOR_mean_no_escapes_even_on_a_forced_terminal(args):
    forced = {"FORCE_COLOR": "1", "NO_COLOR": None}
    assert ANSI.search(run(*args, input=TWO_HITS, env=forced).stdout)  # the terminal really is forced
    assert not ANSI.search(run(*args, input=TWO_HITS, env={**forced, "NO_COLOR": "1"}).stdout)
    assert not ANSI.search(run("--no-color", *args, input=TWO_HITS, env=forced).stdout)
    assert not ANSI.search(run(*args, "--no-color", input=TWO_HITS, env=forced).stdout)


def test_piped_output_keeps_a_300_character_message_on_one_line():
    text = "您好，您的业务已经办理完毕，" * 20 + "在这签个名"
    assert len(text) == 285
    text = "请" * (300 - len(text)) + text
    result = run("check", "-p", "bank-counter", text)
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first == f"BLOCK  score 98  {text}"


def test_piped_tables_come_out_whole():
    result = run("lexicon", "list", "--pack", "bank-counter")
    lines = result.stdout.splitlines()
    for scenario in ("接待客户时（叫下一位客户）",):
        assert any("counter-next-one" in line and scenario in line for line in lines)
    assert len(lines) == 4 + 50  # header box, one line a rule


def test_quiet_prints_results_and_errors_only(tmp_path):
    source = tmp_path / "replies.csv"
    source.write_text("id,text\n1,你办啥\n2,您好\n", encoding="utf-8")
    loud = run("scan", str(source), "-p", "bank-counter")
    assert "2 utterances (2 scored)" in loud.stdout and "top rules" in loud.stdout
    quiet = run("-q", "scan", str(source), "-p", "bank-counter")
    assert "counter-what-do-you-want" in quiet.stdout and "utterances" not in quiet.stdout and "top rules" not in quiet.stdout
    assert run("scan", str(source), "-q", "-p", "bank-counter").stdout == quiet.stdout
    write_jsonl(tmp_path / "good.jsonl", GOOD_CALL)
    scored = run("-q", "score", str(tmp_path / "good.jsonl"), str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--jobs", "1")
    assert scored.exit_code == 2
    assert scored.stderr.strip().splitlines() == [f"phrasecheck: error: {tmp_path / 'missing'}: no such file or directory"]
    assert (tmp_path / "o" / "report.html").is_file()
    tested = run("-q", "lexicon", "test", "bank-counter")
    assert tested.exit_code == 0 and tested.stdout == ""


# --- help ------------------------------------------------------------------------------------------

def _commands(command, path=()):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


@pytest.mark.parametrize("path", list(_commands(typer.main.get_command(app))), ids=lambda p: " ".join(p) or "phrasecheck")
def test_help_has_no_type_noise(path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    for noise in ("<bool>", "<str>", "<int>", "<path>", "list[", "{", "}"):
        assert noise not in result.stdout, (noise, result.stdout)
    assert result.stdout.startswith(f"Usage: phrasecheck {' '.join(path)}".rstrip())
    assert "╭" not in result.stdout  # plain help: no boxes


def test_help_names_arguments_readably():
    assert run("check", "--help").stdout.startswith("Usage: phrasecheck check [OPTIONS] TEXT\n")
    assert "Usage: phrasecheck scan [OPTIONS] FILE...\n" in run("scan", "--help").stdout
    assert "Usage: phrasecheck score [OPTIONS] PATH...\n" in run("score", "--help").stdout
    shown = run("check", "--help").stdout
    assert "--fail-on [info|warning|error|critical|never]" in shown and "--select RULES" in shown
    assert "Global options" in shown and "--no-color" in shown
