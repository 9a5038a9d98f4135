"""A reviewer's session in headless Chromium: mark hits ✓ ✗ ◐ in report.html, add a missed violation
from a text selection, download the verdicts, apply them with `phrasecheck review`, and find the
reviewed scores and precisions worked out by hand; the reviewed report opens with the marks set."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from phrasecheck.cli import app
from test_report_browser import browser  # noqa: F401  (a module's own Chromium, as that module starts it)
from test_report_browser import pytestmark  # noqa: F401  (skipped, with the reason, where Chromium is missing)
from test_review import CALLS, DEFLECT, by, read_csv

runner = CliRunner()

SELECT = """(el, needle) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const at = node.data.indexOf(needle);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}"""


@pytest.fixture
def run(tmp_path):
    (tmp_path / "calls.jsonl").write_text("\n".join(CALLS) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(tmp_path / "calls.jsonl"), "--channel", "chat", "--out", str(tmp_path / "qa"), "-j", "1", "--template", "seed-003"])
    assert result.exit_code == 0, result.output
    return tmp_path / "qa"


def open_page(browser, path):  # noqa: F811
    page = browser.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri())
    return page


def hit(page, conv, rule, turn):
    return page.locator(f'.note[data-hit][data-conv="{conv}"][data-rule="{rule}"][data-turn="{turn}"]')


def test_marks_exported_from_the_page_are_what_review_applies(browser, run, tmp_path):  # noqa: F811
    page = open_page(browser, run / "report.html")
    page.fill("#reviewer", "王质检")
    page.click("#expand-all")
    assert page.locator("#export-verdicts").is_disabled()

    hit(page, "r1", DEFLECT, 2).locator("button.v-confirmed").click()
    curt = hit(page, "r1", "curt-command", 4)
    curt.locator("button.v-false").click()
    curt.locator(".v-note").fill("客户要求等待")
    abuse = hit(page, "r2", "abuse-threat", 2)
    abuse.locator("button.v-partly").click()
    assert abuse.locator(".v-corrected").is_visible()  # ◐ asks which rule it should have been (may stay empty)
    hurry = hit(page, "r3", "impatience-hurry", 2)
    hurry.locator("button.v-confirmed").click()
    hurry.locator("button.v-false").click()  # a change of mind: the latest mark counts
    assert hurry.locator("button.v-false").get_attribute("aria-pressed") == "true"
    assert hurry.locator("button.v-confirmed").get_attribute("aria-pressed") == "false"

    turn = page.locator('li.turn[data-conv="r3"][data-turn="2"]')
    assert turn.locator(".text").evaluate(SELECT, "排队")
    turn.locator("button.add-missed").click()
    form = turn.locator(".missed-form")
    assert form.locator(".where").inner_text() == "「排队」"
    form.locator(".m-rule").fill("curt-command")
    form.locator(".m-note").fill("催客户")
    form.locator(".m-add").click()
    assert turn.locator(".note.missed code").inner_text() == "curt-command"
    assert page.inner_text("#verdict-count") == "5 条复核结论"

    page.locator("details.conv").first.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "marked.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#export-verdicts")
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert page.problems == []
    page.close()

    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese
    rows = {(r["conversation"], r["rule"]): r for r in read_csv(exported)}
    assert rows[("r3", "curt-command")]["start"] == "11" and rows[("r3", "curt-command")]["matched"] == "排队"
    assert rows[("r1", "curt-command")]["note"] == "客户要求等待" and rows[("r1", "curt-command")]["reviewer"] == "王质检"

    result = runner.invoke(app, ["review", str(run), str(exported)])
    assert result.exit_code == 0, result.output
    scores = by(read_csv(run / "review" / "scores.csv"), "conversation")
    # r1 97 + 1 (等着 false) = 98; r2 0 → veto lifted, 你有病 as an error −2 = 98; r3 98 + 2 (false) − 1 (missed) = 99
    assert {c: int(r["reviewed_score"]) for c, r in scores.items()} == {"r1": 98, "r2": 98, "r3": 99}
    rules = by(read_csv(run / "review" / "rules.csv"), "rule")
    assert (rules[DEFLECT]["precision"], rules[DEFLECT]["recall"]) == ("1.000", "1.000")
    assert (rules["curt-command"]["precision"], rules["curt-command"]["recall"]) == ("0.000", "0.000")
    assert (rules["abuse-threat"]["partly"], rules["abuse-threat"]["precision"]) == ("1", "1.000")

    reviewed = open_page(browser, run / "review" / "report.html")
    assert reviewed.inner_text("#verdict-count") == "5 条复核结论"  # the next reviewer starts from these marks
    assert hit(reviewed, "r1", "curt-command", 4).locator("button.v-false").get_attribute("aria-pressed") == "true"
    assert reviewed.locator('li.turn[data-conv="r3"][data-turn="2"] .note.missed').count() == 1
    assert reviewed.inner_text("#stat-reviewed-mean") == "98.3"  # (98 + 98 + 99) / 3
    assert [int(s) for s in reviewed.eval_on_selector_all("[data-reviewed-score]", "els => els.map(e => e.dataset.reviewedScore)")] \
        == [98, 98, 99]
    reviewed.screenshot(path=str(tmp_path / "reviewed.png"), full_page=True)
    assert reviewed.problems == []
    reviewed.close()


def test_marks_survive_a_reload_until_exported(browser, run):  # noqa: F811
    page = open_page(browser, run / "report.html")
    page.click("#expand-all")
    hit(page, "r1", "curt-command", 4).locator("button.v-false").click()
    page.reload()
    page.click("#expand-all")
    assert hit(page, "r1", "curt-command", 4).locator("button.v-false").get_attribute("aria-pressed") == "true"
    assert page.inner_text("#verdict-count") == "1 条复核结论"
    page.close()
