"""The REST service as its users meet it: the chat tool before a message is sent, QA tools,
operators editing lexicons, and anyone sending it garbage."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from api import models
from api.errors import ErrorOut
from api.settings import SettingsError
from api.app import Settings, create_app
from phrasecheck import Checker
from phrasecheck.lexicon import available_packs
from restapi import DEFLECT, JSON, POLITE, assert_error

QUIET = Settings(reload_lexicons=False)
BANK_ONLY = "今天账都扎完了，改天再来。"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app("bank-counter", QUIET)) as client:  # its check processes stop with the module
        yield client


# -- checking ---------------------------------------------------------------------------------------
def test_a_banned_phrase_blocks_with_its_span_and_the_standard_line(client):
    response = client.post("/v1/check", json={"text": DEFLECT, "id": "m-1"})
    assert response.status_code == 200
    result = response.json()
    assert result["schema"] == "phrasecheck/1" and result["id"] == "m-1"
    assert result["decision"] == "block" and result["score"] == 98
    [violation] = result["violations"]
    assert violation["rule"] == "counter-not-my-job-find-others"
    assert DEFLECT[violation["start"]:violation["end"]] == violation["matched"] == "不归我管，找别人去"
    assert violation["suggestions"] == ["请您到××柜台(部门)办理"]
    assert "请您到××柜台(部门)办理" in result["rewrite"]
    assert result["lexicon"]["pack"] == "bank-counter"
    assert response.headers["server-timing"].startswith("check;dur=")
    float(response.headers["server-timing"].split("=")[1])


def test_a_polite_message_passes(client):
    result = client.post("/v1/check", json={"text": POLITE}).json()
    assert (result["decision"], result["score"], result["violations"], result["rewrite"]) == ("pass", 100, [], None)


def test_offsets_are_python_string_offsets_after_an_emoji(client):
    text = "😀😀不归我管，找别人去"
    [violation] = client.post("/v1/check", json={"text": text}).json()["violations"]
    assert (violation["start"], violation["end"]) == (2, 11)


def test_customer_turns_are_not_scored(client):
    result = client.post("/v1/check", json={"text": DEFLECT, "role": "customer"}).json()
    assert result["scored"] is False and "score" not in result
    assert result["violations"] == [] and result["decision"] == "pass"


def test_disabled_rules_are_not_applied(client):
    body = {"text": DEFLECT, "disabled_rules": ["counter-not-my-job-find-others"]}
    result = client.post("/v1/check", json=body).json()
    assert "counter-not-my-job-find-others" not in [v["rule"] for v in result["violations"]]


def test_an_unknown_disabled_rule_is_named(client):
    """404, as an unknown pack or template: the request is well formed (any string is a rule id
    by the schema), it names a rule the pack does not have."""
    error = assert_error(client.post("/v1/check", json={"text": POLITE, "disabled_rules": ["no-such-rule"]}), 404, "unknown_rule")
    assert "no-such-rule" in error["message"] and error["detail"]["unknown_rules"] == ["no-such-rule"]


def test_context_is_no_longer_accepted(client):
    """`context` was accepted and ignored; it is gone from the schema, and a client still sending
    it hears so instead of believing the previous turns were read."""
    context = [{"role": "customer", "text": "我想办信用卡"}, {"role": "agent", "text": "好的"}]
    error = assert_error(client.post("/v1/check", json={"text": POLITE, "context": context}), 422, "invalid_request")
    assert error["detail"][0]["loc"] == "context" and error["detail"][0]["type"] == "extra_forbidden"
    schema = client.get("/openapi.json").json()["components"]["schemas"]["CheckRequest"]
    assert "context" not in schema["properties"] and schema["additionalProperties"] is False


# -- role words: the CLI's table (phrasecheck/data/vocabulary.yaml) -------------------------------------
@pytest.mark.parametrize("word, role", [("坐席", "agent"), ("客服", "agent"), ("1", "agent"), (1, "agent"), (" Agent ", "agent"),
                                        ("客户", "customer"), ("顾客", "customer"), ("0", "customer"), ("CUSTOMER", "customer")])
def test_check_takes_the_role_words_of_the_command_line(client, word, role):
    result = client.post("/v1/check", json={"text": DEFLECT, "role": word}).json()
    assert result["role"] == role and result["scored"] is (role == "agent")
    assert result["decision"] == ("block" if role == "agent" else "pass")


def test_batch_and_conversation_turns_take_role_words(client):
    items = [{"id": "a", "text": DEFLECT, "role": "坐席"}, {"id": "b", "text": DEFLECT, "role": "客户"}]
    results = client.post("/v1/check/batch", json={"items": items}).json()["results"]
    assert [(r["role"], r["decision"]) for r in results] == [("agent", "block"), ("customer", "pass")]
    turns = [{"role": "客户", "text": "我的转账怎么还没到？"}, {"role": "坐席", "text": DEFLECT}, {"role": "机器人", "text": "请稍候"}]
    result = client.post("/v1/conversations/score", json={"id": "c-9", "turns": turns}).json()
    assert [t["role"] for t in result["turns"]] == ["customer", "agent", "bot"]
    assert "counter-not-my-job-find-others" in [v["rule"] for v in result["turns"][1]["violations"]]


@pytest.mark.parametrize("path, body, where", [
    ("/v1/check", {"text": POLITE, "role": "老板"}, "role"),
    ("/v1/check/batch", {"items": [{"text": POLITE}, {"text": POLITE, "role": "老板"}]}, "items[1].role"),
    ("/v1/conversations/score", {"id": "c", "turns": [{"role": "agent", "text": POLITE}, {"role": "老板", "text": "x"}]}, "turns[1].role"),
])
def test_an_unknown_role_word_names_the_field_and_the_accepted_words(client, path, body, where):
    error = assert_error(client.post(path, json=body), 422, "invalid_request")
    [problem] = error["detail"]
    assert (problem["loc"], problem["type"]) == (where, "unknown_role")
    assert error["message"].startswith(f"{where}: unknown role '老板'")
    for word in ("agent", "坐席", "1", "customer", "客户", "0"):
        assert word in error["message"]
    assert problem["accepted"]["agent"][0] == "agent" and "客户" in problem["accepted"]["customer"]
    assert ("bot" in problem["accepted"]) is path.startswith("/v1/conversations")


def test_the_schema_lists_the_role_words(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    role = schemas["CheckRequest"]["properties"]["role"]
    words, numbers = role["anyOf"]
    assert {"agent", "客服", "坐席", "1", "customer", "客户", "顾客", "0"} <= set(words["enum"]) and "bot" not in words["enum"]
    assert numbers == {"type": "integer", "enum": [1, 0]}  # `"role": 1` is documented, not just accepted
    assert "case-insensitive" in role["description"] and "坐席" in role["examples"]
    assert {"bot", "机器人", "系统"} <= set(schemas["ScoreTurn"]["properties"]["role"]["anyOf"][0]["enum"])


def test_another_pack_can_be_chosen_per_request(client):
    # 「今天账都扎完了，改天再来。」 is a bank counter's banned line: only the bank pack has its rule.  Core's
    # category model may still read it as impatience on its own, so only the rules are compared.
    core = client.post("/v1/check", json={"text": BANK_ONLY, "pack": "core"}).json()
    bank = client.post("/v1/check", json={"text": BANK_ONLY}).json()
    assert core["lexicon"]["pack"] == "core"
    assert all(not v["rule"].startswith("counter-closed") for v in core["violations"])
    assert [v["rule"] for v in bank["violations"]] == ["counter-closed-accounts-cannot-do"]


def test_batch_keeps_the_order_and_each_items_own_settings(client):
    items = [
        {"id": "a", "text": POLITE},
        {"id": "b", "text": DEFLECT},
        {"id": "c", "text": DEFLECT, "role": "customer"},
        {"id": "d", "text": BANK_ONLY, "pack": "core"},
    ]
    response = client.post("/v1/check/batch", json={"items": items, "pack": "bank-counter"})
    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "phrasecheck/1"
    results = body["results"]
    assert [r["id"] for r in results] == ["a", "b", "c", "d"]
    assert [r["decision"] for r in results[:3]] == ["pass", "block", "pass"]
    assert results[2]["scored"] is False
    assert results[3]["lexicon"]["pack"] == "core"
    assert all(not v["rule"].startswith("counter-closed") for v in results[3]["violations"])


def test_packs_are_listed(client):
    packs = client.get("/v1/packs").json()
    assert packs["default"] == "bank-counter"
    by_name = {p["name"]: p for p in packs["packs"]}
    assert set(by_name) == set(available_packs())
    bank = by_name["bank-counter"]
    assert bank["title"] and bank["version"] and bank["extends"] == ["core"]
    assert bank["rules"] > by_name["core"]["rules"] > 0


def test_rules_are_listed_with_why_the_standard_line_and_examples(client):
    body = client.get("/v1/rules", params={"pack": "bank-counter"}).json()
    rules = {r["id"]: r for r in body["rules"]}
    rule = rules["counter-not-my-job-find-others"]
    assert rule["category"] == "推诿" and rule["severity"] == "error" and rule["pair"]
    assert rule["why"] and rule["suggest"] == ["请您到××柜台(部门)办理"]
    assert rule["examples"]["flag"] and rule["examples"]["clean"]
    assert "deflect-not-my-job" in rules  # core's rules come with the pack that extends core


@pytest.mark.parametrize("call", [
    lambda c: c.post("/v1/check", json={"text": POLITE, "pack": "no-such-pack"}),
    lambda c: c.post("/v1/check/batch", json={"items": [{"text": POLITE}], "pack": "no-such-pack"}),
    lambda c: c.get("/v1/rules", params={"pack": "no-such-pack"}),
    lambda c: c.post("/v1/check", json={"text": POLITE, "pack": "../../etc/passwd.yaml"}),
])
def test_an_unknown_pack_lists_the_known_ones(client, call):
    error = assert_error(call(client), 404, "unknown_pack")
    assert error["detail"]["known_packs"] == list(available_packs())
    assert "bank-counter" in error["message"]


def test_health_readiness_docs_and_page(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    client.post("/v1/check", json={"text": POLITE})
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and "服务用语检查" in page.text
    assert client.get("/static/app.js").status_code == 200
    schema = client.get("/openapi.json").json()
    check = schema["paths"]["/v1/check"]["post"]
    assert check["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/CheckRequest"


def test_the_docs_pages_load_everything_from_the_service(client):
    """Offline docs without a browser (tests/test_page.py renders them with every other host blocked)."""
    for path, assets in (("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}), ("/redoc", {"redoc.standalone.js", "favicon.png"})):
        page = client.get(path)
        assert page.status_code == 200 and "//" not in re.sub(r"<!--.*?-->", "", page.text, flags=re.S), path
        assert "default-src 'self'" in page.headers["content-security-policy"]
        linked = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
        assert {url.rsplit("/", 1)[1] for url in linked} == assets
        for url in linked:
            assert client.get(url).status_code == 200, url
    assert client.get("/docs-assets/swagger-ui-bundle.js").headers["content-type"].startswith(("application/javascript", "text/javascript"))


def test_answers_match_the_documented_response_models(client):
    """The OpenAPI document's response models (strict: no undocumented field) against real answers."""
    check = client.post("/v1/check", json={"text": DEFLECT, "id": "x"}).json()
    assert models.CheckResult.model_validate(check).violations[0].rule == "counter-not-my-job-find-others"
    models.CheckResult.model_validate(client.post("/v1/check", json={"text": DEFLECT, "role": "customer"}).json())
    models.BatchResult.model_validate(client.post("/v1/check/batch", json={"items": [{"text": DEFLECT}, {"text": POLITE}]}).json())
    turns = [{"role": "customer", "text": "在吗", "begin_ms": 0}, {"role": "agent", "text": DEFLECT, "begin_ms": 90_000}]
    scored = models.ConversationResultOut.model_validate(client.post("/v1/conversations/score", json={"id": "c", "turns": turns}).json())
    assert scored.deductions and scored.findings
    models.PacksOut.model_validate(client.get("/v1/packs").json())
    models.RulesOut.model_validate(client.get("/v1/rules").json())
    models.ReadyOut.model_validate(client.get("/readyz").json())
    models.StatusOut.model_validate(client.get("/healthz").json())
    ErrorOut.model_validate(client.post("/v1/check", json={}).json())


# -- conversations ----------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(Checker, "score_conversation"), reason="Checker.score_conversation (phrasecheck/qa.py) has not landed yet")
def test_a_conversation_is_scored(client):
    conversation = {
        "id": "c-1", "channel": "chat",
        "turns": [
            {"role": "customer", "text": "我的转账怎么还没到？"},
            {"role": "agent", "text": DEFLECT, "agent_id": "A7"},
            {"role": "customer", "text": "那我找谁？"},
        ],
    }
    response = client.post("/v1/conversations/score", json=conversation)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["schema"] == "phrasecheck/1" and result["kind"] == "conversation"
    assert result["id"] == "c-1" and result["agent_id"] == "A7"
    assert result["score"] < 100 and result["grade"]
    assert [t["role"] for t in result["turns"]] == ["customer", "agent", "customer"]
    assert "counter-not-my-job-find-others" in [v["rule"] for v in result["turns"][1]["violations"]]
    assert result["template"]["id"] == "call-centre"  # the default

    error = assert_error(client.post("/v1/conversations/score", json={**conversation, "template": "nope"}), 404, "unknown_template")
    assert "seed-003" in error["message"]
    assert_error(client.post("/v1/conversations/score", json={"id": "c-2", "turns": []}), 422, "invalid_request")
    huge_time = {"id": "c-3", "turns": [{"role": "agent", "text": POLITE, "begin_ms": 2**70}]}  # beyond orjson's integers
    assert client.post("/v1/conversations/score", json=huge_time).status_code == 200


# -- garbage in, one error shape out ----------------------------------------------------------------

@pytest.mark.parametrize("body, status, code, where", [
    (b"{", 400, "invalid_json", None),
    (b"", 400, "invalid_json", None),
    (b'{"text": "\xff\xfe"}', 400, "invalid_utf8", None),
    (b'{"text": "\\ud800"}', 400, "invalid_json", None),
    (b"[]", 422, "invalid_request", "body"),
    (b'"text"', 422, "invalid_request", "body"),
    (b"{}", 422, "invalid_request", "text"),
    (b'{"text": 5}', 422, "invalid_request", "text"),
    (b'{"text": null}', 422, "invalid_request", "text"),
    (b'{"text": "hi", "role": "boss"}', 422, "invalid_request", "role"),
    (b'{"text": "hi", "disabled_rules": "x"}', 422, "invalid_request", "disabled_rules"),
    (b'{"txt": "hi"}', 422, "invalid_request", "text"),
])
def test_garbage_gets_a_4xx_in_one_shape(client, body, status, code, where):
    error = assert_error(client.post("/v1/check", content=body, headers=JSON), status, code)
    if where is not None:
        assert error["detail"][0]["loc"] == where


def test_wrong_methods_and_paths_use_the_same_shape(client):
    assert_error(client.get("/v1/check"), 405, "method_not_allowed")
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")


def test_a_10_mb_body_is_refused_before_it_is_read(client):
    error = assert_error(client.post("/v1/check", content=b"x" * (10 << 20), headers=JSON), 413, "body_too_large")
    assert error["message"] == f"request body is {10 << 20} bytes; the limit is {1 << 20}"


def test_a_streamed_body_without_length_is_counted(serve):
    def chunks():
        for _ in range(20):
            yield b'{"text": "' + b"a" * 100

    response = serve(max_body_bytes=1000).post("/v1/check", content=chunks(), headers=JSON)
    error = assert_error(response, 413, "body_too_large")
    assert "the limit is 1000" in error["message"]


def test_text_and_batch_limits_name_the_item_and_the_limit(serve):
    client = serve(max_text_chars=20, max_batch=3)
    error = assert_error(client.post("/v1/check", json={"text": "好" * 21}), 422, "text_too_long")
    assert error["message"] == "text is 21 characters; the limit is 20"
    items = [{"text": "好"}, {"text": "好" * 30}]
    error = assert_error(client.post("/v1/check/batch", json={"items": items}), 422, "text_too_long")
    assert error["message"] == "items[1].text is 30 characters; the limit is 20" and error["detail"]["index"] == 1
    error = assert_error(client.post("/v1/check/batch", json={"items": [{"text": "好"}] * 4}), 413, "batch_too_large")
    assert error["message"] == "batch has 4 items; the limit is 3"
    assert client.post("/v1/check/batch", json={"items": [{"text": "好"}] * 3}).status_code == 200


# -- API keys -----------------------------------------------------------------------------------------
def test_api_keys_guard_the_api_but_not_health_page_or_docs(serve):
    client = serve(api_keys=frozenset({"k1", "k2"}))
    error = assert_error(client.post("/v1/check", json={"text": POLITE}), 401, "unauthorized")
    assert "X-API-Key" in error["message"]
    assert_error(client.post("/v1/check", json={"text": POLITE}, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    assert_error(client.get("/v1/packs", headers={"X-API-Key": "k3"}), 401, "unauthorized")
    assert_error(client.post("/v1/admin/reload"), 401, "unauthorized")
    assert client.post("/v1/check", json={"text": POLITE}, headers={"Authorization": "Bearer k1"}).status_code == 200
    assert client.post("/v1/check", json={"text": POLITE}, headers={"X-API-Key": "k2"}).status_code == 200
    for path in ("/healthz", "/", "/docs", "/openapi.json", "/static/style.css"):
        assert client.get(path).status_code == 200, path


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PHRASECHECK_PACK", "retail")
    monkeypatch.setenv("PHRASECHECK_API_KEYS", " a, b ,,")
    monkeypatch.setenv("PHRASECHECK_MAX_BATCH", "7")
    monkeypatch.setenv("PHRASECHECK_LOG_TEXT", "1")
    settings = Settings.from_env()
    assert (settings.pack, settings.api_keys, settings.max_batch, settings.log_text) == ("retail", {"a", "b"}, 7, True)
    assert settings.max_text_chars == 5000 and settings.max_body_bytes == 1 << 20
    monkeypatch.setenv("PHRASECHECK_MAX_BATCH", "lots")
    with pytest.raises(ValueError, match="PHRASECHECK_MAX_BATCH"):
        Settings.from_env()


def test_settings_are_validated_once_with_errors_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PHRASECHECK_LOG_TEXT", "maybe")
    monkeypatch.setenv("PHRASECHECK_MAX_TEXT_CHARS", "0")
    with pytest.raises(SettingsError) as raised:
        Settings.from_env()
    message = str(raised.value)
    assert "$PHRASECHECK_LOG_TEXT='maybe'" in message and "$PHRASECHECK_MAX_TEXT_CHARS='0'" in message
    assert "greater than or equal to 1" in message
    monkeypatch.setenv("PHRASECHECK_LOG_TEXT", "off")
    monkeypatch.setenv("PHRASECHECK_MAX_TEXT_CHARS", " 300 ")
    assert (Settings.from_env().log_text, Settings.from_env().max_text_chars) == (False, 300)
    with pytest.raises(ValueError, match="max_batch"):
        Settings(max_batch=0)
    with pytest.raises(ValueError, match="frozen"):
        QUIET.pack = "retail"


# -- what gets logged ---------------------------------------------------------------------------------
def test_an_unexpected_error_is_a_500_that_never_logs_the_text(serve, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    secret = "客户身份证号码是一二三四五"

    def explode(text, *args, **kwargs):
        raise RuntimeError(f"could not check {text!r}")

    client = serve("bank-counter")
    loaded = client.app.state.service.packs.get("bank-counter")
    monkeypatch.setattr(loaded.checker, "check", explode)  # before the check processes fork, so they inherit it
    error = assert_error(client.post("/v1/check", json={"text": secret}), 500, "internal_error")
    assert secret not in json.dumps(error, ensure_ascii=False)
    assert "RuntimeError" in caplog.text and secret not in caplog.text


def test_text_is_logged_only_when_asked(serve, caplog):
    caplog.set_level(logging.DEBUG)
    quiet = serve()
    quiet.post("/v1/check", json={"text": POLITE})
    assert POLITE not in caplog.text
    loud = serve(log_text=True)
    loud.post("/v1/check", json={"text": POLITE})
    assert POLITE in caplog.text
