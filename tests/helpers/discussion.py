"""Helpers of the discussion, moderation and rate-limit tests: a published finding to comment on,
members with cheap passwords, browsers logged in as them, and reading threads from a page."""

import html
import re
from html.parser import HTMLParser
from unittest import mock

import numpy as np
from argon2 import PasswordHasher

import survey.users
from reports import releases
from reports.demo import generate, insert_demo_responses
from reports.models import Release
from reports.releases import publish_release
from survey.database import write_transaction
from survey.definition import load_definition_file
from survey.extensions import db
from survey.models import Role
from survey.surveys import definition_of, find_survey, newest_version, store_definition
from survey.users import create_user
from tests.helpers.accounts import PASSWORD, log_in
from tests.helpers.clients import isolated_client
from tests.helpers.factories import ARTICLE_SURVEY

SLUG = "xing-linkedin"
FINDING = "linkedin-responsible"  # a finding the article's survey publishes from demo data
PAGE = f"/findings/{SLUG}/{FINDING}"
POST = f"/discussion/{SLUG}/{FINDING}"
DEMO_RESPONSES = 300
TINY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'

# Argon2 with its production cost takes most of a second per hash on a busy machine; these
# tests are about comments, not passwords, so their accounts use the cheapest parameters.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

_published: dict = {}  # the parsed survey and the first release's columns, for later tests
RELEASE_COLUMNS = ("responses", "demo_responses", "versions",
                   "definition_hash", "settings", "findings", "charts")


def cheap_passwords(monkeypatch) -> None:
    """Hash this test's passwords with the cheapest argon2 parameters."""
    monkeypatch.setattr(survey.users, "_hasher", CHEAP_HASHER)


def load_article_survey() -> None:
    """The article's survey, as the `article_survey` fixture loads it, parsed once per worker."""
    if "definition" not in _published:
        _published["definition"] = load_definition_file(ARTICLE_SURVEY)
    store_definition(_published["definition"], source_name=ARTICLE_SURVEY.name)


def publish_demo_release(slug: str = SLUG) -> Release:
    """Release 1 of the article's survey (loaded if need be), published from 300 demo responses.

    The first call in a worker really inserts the demo responses and publishes (charts are
    stubbed: they take seconds and play no part in the discussion); later calls store a
    release with the same findings directly, which is all the finding page reads.
    """
    if find_survey(slug) is None:
        load_article_survey()
    survey = find_survey(slug)
    if "findings" not in _published:
        version = newest_version(survey)
        rng = np.random.default_rng(7)
        for batch in generate(definition_of(version), DEMO_RESPONSES, 7):
            insert_demo_responses(version, batch, rng)
        with mock.patch.object(releases, "render_chart",
                               return_value={"wide": TINY_SVG, "narrow": TINY_SVG}):
            release = publish_release(survey)
        assert release.finding(FINDING)["published"], "the finding must be published"
        _published.update({name: getattr(release, name) for name in RELEASE_COLUMNS})
        return release
    return another_release(slug)


def another_release(slug: str = SLUG) -> Release:
    """The next release of the survey, with the findings of the first."""
    survey = find_survey(slug)
    number = max((r.number for r in releases.releases_of(survey)), default=0) + 1
    with write_transaction():
        release = Release(survey_id=survey.id, number=number,
                          **{name: _published[name] for name in RELEASE_COLUMNS})
        db.session.add(release)
    return release


def make_member(email: str, role: Role = Role.MEMBER, name: str | None = None):
    """An account with a display name (the part of the email before the @ unless given)."""
    return create_user(email, PASSWORD, role, display_name=name or email.split("@")[0])




def browser_of(app, user=None):
    """A browser of its own, logged in as `user` (a visitor when None)."""
    client = isolated_client(app)
    if user is not None:
        log_in(client, user)
        flashed(client)  # "You are logged in." is not what the tests look for
    return client


def post_form(client, body: str, parent_id=None, release=1, finding_url: str = POST):
    """Post a comment through the form under the finding; returns the response."""
    data = {"body": body, "release": str(release)}
    if parent_id is not None:
        data["parent_id"] = str(parent_id)
    return client.post(finding_url, data=data)


def page_text(client, query: str = "") -> str:
    """The finding page's HTML as `client` sees it."""
    response = client.get(PAGE + query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def refusal(response, typed: str) -> str:
    """The message a refused comment form shows next to its field. Asserts that the finding
    page came back (422) with an error summary and the text exactly as typed in the field,
    marked invalid."""
    assert response.status_code == 422, response.status_code
    page = response.get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in page
    field = re.search(r'<textarea[^>]*aria-invalid="true"[^>]*>(.*?)</textarea>', page, re.S)
    assert field, "no field marked invalid"
    kept = html.unescape(field.group(1)).removeprefix("\r\n").removeprefix("\n")
    assert kept == typed, (kept, typed)
    message = re.search(r'<p class="error" id="[\w-]+-error">([^<]*)</p>', page)
    assert message, "no message next to the field"
    return html.unescape(message.group(1))


def flashed(client) -> list[str]:
    """Messages flashed to `client` since the last call (they are taken, not shown)."""
    with client.session_transaction() as session:
        return [str(message) for _category, message in session.pop("_flashes", [])]


def comment_ids(html: str) -> list[int]:
    """The ids of the comments on a page, in page order (placeholders included)."""
    return [int(n) for n in re.findall(r'<li class="comment depth-\d" id="comment-(\d+)"', html)]


class _Bodies(HTMLParser):
    """The inner HTML of every `div.comment-body`, in page order."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.bodies: list[list] = []
        self._depth = 0  # open divs inside the current body

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self.bodies[-1].append(("start", tag, attrs))
            self._depth += tag == "div"
        elif tag == "div" and ("class", "comment-body") in attrs:
            self.bodies.append([])
            self._depth = 1

    def handle_startendtag(self, tag, attrs):
        if self._depth:
            self.bodies[-1].append(("start", tag, attrs))

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= tag == "div"
            if self._depth:
                self.bodies[-1].append(("end", tag, []))

    def handle_data(self, data):
        if self._depth:
            self.bodies[-1].append(("data", data, []))

    def handle_comment(self, data):
        if self._depth:
            self.bodies[-1].append(("comment", data, []))


def comment_bodies(html: str) -> list[list]:
    """Each comment body as a list of ("start", tag, attrs), ("end", tag, []),
    ("data", text, []) and ("comment", text, []) events."""
    parser = _Bodies()
    parser.feed(html)
    parser.close()
    return parser.bodies


class _Table(HTMLParser):
    """The text of each cell of each row of the first table on a page."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
        elif self._tables == 1 and tag == "tr":
            self.rows.append([])
        elif self._tables == 1 and tag in ("td", "th") and self.rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    """The first table of a page as rows of cell texts (the header row first)."""
    parser = _Table()
    parser.feed(html)
    parser.close()
    return parser.rows
