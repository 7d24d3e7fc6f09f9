"""`shuffle: true`: each respondent their own order, the same for the whole draft, with
"other", "none of these" and "don't know" last; answers and findings do not depend on it."""

import random
import re

import pytest
from sqlalchemy import select

from reports.findings import compute_findings
from reports.releases import current_frame
from survey.extensions import db
from survey.models import Response, Survey, SurveyVersion
from survey.surveys import find_survey
from tests.helpers.factories import question_in, survey_document
from tests.helpers.pages import input_values
from tests.helpers.walk import walk

NETWORKS = ["xing", "linkedin", "facebook", "mastodon", "bluesky", "threads", "reddit",
            "tiktok"]
ITEMS = ["xing", "linkedin", "facebook", "mastodon", "bluesky", "reddit"]


def _document(slug="shuffled", shuffle=True):
    document = survey_document(slug=slug, findings=[
        {"id": "networks", "kind": "distribution", "question": "networks"},
        {"id": "future", "kind": "ranking", "question": "future"},
        {"id": "primary-by-country", "kind": "crosstab", "question": "primary",
         "by": "country"}])
    networks = question_in(document, "networks")
    networks["options"] = [{"id": n, "label": n.title()} for n in NETWORKS] + [
        {"id": "none", "label": {"de": "Keines", "en": "None"}, "exclusive": True}]
    question_in(document, "future")["items"] = [{"id": i, "label": i.title()} for i in ITEMS]
    question_in(document, "primary")["options"] = [{"id": n, "label": n.title()}
                                                   for n in NETWORKS[:5]]
    if shuffle:
        for question_id in ("networks", "primary", "activity", "future"):
            question_in(document, question_id)["shuffle"] = True
    return document


def _order(html: str, name_pattern: str) -> list[str]:
    return re.findall(rf'name="{name_pattern}" id="[^"]*"\s+value="([^"]+)"', html)


def _networks_order(html):
    return _order(html, "networks")


def _row_order(html, question_id):
    return list(dict.fromkeys(re.findall(rf'name="{question_id}__row__([a-z0-9_]+)"', html)))


def _first_page_answers(page_html):
    hidden = input_values(page_html)
    return {"page": "first", "submission_id": hidden["submission_id"], "action": "next",
            "consent": "y", "networks": ["xing", "bluesky", "reddit", "other"],
            "networks__other": "Friendica", "primary": "xing", "country": "de"}


@pytest.fixture
def shuffled(make_survey):
    return make_survey(**_document())


def test_two_respondents_see_options_rows_and_items_in_different_orders(app, shuffled):
    orders = []
    for _respondent in range(4):
        client = app.test_client()
        page = client.get("/s/shuffled").text
        orders.append(tuple(_networks_order(page)))
    assert len(set(orders)) > 1, "four respondents, one order"
    for order in orders:
        assert sorted(order[:-2]) == sorted(NETWORKS)
        assert order[-2:] == ("none", "other"), "exclusive and other options stay last"


def test_one_respondent_sees_the_same_order_on_back_and_after_resuming(app, shuffled):
    client = app.test_client()
    first = client.get("/s/shuffled").text
    order = _networks_order(first)
    assert client.post("/s/shuffled", data=_first_page_answers(first)).status_code == 302
    second = client.get("/s/shuffled").text
    rows = _row_order(second, "activity")
    assert sorted(rows[:-1]) == ["bluesky", "reddit", "xing"] and rows[-1] == "other"
    back = client.post("/s/shuffled", data={"page": "second", "action": "back"})
    assert back.status_code == 302
    again = client.get("/s/shuffled").text
    assert _networks_order(again) == order
    saved = client.post("/s/shuffled", data={**_first_page_answers(again), "action": "save"})
    assert saved.status_code == 302
    link = re.search(r'class="resume-link">[^<]*(/s/shuffled/resume/[^<]+)</a>',
                     client.get(saved.headers["Location"]).text)[1]
    elsewhere = app.test_client()
    assert elsewhere.get(link).status_code == 302
    assert _networks_order(elsewhere.get("/s/shuffled").text) == order


def test_a_page_with_errors_keeps_the_order(app, shuffled):
    client = app.test_client()
    first = client.get("/s/shuffled").text
    data = {**_first_page_answers(first), "consent": ""}
    refused = client.post("/s/shuffled", data=data)
    assert refused.status_code == 422
    assert _networks_order(refused.text) == _networks_order(first)


def test_findings_are_the_same_for_shuffled_and_unshuffled_surveys(app, make_survey):
    plain = make_survey(**_document("plain", shuffle=False))
    shuffled = make_survey(**_document("shuffled", shuffle=True))
    for seed in range(12):
        fixed = {"networks": ["xing", "linkedin", "reddit"] if seed % 2 else ["none"],
                 "agree": "yes"}
        for definition in (plain, shuffled):
            walk(app.test_client(), definition, random.Random(seed), "en", fixed)
    db.session.remove()
    stored = {slug: sorted(repr(answers) for answers in db.session.scalars(
        select(Response.answers).join(SurveyVersion).join(Survey).where(Survey.slug == slug)))
        for slug in ("plain", "shuffled")}
    assert len(stored["plain"]) == 12 and stored["plain"] == stored["shuffled"]
    results = {}
    for definition in (plain, shuffled):
        _source, frame = current_frame(find_survey(definition.slug))
        results[definition.slug] = [(r.finding_id, r.n, r.table)
                                    for r in compute_findings(frame, definition)]
    assert results["plain"] == results["shuffled"]
