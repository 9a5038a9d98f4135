"""Hostile packs: random and mutated pack documents load, or fail with the one-line pack error.

Never another exception, never a hang.  A valid pack using every part of the schema is mutated
(a field replaced by an empty, huge, negative, NaN or wrongly typed value, a key dropped or added,
an element of a list repeated), or its YAML text is cut or has bytes flipped.  The `packs-ci`
profile keeps the run short; `PHRASECHECK_FUZZ=long` (or `python benchmarks/fuzz.py`)
runs the `packs-long` profile for thousands of documents.
"""

from __future__ import annotations

import copy
import math
import os
import signal
from contextlib import contextmanager

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phrasecheck import Checker, PhrasecheckError

settings.register_profile("packs-ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("packs-long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile("packs-long" if os.environ.get("PHRASECHECK_FUZZ") == "long" else "packs-ci")
SECONDS = 20  # per document: far above what any bounded pack takes, far below a hang

SOURCE = {"seed": "000", "line": "392"}
BASE = {
    "pack": "fuzz",
    "title": "fuzz",
    "version": "1",
    "description": "every part of the schema",
    "normalize": {"fillers": ["嗯"], "variants": {"象": "像"}, "dialect": {"你": ["侬"]}, "initials": {"sb": "傻逼"}},
    "judge": {"quotes": ["“”"], "frames": ["[您说|你说]"], "frame_reach": 10, "particles": "吧呢"},
    "scoring": {"deductions": {"info": 0, "warning": 1, "error": 2, "critical": 100}, "block_at": "error", "warn_at": "warning"},
    "classes": {"elsewhere": ["别人", "别的部门"], "you": ["你", "您"]},
    "rules": [
        {"id": "not-mine", "category": "推诿", "severity": "error", "scenario": "柜台",
         "phrases": ["不归我管"], "patterns": ["找 …3 {elsewhere} $", "[你|{you}]? 自己 …2 [去看|看]"],
         "unless": [{"pattern": "[请|麻烦]", "scope": "clause"}, "帮您"], "whole_utterance": False, "boundary": "token",
         "phonetic": True, "fuzzy": {"threshold": 85, "min_length": 6}, "roles": ["agent"], "why": "推诿。",
         "suggest": ["请您到××柜台办理"], "source": SOURCE,
         "examples": {"flag": ["这不归我管"], "clean": ["您好，请问办理什么业务"]}},
        {"id": "house-words", "category": "禁语", "severity": "warning", "phrase_list": {"words": ["随缘", "别较真"], "regional": True}},
    ],
    "courtesy": [{"id": "greet", "kind": "greeting", "phrases": ["您好"], "source": SOURCE}],
    "conversation_rules": [
        {"id": "conv-open", "kind": "opening", "title": "开场问候", "severity": "warning", "why": "要问候。",
         "within": 1, "cues": ["您好"], "courtesy": ["greeting"], "threshold_ms": 30000, "min_share": 0.6,
         "source": SOURCE, "examples": {"flag": [["坐席: 办什么"]], "clean": [["[0:01] 坐席: 您好，请讲"]]}},
    ],
}

_PATTERNISH = st.text(alphabet="[]|{}?…^$. 0123456789ab你好找别人", max_size=30)
HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**150, max_value=10**150),
    st.floats(allow_nan=True, allow_infinity=True), st.just(""), st.just(" "), st.just("\x00"), st.just("\ue000"),
    st.text(max_size=20), _PATTERNISH, st.just("你" * 5000), st.just("[" + "|".join("ab") * 100 + "]"),
    st.lists(st.text(max_size=5), max_size=4), st.lists(_PATTERNISH, max_size=4),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.lists(st.text(max_size=3), max_size=3), max_size=3),
    st.lists(st.lists(st.text(max_size=3), max_size=2), max_size=2),
)


def _paths(node, prefix=()):
    """Every place in the document a value can be replaced: mapping keys and list positions."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


PATHS = [path for path in _paths(BASE) if path]


@st.composite
def mutated_documents(draw):
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        parent = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(["replace", "replace", "delete", "add", "repeat"]))
            if action == "replace":
                parent[path[-1]] = draw(HOSTILE)
            elif action == "delete":
                del parent[path[-1]]
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(HOSTILE)
            elif action == "repeat" and isinstance(parent, list):
                parent.extend([parent[path[-1]]] * draw(st.sampled_from([1, 50, 3000])))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this place
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@st.composite
def damaged_texts(draw):
    """The base pack's YAML cut short, with bytes flipped, or with a fragment spliced in."""
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False)
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["cut", "flip", "splice"]))
        if action == "cut":
            del data[position:]
            if not data:
                break
        elif action == "flip":
            data[position] = draw(st.integers(0, 255))
        else:
            fragment = draw(st.sampled_from(["&a [*a]", "*nowhere", "!!python/object:os.system", "[" * 2000, "9" * 5000,
                                             "{", ": :", "\t", "2024-13-45", "!!int ''", "<<: [1]", "? [a]\n: b"]))
            data[position:position] = fragment.encode()
    return bytes(data)


@contextmanager
def time_limit(seconds: int):
    """Fail (rather than hang the suite) when a load takes longer than `seconds`."""

    def expire(signum, frame):
        raise TimeoutError(f"loading took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load_or_one_line_error(path) -> None:
    """The property: a loaded checker checks texts; a refused pack says why in one line."""
    with time_limit(SECONDS):
        try:
            checker = Checker.load(str(path))
        except PhrasecheckError as error:
            message = str(error)
            assert "\n" not in message and message.strip(), f"not one line: {message!r}"
            assert len(message) < 1000, f"a {len(message)}-character message"
            return
        for text in ("这不归我管，你找别人去", "sb 随缘吧", "“不归我管”您说"):
            checker.check(text).to_dict()


def test_the_base_document_is_a_valid_pack(tmp_path):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False), encoding="utf-8")
    checker = Checker.load(str(path))
    assert [v.rule for v in checker.check("这不归我管").violations] == ["not-mine"]


@PROFILE
@given(text=mutated_documents())
def test_mutated_packs_load_or_fail_in_one_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("pack") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    load_or_one_line_error(path)


@PROFILE
@given(data=damaged_texts())
def test_damaged_yaml_loads_or_fails_in_one_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("pack") / "fuzz.yaml"
    path.write_bytes(data)
    load_or_one_line_error(path)


@pytest.mark.parametrize("value", [math.nan, math.inf, -1, 10**30, "", [], {}, None, True])
def test_every_numeric_field_refuses_hostile_numbers_in_one_line(tmp_path, value):
    numeric = [path for path in PATHS if isinstance(_get(BASE, path), (int, float)) and not isinstance(_get(BASE, path), bool)]
    assert len(numeric) >= 8  # deductions, frame_reach, threshold, min_length, within, threshold_ms, min_share
    for path in numeric:
        document = copy.deepcopy(BASE)
        _get(document, path[:-1])[path[-1]] = value
        target = tmp_path / "fuzz.yaml"
        target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
        load_or_one_line_error(target)


def _get(node, path):
    for step in path:
        node = node[step]
    return node
