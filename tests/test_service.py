"""The service under heavy, slow, departing and hostile clients: it keeps answering, refuses what
it cannot take with a JSON error that says why, and leaves no process behind.

The heavy request is a batch of 400 texts of 「你办啥」 repeated to 4,998 characters: two million
characters of the engine's worst case, far more than the one-second deadline of the live server
here allows however fast the engine gets (ordinary text alone checks at ≈0.6 µs a character).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from api.app import Settings
from api.settings import SettingsError
from live import LiveServer, alive, children_of, wait_until
from restapi import JSON, POLITE, assert_error

ADVERSARIAL = "你办啥" * 1666
HEAVY = json.dumps({"items": [{"text": ADVERSARIAL}] * 400}, ensure_ascii=False).encode()
LIMITS = {"pool_size": 1, "pool_queue": 0, "deadline": 1, "read_timeout": 3, "inline_bytes": 0,
          "max_batch": 400, "max_request_chars": 2_000_000, "max_body_bytes": 8 << 20}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One check process for every body (none checked on the event loop), no queue, a one-second
    deadline and a three-second read timeout (the heavy body, 6 MB, must arrive within it)."""
    live = LiveServer(tmp_path_factory.mktemp("live") / "server.log", **LIMITS)
    yield live
    live.stop()


def post_heavy(server: LiveServer) -> httpx.Response:
    return httpx.post(f"{server.base}/v1/check/batch", content=HEAVY, headers=JSON, timeout=60)


def assert_no_errors_logged(server: LiveServer) -> None:
    logged = server.logged()
    assert "ERROR" not in logged and "Traceback" not in logged, logged
    assert ADVERSARIAL[:30] not in logged and POLITE not in logged  # never the text


# -- a heavy request holds no one else ---------------------------------------------------------------
def test_healthz_answers_while_a_heavy_request_runs(server):
    with ThreadPoolExecutor(1) as background, httpx.Client(base_url=server.base, timeout=10) as client:
        heavy = background.submit(post_heavy, server)
        answered_meanwhile = 0
        while not heavy.done():
            assert client.get("/healthz").status_code == 200
            answered_meanwhile += not heavy.done()
        assert_error(heavy.result(), 503, "deadline_exceeded")
    assert answered_meanwhile >= 3


def answers_a_check(server: LiveServer) -> bool:
    return httpx.post(f"{server.base}/v1/check", json={"text": POLITE}, timeout=30).status_code == 200


def test_a_request_past_its_deadline_is_503_and_its_process_is_replaced(server):
    wait_until(lambda: answers_a_check(server))  # idle: the process of an earlier test's stopped check is gone
    [before] = server.children()
    error = assert_error(response := post_heavy(server), 503, "deadline_exceeded")
    assert error["message"] == "the request took longer than the 1 s deadline and was stopped"
    assert error["detail"] == {"deadline_seconds": 1.0} and response.headers["retry-after"] == "1"
    wait_until(lambda: not alive(before), message="the process of the stopped check is still running")
    # A fresh process answers next (on a loaded machine its first check may itself miss the 1 s deadline).
    wait_until(lambda: answers_a_check(server))
    assert before not in server.children()


def test_a_full_queue_is_503_with_retry_after(server):
    """Two heavy requests at once, one process, no queue: one is checked (until the deadline), the
    other refused at once.  (Tried again if the machine was so slow that they did not overlap.)"""
    with ThreadPoolExecutor(2) as background:
        for _ in range(5):
            codes = {a.json()["error"]["code"]: a for a in background.map(lambda _: post_heavy(server), range(2))}
            if "busy" in codes:
                break
    assert set(codes) == {"busy", "deadline_exceeded"}
    error = assert_error(busy := codes["busy"], 503, "busy")
    assert error["detail"] == {"processes": 1, "queue": 0} and busy.headers["retry-after"] == "1"


# -- clients that stall or leave ---------------------------------------------------------------------
def raw_request(server: LiveServer, head: bytes, body: bytes, then_close: bool = False) -> bytes:
    """Send `head` and `body` on a socket; everything the server answers until it closes (or,
    with `then_close`, nothing: the client leaves right away)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head + b"\r\n\r\n" + body)
        if then_close:
            return b""
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def test_a_client_that_sends_less_than_it_announced_gets_408_and_is_closed(server):
    head = b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100"
    answer = raw_request(server, head, b'{"text": "')  # returns only once the server closes the connection
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 408") and b"connection: close" in status.lower()
    error = json.loads(body)["error"]
    assert error["code"] == "request_timeout"
    assert error["message"] == "the client did not send the 100 bytes it announced within 3 s"


def test_clients_that_leave_are_not_errors_and_free_their_process(server):
    head = b"POST /v1/check/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d"
    raw_request(server, head % 100, b'{"items": [', then_close=True)  # leaves while sending
    wait_until(lambda: server.logged().count("the client left") == 1)
    [before] = server.children() or [None]
    raw_request(server, head % len(HEAVY), HEAVY, then_close=True)  # leaves while its batch is checked
    wait_until(lambda: server.logged().count("the client left") == 2)
    wait_until(lambda: before is None or not alive(before), message="the abandoned check still runs")
    assert_no_errors_logged(server)


def test_the_check_processes_die_with_the_server(tmp_path):
    server = LiveServer(tmp_path / "server.log", pool_size=2)
    wait_until(lambda: len(server.children()) == 2, message="the check processes were not forked")  # forked just after /readyz
    children = server.children()
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    wait_until(lambda: not any(alive(pid) for pid in children), timeout=10, message="a check process outlived the server")


# -- limits and what the body must be ----------------------------------------------------------------
def test_turns_and_characters_per_request_have_limits_that_name_themselves(serve):
    client = serve(max_turns=3, max_request_chars=50)
    turns = [{"role": "agent", "text": "好" * 20}] * 4
    error = assert_error(client.post("/v1/conversations/score", json={"id": "c", "turns": turns}), 413, "too_many_turns")
    assert error["message"] == "conversation has 4 turns; the limit is 3" and error["detail"] == {"turns": 4, "limit": 3}
    error = assert_error(client.post("/v1/conversations/score", json={"id": "c", "turns": turns[:3]}), 413, "request_too_long")
    assert error["message"] == "conversation has 60 characters of text in all; the limit is 50 per request"
    assert client.post("/v1/conversations/score", json={"id": "c", "turns": turns[:2]}).status_code == 200
    items = [{"text": "好" * 20}] * 3
    error = assert_error(client.post("/v1/check/batch", json={"items": items}), 413, "request_too_long")
    assert error["message"] == "batch has 60 characters of text in all; the limit is 50 per request"
    assert error["detail"] == {"characters": 60, "limit": 50}
    assert client.post("/v1/check/batch", json={"items": items[:2]}).status_code == 200


def test_the_new_limits_come_from_the_environment(monkeypatch):
    for variable, value in (("MAX_TURNS", "12"), ("MAX_REQUEST_CHARS", "900"), ("POOL_SIZE", "3"), ("POOL_QUEUE", "0"),
                            ("DEADLINE", "2.5"), ("READ_TIMEOUT", "0.5")):
        monkeypatch.setenv(f"PHRASECHECK_{variable}", value)
    settings = Settings.from_env()
    assert (settings.max_turns, settings.max_request_chars, settings.pool_size, settings.pool_queue,
            settings.deadline, settings.read_timeout) == (12, 900, 3, 0, 2.5, 0.5)
    monkeypatch.setenv("PHRASECHECK_POOL_SIZE", "0")
    monkeypatch.setenv("PHRASECHECK_DEADLINE", "-1")
    with pytest.raises(SettingsError, match=r"\$PHRASECHECK_POOL_SIZE='0'.*\$PHRASECHECK_DEADLINE='-1'"):
        Settings.from_env()


@pytest.mark.parametrize("path", ["/v1/check", "/v1/check/batch", "/v1/conversations/score"])
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_json_endpoints_refuse_a_body_that_is_not_declared_json(serve, path, content_type):
    headers = {"content-type": content_type} if content_type else {}
    error = assert_error(serve().post(path, content=b'{"text": "hi"}', headers=headers), 415, "unsupported_media_type")
    assert error["message"].startswith("the body must be sent as Content-Type: application/json")


def test_json_may_say_its_charset_or_be_a_json_subtype(serve):
    client = serve()
    for content_type in ("application/json; charset=utf-8", "Application/JSON", "application/vnd.phrasecheck+json"):
        assert client.post("/v1/check", content=b'{"text": "hi"}', headers={"content-type": content_type}).status_code == 200


@pytest.mark.parametrize("headers, status, code", [
    ({"Origin": "https://evil.example"}, 403, "cross_site"),
    ({"Origin": "null"}, 403, "cross_site"),
    ({"Sec-Fetch-Site": "cross-site"}, 403, "cross_site"),
    ({"Sec-Fetch-Site": "same-site"}, 403, "cross_site"),  # another port or subdomain is another origin
    ({"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
])
def test_admin_endpoints_are_not_callable_from_another_sites_page(serve, headers, status, code):
    assert_error(serve().post("/v1/admin/reload", headers=headers), status, code)


def test_admin_endpoints_take_tools_and_the_services_own_page(serve):
    client = serve()
    assert client.post("/v1/admin/reload").status_code == 200  # curl, a script: no Origin
    same_origin = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
    assert client.post("/v1/admin/reload", headers=same_origin).status_code == 200


def test_405_lists_every_method_the_path_takes(serve):
    client = serve()
    response = client.put("/v1/ping")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"
    assert client.options("/v1/check").headers["allow"] == "POST"


@pytest.mark.parametrize("path, body, where", [
    ("/v1/conversations/score", {"id": "c", "turns": [{"role": "agent", "text": "hi", "line": False}]}, "turns[0].line"),
    ("/v1/conversations/score", {"id": "c", "turns": [{"role": "agent", "text": "hi", "seq": "3"}]}, "turns[0].seq"),
    ("/v1/conversations/score", {"id": "c", "turns": [{"role": "agent", "text": "hi", "begin_ms": 1.5}]}, "turns[0].begin_ms"),
    ("/v1/conversations/score", {"id": "c", "turns": [{"role": "agent", "text": "hi", "hold": 1}]}, "turns[0].hold"),
    ("/v1/conversations/score", {"id": 7, "turns": [{"role": "agent", "text": "hi"}]}, "id"),
    ("/v1/check", {"text": "hi", "role": True}, "role"),
    ("/v1/check", {"text": "hi", "id": 5}, "id"),
    ("/v1/check/batch", {"items": [{"text": "hi", "role": 1.0}]}, "items[0].role"),
])
def test_a_wrongly_typed_field_is_422_as_the_schema_says(serve, path, body, where):
    error = assert_error(serve().post(path, json=body), 422, "invalid_request")
    assert error["detail"][0]["loc"] == where


def test_the_documented_role_numbers_and_whole_number_floats_are_taken(serve):
    client = serve()
    turn = {"role": "agent", "text": POLITE, "seq": 3.0, "begin_ms": 1000.0}  # JSON Schema integers, though written with .0
    assert client.post("/v1/conversations/score", json={"id": "c", "turns": [turn]}).json()["turns"][0]["seq"] == 3
    assert client.post("/v1/check", json={"text": "hi", "role": 0}).json()["role"] == "customer"
    turns = [{"role": 0, "text": "在吗"}, {"role": 1, "text": POLITE}]
    assert [t["role"] for t in client.post("/v1/conversations/score", json={"id": "c", "turns": turns}).json()["turns"]] == ["customer", "agent"]


def test_a_lone_surrogate_escape_is_refused_with_its_place(serve):
    client = serve()
    for body in (b'{"text": "\\ud800"}', b'{"text": "a\\udc00b"}'):
        error = assert_error(client.post("/v1/check", content=body, headers=JSON), 400, "invalid_json")
        assert "line 1 column 17" in error["message"] and "lone surrogate escape" in error["message"]
    assert client.post("/v1/check", content=b'{"text": "\\ud83d\\ude00"}', headers=JSON).status_code == 200  # a pair is 😀


def test_requests_are_answered_in_parallel_by_the_check_processes(serve):
    """Several clients at once, each getting its own answer (ids kept apart across processes)."""
    client = serve(pool_size=2)
    with client:
        results = {}

        def ask(i: int) -> None:
            results[i] = client.post("/v1/check", json={"text": f"{POLITE}{i}", "id": str(i)}).json()["id"]

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == {i: str(i) for i in range(20)}


def test_no_check_process_is_left_when_the_app_stops(serve):
    client, before = serve(), children_of(os.getpid())
    with client:
        assert client.post("/v1/check", json={"text": POLITE}).status_code == 200
        wait_until(lambda: len(children_of(os.getpid()) - before) == 2)  # the pool's size, forked once the pack is warm
        forked = children_of(os.getpid()) - before
    assert not any(alive(pid) for pid in forked)


def test_a_small_request_gets_the_same_answer_on_the_event_loop_and_from_a_check_process(serve):
    """Bodies up to PHRASECHECK_INLINE_BYTES may be checked on the event loop; 0 sends all to the processes."""
    body = {"text": "这个业务不归我管，找别人去", "id": "m", "disabled_rules": ["deflect-not-my-job"]}
    inline, pooled = serve("bank-counter"), serve("bank-counter", inline_bytes=0)
    answers = [client.post("/v1/check", json=body) for client in (inline, pooled)]
    assert answers[0].json() == answers[1].json() and answers[0].json()["decision"] == "block"
    turns = [{"role": "customer", "text": "在吗"}, {"role": "坐席", "text": body["text"]}]
    scores = [client.post("/v1/conversations/score", json={"id": "c", "turns": turns}).json() for client in (inline, pooled)]
    assert scores[0] == scores[1] and scores[0]["score"] < 100


def test_small_jobs_run_on_the_loop_only_within_their_share_of_its_time():
    """A small job is answered on the event loop until such jobs have taken more than their
    burst; then they go to a process (`NOT_HERE`) until the loop's share has paid the time back."""
    import time

    from api.pool import NOT_HERE, Pool

    pool = Pool(1, 0, lambda: "state")
    assert pool.run_here(lambda state, word: f"{state} {word}", "here") == "state here"
    assert pool.run_here(lambda state: time.sleep(0.1) or "slow") == "slow"  # answered, and charged
    # 100 ms spent in 100 ms of the loop's time, half of which was its share: 50 ms over, past the 30 ms burst
    assert pool.run_here(lambda state: "next") is NOT_HERE
    time.sleep(0.2)  # at half the loop's time, 0.1 s of it pays the 50 ms back
    assert pool.run_here(lambda state: "again") == "again"
    pool.close()
