"""A person reads a published finding in a real browser: from the findings index to the
finding, its chart and its data table, then an earlier release; with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.helpers.releasing import add_answer_sets, balanced, publish

pytestmark = pytest.mark.browser

SLUG = "test-survey"
TITLE = "LinkedIn is to blame."  # the factory survey's `blame` finding has its question's text


@pytest.fixture
def two_releases(make_survey):
    """The factory survey published twice: from 40 responses, then from 60.

    The likert question's answers come in thirds: 14, 13, 13 of 40, each published rounded
    to 10, so release 1 shows a total of 30 (the sum of its rounded cells); release 2's
    20, 20, 20 add up to 60."""
    make_survey()
    add_answer_sets(SLUG, balanced(40))
    publish(SLUG)
    add_answer_sets(SLUG, balanced(20))
    publish(SLUG)


def chart_loaded(page) -> int:
    """The natural width of the finding's chart once the browser has loaded it."""
    chart = page.locator("figure.chart img")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("alt", re.compile(r"\w"))
    handle = chart.element_handle()
    page.wait_for_function("img => img.complete", arg=handle)
    return page.evaluate("img => img.naturalWidth", handle)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_reader_opens_a_finding_and_an_earlier_release(open_tab, live_url, two_releases,
                                                       javascript):
    page = open_tab(javascript=javascript)
    page.goto(f"{live_url}/findings/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Findings")
    page.get_by_role("link", name=TITLE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert chart_loaded(page) > 0
    caption = page.locator("table.data caption")
    expect(caption).to_have_text("Answers of 60 respondents")
    expect(page.locator("table.data tbody tr")).to_have_count(4)  # no, partly, yes, don't know
    expect(page.locator("table.data tbody tr").first.locator("th")).to_have_text("no")

    page.get_by_label("Release").select_option("1")
    page.get_by_role("button", name="Show").click()
    expect(caption).to_have_text("Answers of 30 respondents")  # 10 + 10 + 10, see above
    assert re.search(r"[?&]release=1\b", page.url)
    expect(page.get_by_label("Release")).to_have_value("1")
    assert chart_loaded(page) > 0
    assert "release=1" in page.locator("figure.chart img").get_attribute("src")
