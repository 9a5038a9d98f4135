"""Operators editing lexicons under a running service: a broken edit never replaces working
rules, reload refuses what start-up refuses, and `/readyz` says how the files are now."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import models, reload
from api.app import Settings, create_app
from restapi import DEFLECT, POLITE, assert_error

PACK = """\
pack: shop-test
title: 测试用小店
version: "{version}"
extends: [core]
rules:
  - id: shop-take-it-or-leave-it
    category: 顶撞
    severity: error
    scenario: 顾客挑选商品时
    phrases: ["{phrase}"]
    why: 顶撞顾客。
    suggest: ["您慢慢挑，有需要随时叫我。"]
    source: {{seed: "001", line: "1"}}
    examples: {{flag: ["{flag}"], clean: ["您慢慢看"]}}
"""
OLD_LINE = "这件衣服爱买不买"
NEW_LINE = "这款卖完了，去别家吧"
BROKEN_YAML = "pack: shop-test\nrules: [oops\n"


def pack(version: str, phrase: str, flag: str | None = None) -> str:
    return PACK.format(version=version, phrase=phrase, flag=flag or phrase)


FAILS_ITS_EXAMPLE = pack("9", "去别家吧", flag="这句不会被标出")  # compiles, but its own flag example is not flagged


def rules_fired(client, text: str) -> list[str]:
    response = client.post("/v1/check", json={"text": text, "pack": "shop-test"})
    assert response.status_code == 200, response.text
    return [v["rule"] for v in response.json()["violations"]]


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the service did not pick up the change"
        time.sleep(0.05)


@pytest.fixture
def lexicons(tmp_path, monkeypatch):
    monkeypatch.setenv("PHRASECHECK_LEXICONS", str(tmp_path))
    path = tmp_path / "shop-test.yaml"
    path.write_text(pack("1", "爱买不买"), encoding="utf-8")
    return path


def test_a_broken_lexicon_never_replaces_a_working_one(lexicons: Path, serve, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    client = serve()
    client.post("/v1/check", json={"text": POLITE})  # the default pack: what /readyz waits for
    assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]

    lexicons.write_text(BROKEN_YAML, encoding="utf-8")
    error = assert_error(client.post("/v1/admin/reload", params={"pack": "shop-test"}), 422, "lexicon_error")
    assert str(lexicons) in error["message"] and "invalid YAML" in error["message"]
    assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]  # the old rules still serve
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and "invalid YAML" in ready["packs"]["shop-test"]["reload_error"]

    lexicons.write_text(FAILS_ITS_EXAMPLE, encoding="utf-8")
    error = assert_error(client.post("/v1/admin/reload", params={"pack": "shop-test"}), 422, "lexicon_error")
    assert "shop-take-it-or-leave-it" in error["message"] and "misses its own flag example" in error["message"]
    assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]

    lexicons.write_text(pack("2", "去别家吧"), encoding="utf-8")
    response = client.post("/v1/admin/reload", params={"pack": "shop-test"})
    assert response.status_code == 200 and response.json()["packs"][0]["serving"].startswith("2+")
    models.ReloadOut.model_validate(response.json())
    assert rules_fired(client, NEW_LINE) == ["shop-take-it-or-leave-it"]
    assert "shop-take-it-or-leave-it" not in rules_fired(client, OLD_LINE)  # core may still object to it
    assert client.get("/readyz").json()["packs"]["shop-test"]["reload_error"] is None

    logged = caplog.text + "".join(capsys.readouterr())
    assert "reload failed" in logged and "shop-test" in logged
    for text in (OLD_LINE, NEW_LINE, DEFLECT):
        assert text not in logged


def test_reload_refuses_what_start_up_refuses(lexicons: Path, serve):
    lexicons.write_text(FAILS_ITS_EXAMPLE, encoding="utf-8")
    with TestClient(create_app("shop-test", Settings(reload_lexicons=False))) as starting:
        wait_for(lambda: starting.get("/readyz").json()["errors"])
        ready = starting.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "starting"
        refused_at_start_up = ready.json()["errors"]["shop-test"]
        assert_error(starting.post("/v1/check", json={"text": POLITE}), 503, "pack_unavailable")

    lexicons.write_text(pack("1", "爱买不买"), encoding="utf-8")
    client = serve()
    assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]
    lexicons.write_text(FAILS_ITS_EXAMPLE, encoding="utf-8")
    error = assert_error(client.post("/v1/admin/reload"), 422, "lexicon_error")
    assert error["message"] == refused_at_start_up  # the same check, the same words
    assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]


def test_readyz_drops_a_reload_error_once_the_file_is_back_to_what_serves(lexicons: Path, serve):
    client = serve()
    assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]
    serving = lexicons.read_text(encoding="utf-8")
    lexicons.write_text(BROKEN_YAML, encoding="utf-8")
    assert_error(client.post("/v1/admin/reload"), 422, "lexicon_error")
    assert "invalid YAML" in client.get("/readyz").json()["errors"]["shop-test"]

    lexicons.write_text(serving, encoding="utf-8")  # undone by hand; no reload asked for, no watcher
    ready = client.get("/readyz").json()
    assert ready["errors"] == {} and ready["packs"]["shop-test"]["reload_error"] is None


def test_edited_pack_files_are_reloaded_by_themselves(lexicons: Path):
    with TestClient(create_app("core", Settings(reload_interval=0.05))) as client:
        assert "shop-take-it-or-leave-it" not in rules_fired(client, NEW_LINE)  # core may object to it
        serving = lexicons.read_text(encoding="utf-8")
        lexicons.write_text("pack: [broken\n", encoding="utf-8")
        wait_for(lambda: client.get("/readyz").json()["packs"]["shop-test"]["reload_error"])
        assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]
        lexicons.write_text(serving, encoding="utf-8")
        wait_for(lambda: client.get("/readyz").json()["errors"] == {})
        lexicons.write_text(pack("3", "去别家吧"), encoding="utf-8")
        wait_for(lambda: rules_fired(client, NEW_LINE) == ["shop-take-it-or-leave-it"])


def test_a_default_pack_that_did_not_compile_is_served_once_its_file_is_fixed(lexicons: Path):
    lexicons.write_text(BROKEN_YAML, encoding="utf-8")
    with TestClient(create_app("shop-test", Settings(reload_interval=0.05))) as client:
        wait_for(lambda: client.get("/readyz").json()["errors"])
        assert client.get("/readyz").status_code == 503
        lexicons.write_text(pack("4", "爱买不买"), encoding="utf-8")
        wait_for(lambda: client.get("/readyz").status_code == 200)
        assert client.get("/readyz").json()["errors"] == {}
        assert rules_fired(client, OLD_LINE) == ["shop-take-it-or-leave-it"]


def test_a_pack_file_fixed_while_its_broken_version_compiles_is_picked_up(lexicons: Path, monkeypatch):
    """The fix lands after the compile read the broken file but before the failure was recorded:
    the files' stamps are those the compile read, so the next look sees the fix."""
    packs = reload.Packs("shop-test")
    lexicons.write_text(BROKEN_YAML, encoding="utf-8")
    compile_now = reload.Loaded.compile

    def fixed_meanwhile(name):
        try:
            return compile_now(name)
        finally:
            time.sleep(0.01)  # a new modification time, whatever the file system's resolution
            lexicons.write_text(pack("5", "爱买不买"), encoding="utf-8")

    monkeypatch.setattr(reload.Loaded, "compile", staticmethod(fixed_meanwhile))
    with pytest.raises(reload.ApiError):
        packs.get("shop-test")
    monkeypatch.setattr(reload.Loaded, "compile", staticmethod(compile_now))
    packs.poll()
    assert "shop-test" in packs.loaded and packs.current_errors() == {}
    assert packs.loaded["shop-test"].version.startswith("5+")


def test_a_pack_file_edited_while_it_compiles_is_reloaded_on_the_next_look(lexicons: Path, monkeypatch):
    """The edit lands after the compile read the file but before its stamp was taken."""
    packs = reload.Packs("shop-test")
    load_now = reload.Checker.load

    def edited_meanwhile(name, *args, **kwargs):
        checker = load_now(name, *args, **kwargs)
        time.sleep(0.01)
        lexicons.write_text(pack("6", "去别家吧"), encoding="utf-8")
        return checker

    monkeypatch.setattr(reload.Checker, "load", staticmethod(edited_meanwhile))
    assert packs.get("shop-test").version.startswith("1+")
    monkeypatch.setattr(reload.Checker, "load", load_now)
    packs.poll()
    assert packs.loaded["shop-test"].version.startswith("6+")
