"""The API keeps its survey lookup for SURVEY_CACHE_SECONDS, and no longer."""

import time
import uuid

import pytest
from sqlalchemy import event, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Survey
from tests.helpers.factories import COMPLETE_ANSWERS

TTL = 0.5


@pytest.fixture
def app_config():
    return {"SURVEY_CACHE_SECONDS": TTL}


def _submit(client):
    return client.post("/api/v1/surveys/test-survey/responses", json={
        "submission_id": uuid.uuid4().hex, "language": "en", "answers": COMPLETE_ANSWERS})


def _survey_lookups(app, client, submissions):
    statements = []

    def record(_conn, _cursor, statement, *_args):
        if "FROM survey_version JOIN survey" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(submissions):
            assert _submit(client).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_submissions_within_the_cache_time_look_the_survey_up_once(app, client, make_survey):
    make_survey()
    assert _survey_lookups(app, client, 3) == 1


def test_closing_a_survey_reaches_the_api_after_the_cache_time(app, client, make_survey):
    make_survey()
    assert _submit(client).status_code == 201
    with write_transaction():
        db.session.scalar(select(Survey).where(Survey.slug == "test-survey")).is_open = False
    time.sleep(TTL + 0.1)
    response = _submit(client)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "closed"
