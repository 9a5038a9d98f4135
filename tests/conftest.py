import os
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Compiled lexicons, verification markers and the word trie go to a cache of this run's own, never
# a developer's: each test run starts as a fresh machine does (subprocesses inherit it).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="phrasecheck-test-cache-")

from phrasecheck import Checker  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"

# Fuzz tests run a bounded number of examples in CI; `PHRASECHECK_FUZZ=long` (benchmarks/fuzz.py)
# runs many more.  No deadline: shared machines make per-example timing meaningless.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=80, deadline=None, database=None, derandomize=True, suppress_health_check=_QUIET)
settings.register_profile("long", max_examples=3_000, deadline=None, database=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("PHRASECHECK_FUZZ", "ci"))


@pytest.fixture(scope="session")
def bank() -> Checker:
    return Checker.load("bank-counter")


@pytest.fixture
def write_pack(tmp_path):
    """Write a pack YAML (dedented) into a temp dir and return its path."""

    def write(body: str, name: str = "mini") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    return write


RULE_TEMPLATE = """
  - id: {id}
    category: 测试
    severity: {severity}
    scenario: 测试
{body}
    why: 测试用规则。
    suggest: ["{suggest}"]
    source: {{seed: "000", line: "1"}}
    examples:
      flag: [{flag}]
      clean: [{clean}]
"""


@pytest.fixture
def mini_checker(write_pack):
    """A one-rule checker: `body` is the rule's matching fields, indented by four spaces."""

    def build(body: str, flag: str, clean: str = "您好", severity: str = "error", extra: str = "", suggest: str = "请您稍候") -> Checker:
        rule = RULE_TEMPLATE.format(id="test-rule", severity=severity, body=textwrap.indent(textwrap.dedent(body).strip(), "    "),
                                    flag=flag, clean=clean, suggest=suggest)
        path = write_pack(f"pack: mini\ntitle: t\nversion: '1'\n{extra}\nrules:{rule}")
        return Checker.load(str(path), verify_examples=False)

    return build


@pytest.fixture
def serve():
    """`serve(pack, **settings)`: a test client of a fresh REST app (lexicon watcher off unless
    asked), whose check processes stop with the test."""
    from fastapi.testclient import TestClient

    from api.app import Settings, create_app

    apps = []

    def make(pack: str = "core", **overrides) -> TestClient:
        apps.append(create_app(pack, Settings(**{"reload_lexicons": False, **overrides})))
        return TestClient(apps[-1])

    yield make
    for app in apps:
        app.state.service.pool.close()
