"""report.html in a real headless Chromium (the system /usr/bin/chromium driven by Playwright):
no script errors, the SVG charts, header-click sorting and the collapsible conversations."""

from __future__ import annotations

import os

import pytest

from phrasecheck.reports.qa import QAReport
from test_qa_report import results

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One browser for the module; Playwright passes --headless and the profile dir as --user-data-dir."""
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, tmp_path):
    report = QAReport()
    for result in results():
        report.add(result)
    report.add_error("calls/broken.jsonl", "calls/broken.jsonl:2: not JSON")
    html = report.write(tmp_path)["html"]
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: None if request.url.startswith(("file:", "data:", "about:")) else problems.append(request.url))
    page.goto(html.as_uri())
    page.problems = problems
    yield page
    page.close()


def column(page, n):
    return page.eval_on_selector_all(f"#agents-table tbody tr td:nth-child({n})", "cells => cells.map(c => c.textContent.trim())")


def test_loads_without_errors_or_network(page):
    page.wait_for_load_state("load")
    assert page.title() == "会话质检报告"
    assert page.problems == []  # no console errors, no uncaught exceptions, no request leaving the file


def test_svg_charts_have_one_bar_per_bin(page):
    assert page.locator("svg#chart-scores rect.bar").count() == 10
    assert page.locator("svg#chart-grades rect.bar").count() == 5
    assert page.locator("svg#chart-rules rect.bar").count() == 6  # every rule with a hit (fewer than 10)
    counts = page.eval_on_selector_all("svg#chart-scores rect.bar", "bars => bars.map(b => +b.dataset.count)")
    assert counts == [1, 0, 0, 0, 0, 0, 0, 1, 0, 3]
    # the tallest bar is drawn tallest
    heights = page.eval_on_selector_all("svg#chart-scores rect.bar", "bars => bars.map(b => b.getBBox().height)")
    assert max(heights) == heights[9] and heights[1] == 0


def test_clicking_mean_score_sorts_the_agent_table(page):
    assert column(page, 1) == ["a1", "a2", "(unknown)"]  # as written: by agent id
    header = page.locator("#agents-table th", has_text="平均分")
    header.click()
    assert column(page, 4) == ["61.3", "72.0", "100.0"]
    assert column(page, 1) == ["a1", "(unknown)", "a2"]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column(page, 4) == ["100.0", "72.0", "61.3"]
    assert header.get_attribute("aria-sort") == "descending"
    page.locator("#agents-table th", has_text="姓名").click()
    assert column(page, 2)[0] == ""  # the agent without a name sorts first
    assert header.get_attribute("aria-sort") is None


def test_a_conversation_expands_to_show_the_highlighted_span(page):
    conversation = page.locator("details.conv").nth(2)  # c3 (vetoed), c5, then c2 with two deflections
    mark = conversation.locator("mark.hl.sev-error").first
    assert not conversation.evaluate("d => d.open")
    assert not mark.is_visible()
    conversation.locator("summary").click()
    assert conversation.evaluate("d => d.open")
    assert mark.is_visible()
    assert mark.text_content() == "不归我管，找别人去"
    # the injected markup is shown as text, not run
    assert conversation.locator(".turn .text").first.inner_text().startswith("<script>alert(1)</script>")
    assert page.evaluate("document.querySelectorAll('script').length") == 1


def test_expand_all_and_turn_links(page):
    page.click("#expand-all")
    assert page.eval_on_selector_all("details.conv", "ds => ds.every(d => d.open)")
    page.click("#collapse-all")
    assert page.eval_on_selector_all("details.conv", "ds => ds.every(d => !d.open)")
    page.goto(page.url + "#c2-t2")  # a link to a turn opens its conversation
    assert page.locator("#c2").evaluate("d => d.open")


def test_errors_section_lists_bad_files(page):
    assert page.locator("#errors").is_visible()
    assert "calls/broken.jsonl:2: not JSON" in page.locator("#errors").inner_text()
