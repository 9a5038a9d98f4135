"""The try-it page at `/`, driven in real headless Chromium (Debian's /usr/bin/chromium via Playwright)."""

from __future__ import annotations

import os
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install -y chromium)")
playwright = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from api.app import Settings, create_app  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def base_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app("bank-counter", Settings(reload_lexicons=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1000, "height": 820}, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(base_url + "/")
    yield page
    context.close()


def test_a_banned_line_is_highlighted_with_why_and_the_standard_line(page):
    expect = playwright.expect
    expect(page.locator("#pack option[value='bank-counter']")).to_have_count(1)
    page.select_option("#pack", "bank-counter")
    page.locator("#text").press_sequentially("不归我管，找别人去", delay=20)

    mark = page.locator("#highlighted mark")
    expect(mark).to_have_text("不归我管，找别人去")
    expect(mark).to_have_attribute("data-rule", "counter-not-my-job-find-others")
    expect(page.locator("#decision")).to_have_text("拦截")
    expect(page.locator("#score")).to_have_text("得分 98")
    expect(page.locator("#violations")).to_contain_text("应说：请您到××柜台(部门)办理")
    expect(page.locator("#rewrite")).to_have_text("请您到××柜台(部门)办理")
    tip = mark.get_attribute("data-tip")
    assert "推诿" in tip and "首问负责" in tip

    mark.hover()
    page.screenshot(path="/tmp/page.png", full_page=True)

    page.click("#copy")
    expect(page.locator("#copy")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == "请您到××柜台(部门)办理"


def test_a_polite_line_has_no_highlight(page):
    expect = playwright.expect
    page.fill("#text", "")
    page.locator("#text").press_sequentially("您好，请问您需要办理什么业务？", delay=20)
    expect(page.locator("#decision")).to_have_text("通过")
    expect(page.locator("#highlighted")).to_have_text("您好，请问您需要办理什么业务？")
    expect(page.locator("#highlighted mark")).to_have_count(0)
    expect(page.locator("#rewrite-block")).to_be_hidden()


def test_customer_messages_are_not_scored(page):
    expect = playwright.expect
    page.fill("#text", "")
    page.locator("#text").press_sequentially("不归我管，找别人去", delay=20)
    expect(page.locator("#highlighted mark")).to_have_count(1)
    page.select_option("#role", "customer")
    expect(page.locator("#score")).to_have_text("客户消息不评分")
    expect(page.locator("#highlighted mark")).to_have_count(0)
    page.select_option("#role", "agent")


# -- the API docs, offline ----------------------------------------------------------------------------
@pytest.fixture
def offline(browser):
    """A page that reaches nothing but 127.0.0.1: any other request is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def only_loopback(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    yield page, elsewhere
    context.close()


def test_swagger_ui_renders_the_operations_without_a_cdn(offline, base_url):
    page, elsewhere = offline
    page.goto(base_url + "/docs")
    check = page.locator(".opblock-post .opblock-summary-path[data-path='/v1/check']")
    playwright.expect(check).to_be_visible(timeout=20_000)
    playwright.expect(page.locator(".opblock-get .opblock-summary-path[data-path='/v1/packs']")).to_be_visible()
    playwright.expect(page.locator(".info .title")).to_contain_text("phrasecheck")
    check.click()  # the request body's example comes from the schema: role words and all
    playwright.expect(page.locator("#operations-check-check_v1_check_post .body-param__example")).to_contain_text("坐席")
    page.screenshot(path="/tmp/docs-swagger.png")
    assert elsewhere == []


def test_redoc_renders_without_a_cdn(offline, base_url):
    page, elsewhere = offline
    page.goto(base_url + "/redoc")
    playwright.expect(page.locator(".api-info h1")).to_contain_text("phrasecheck", timeout=20_000)
    operation = page.locator("[data-section-id='tag/check/operation/check_v1_check_post']")
    playwright.expect(operation).to_be_attached()
    playwright.expect(operation.locator("h2")).to_have_text("Check")
    playwright.expect(page.get_by_text("/v1/conversations/score").first).to_be_attached()
    page.screenshot(path="/tmp/docs-redoc.png")
    assert elsewhere == []
