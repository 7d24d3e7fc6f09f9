"""Every page of the URL map, as each role that can reach it, on a phone (360×740) and a
desktop (1280×800), in German and English: nothing wider than the viewport, and axe-core
finds no violation of any impact. A new route is swept as soon as it is registered; only
the routes below that serve no page are left out, each with its reason."""

import html
import re
from unittest import mock

import pytest

import survey.users
from tests.browser.conftest import TIMEOUT_MS, served
from tests.helpers.accounts import PASSWORD
from tests.helpers.discussion import CHEAP_HASHER
from tests.helpers.looks import problems_of
from tests.helpers.site import EMAILS, ROLES, build_site
from tests.helpers.urlmap import rule_url, url_map_rules

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
LANGUAGES = ("de", "en")
# Routes that answer with something other than a page, and where that is checked instead.
NOT_PAGES = {
    "static": "style sheets and icons",
    "findings.chart": "an SVG image (its text size: test_charts.py)",
    "findings.finding_csv": "a CSV download",
    "exports.download": "a file download",
    "authoring.download": "a YAML download",
    "health.healthz": "JSON for load balancers (test_outages.py)",
    "health.readyz": "JSON for load balancers (test_outages.py)",
}
PAGE_RULES = sorted((rule for rule in url_map_rules() if "GET" in rule.methods
                     and rule.endpoint not in NOT_PAGES and not rule.rule.startswith("/api/")),
                    key=lambda rule: rule.rule)
# A rule's first address is visited as every role; its further ones (each kind of finding,
# each page of the survey) differ in their content, not in what a role sees around it, so
# they are visited as the roles with the least and the most in the header.
VARIANT_ROLES = ("visitor", "admin")


def test_the_sweep_covers_the_pages():
    swept = {rule.endpoint for rule in PAGE_RULES}
    assert swept >= {"main.index", "taking.take", "findings.finding_page", "moderation.queue",
                     "admin.index", "accounts.login", "account.index",
                     "accounts.reset_password"}
    known = {rule.endpoint for rule in url_map_rules()}
    assert set(NOT_PAGES) <= known, "a route left out of the sweep no longer exists"


def addresses(rule, site) -> list[str]:
    """The addresses of a rule's pages: every kind of finding, every page of the survey."""
    values = {"slug": site.slug, "finding_id": site.findings["likert_summary"],
              "job_id": site.export_job, "comment_id": site.own_comment,
              "token": site.resume_tokens.get("start", "x")}
    if rule.endpoint == "findings.finding_page":
        return [rule_url(site.app, rule, {**values, "finding_id": finding})
                for finding in site.findings.values()]
    if rule.endpoint == "taking.resume":  # each page of the survey, resumed from a draft
        return [rule_url(site.app, rule, {**values, "token": token})
                for token in site.resume_tokens.values()]
    if rule.endpoint == "discussion.flag":
        values["comment_id"] = site.other_comment
    if rule.endpoint == "accounts.reset_password":
        values["token"] = site.reset_token
    return [rule_url(site.app, rule, values, method="GET")]


@pytest.fixture(scope="module")
def site(module_app, browser):
    """The whole site served, and a browser tab logged in as each role."""
    with mock.patch.object(survey.users, "_hasher", CHEAP_HASHER):
        built = build_site()
    built.app = module_app
    with served(module_app) as url:
        built.url = url
        contexts = {}
        for role in ROLES:
            context = browser.new_context()
            context.set_default_timeout(TIMEOUT_MS)
            contexts[role] = context
            tab = context.new_page()
            if role != "visitor":
                tab.goto(f"{url}/login")
                tab.locator("input[name=email]").fill(EMAILS[role])
                tab.locator("input[name=password]").fill(PASSWORD)
                tab.locator("main form button[type=submit]").click()
                tab.wait_for_url(f"{url}/")
        built.tabs = {role: context.pages[0] for role, context in contexts.items()}
        yield built
        for context in contexts.values():
            context.close()


def visit(tab, url: str):
    """Open `url`; the response, or None when the role cannot reach it (sent to log in,
    or refused)."""
    response = tab.goto(url)
    if response.status in (401, 403) or ("/login" in tab.url and "/login" not in url):
        return None
    assert response.status < 400, (url, response.status)
    return response


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("rule", PAGE_RULES, ids=lambda rule: rule.endpoint)
def test_page_fits_and_passes_axe(site, rule, viewport, language):
    problems, reached = [], 0
    for number, path in enumerate(addresses(rule, site)):
        separator = "&" if "?" in path else "?"
        url = f"{site.url}{path}{separator}lang={language}"
        for role, tab in site.tabs.items():
            if number and role not in VARIANT_ROLES:
                continue
            tab.set_viewport_size(VIEWPORTS[viewport])
            if visit(tab, url) is None:
                continue
            reached += 1
            problems += [f"{role} {path}: {problem}" for problem in problems_of(tab)]
    assert reached, f"no role reaches {rule.rule}"
    assert not problems, "\n".join(problems)


SVG_WIDTH = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"')
FONT_SIZE = re.compile(r'font-size="([\d.]+)px"')
SVG_TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_chart_text_is_readable_as_displayed(site, viewport, language):
    """No chart text smaller than 10 px as shown on the screen (the SVG's own sizes scaled
    by the width the browser gives it), and the figures on the bars are the table's."""
    tab = site.tabs["visitor"]
    tab.set_viewport_size(VIEWPORTS[viewport])
    for kind, finding in site.findings.items():
        tab.goto(f"{site.url}/findings/{site.slug}/{finding}?lang={language}")
        image = tab.locator("figure.chart img")
        image.evaluate("img => img.complete || new Promise(done => img.onload = done)")
        shown = image.evaluate(
            "img => ({source: img.currentSrc, width: img.getBoundingClientRect().width})")
        svg = tab.request.get(shown["source"]).text()
        drawn_width = float(SVG_WIDTH.search(svg).group(1))
        smallest = min(float(size) for size in FONT_SIZE.findall(svg))
        displayed = smallest * shown["width"] / drawn_width
        assert displayed >= 10, (kind, viewport, shown, drawn_width, smallest)
        texts = {html.unescape(text) for text in SVG_TEXT.findall(svg)}
        if kind in ("distribution", "likert_summary", "ranking"):  # share or Borda score
            figures = {cell.inner_text() for cell in
                       tab.locator("table.data tbody td:nth-of-type(2)").all()} - {"–"}
            assert figures and figures <= texts, (kind, figures, texts)
            if language == "de" and kind != "ranking":
                assert all(figure.endswith("\u00a0%") for figure in figures), figures
