"""A survey outside its opening and closing dates answers as closed, on pages and the API."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers.factories import COMPLETE_ANSWERS

SOON = (datetime.now(UTC) + timedelta(days=3)).isoformat()
LATER = (datetime.now(UTC) + timedelta(days=30)).isoformat()
PAST = (datetime.now(UTC) - timedelta(days=30)).isoformat()
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).isoformat()
MESSAGE = {"de": "Die Ergebnisse erscheinen im Mai.", "en": "Results come out in May."}


def _response(client, slug="test-survey"):
    return client.post(f"/api/v1/surveys/{slug}/responses", json={
        "submission_id": "dates-0001", "language": "en", "answers": COMPLETE_ANSWERS})


@pytest.mark.parametrize(("dates", "heading"), [
    ({"opens_at": SOON}, "This survey is not open yet"),
    ({"opens_at": PAST, "closes_at": YESTERDAY}, "This survey is closed"),
])
def test_a_survey_outside_its_dates_answers_as_closed(app, client, make_survey, dates, heading):
    make_survey(**dates, closing_message=MESSAGE)
    page = client.get("/s/test-survey?lang=en")
    assert page.status_code == 403
    assert heading in page.text and "Results come out in May." in page.text
    assert client.post("/s/test-survey", data={"page": "first"}).status_code == 403
    refused = _response(client)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "closed"
    assert client.get("/api/v1/surveys").json["surveys"] == []
    assert client.get("/api/v1/surveys/test-survey").json["is_open"] is False
    assert "/s/test-survey" not in client.get("/").text


def test_the_closing_message_is_shown_in_the_page_language(app, client, make_survey):
    make_survey(closes_at=YESTERDAY, closing_message=MESSAGE)
    assert "Die Ergebnisse erscheinen im Mai." in client.get("/s/test-survey?lang=de").text


def test_a_survey_within_its_dates_takes_answers(app, client, make_survey):
    make_survey(opens_at=YESTERDAY, closes_at=LATER)
    assert client.get("/s/test-survey").status_code == 200
    assert _response(client).status_code == 201
    assert [s["slug"] for s in client.get("/api/v1/surveys").json["surveys"]] == ["test-survey"]
