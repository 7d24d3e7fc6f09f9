"""Anonymity by design: a response holds no person, a participation holds only an HMAC."""

import re
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from survey.extensions import db
from survey.models import Draft, Participation, Response, Survey
from survey.responses import participation_key
from tests.helpers.clients import isolated_client
from tests.helpers.database import ON_POSTGRES
from tests.helpers.factories import COMPLETE_ANSWERS
from tests.helpers.pages import finish_factory_survey

HMAC_HEX = re.compile(r"\A[0-9a-f]{64}\Z")
# frame_record holds the same answers, version, day and demo flag again, coded for the
# frame (survey.definition.records).
# unmixed: written since the last mix (survey.mixing), which clears it.
RESPONSE_COLUMNS = {"id", "survey_version_id", "submission_key", "language", "submitted_on",
                    "answers", "frame_record", "is_demo", "unmixed"}


@pytest.fixture
def client(app):
    """A browser of its own (see IsolatedClient): what one browser did stays in it."""
    return isolated_client(app)


@pytest.fixture
def survey(make_survey):
    make_survey()
    return db.session.scalar(select(Survey).where(Survey.slug == "test-survey"))


def rows(model):
    db.session.rollback()  # see what the requests committed
    return db.session.scalars(select(model)).all()


def respondent_cookie(client) -> str:
    cookie = client.get_cookie("resonanz_respondent")
    assert cookie is not None
    return cookie.value


def test_member_submission_keeps_only_hmacs_of_the_respondent(client, survey, make_user,
                                                               login_as):
    member = login_as(make_user())
    finish_factory_survey(client)

    [response] = rows(Response)
    assert response.answers == COMPLETE_ANSWERS
    participations = rows(Participation)
    keys = {p.key for p in participations}
    assert len(participations) == 2  # this browser and this account
    assert all(HMAC_HEX.match(key) for key in keys)
    assert keys == {participation_key(survey, f"user:{member.id}"),
                    participation_key(survey, f"browser:{respondent_cookie(client)}")}
    # Nothing about the member in the response, and nothing of the response in a participation.
    stored = repr({c: getattr(response, c) for c in RESPONSE_COLUMNS})
    assert member.email not in stored
    assert response.submission_key not in keys


def test_anonymous_submission_keeps_one_hmac_of_the_browser(client, survey):
    finish_factory_survey(client)
    [participation] = rows(Participation)
    assert HMAC_HEX.match(participation.key)
    assert participation.key == participation_key(
        survey, f"browser:{respondent_cookie(client)}")
    assert respondent_cookie(client) not in participation.key
    assert len(rows(Response)) == 1


def test_answered_survey_is_recognised_without_linking_to_the_answers(app, client, survey,
                                                                      make_user, login_as):
    member = login_as(make_user())
    finish_factory_survey(client)
    # Another browser of the same member: the account's HMAC says "answered", no form.
    other_browser = isolated_client(app)
    login = other_browser.post("/login", data={"email": member.email,
                                               "password": "correct horse battery"})
    assert login.status_code == 302
    page = other_browser.get("/s/test-survey")
    assert page.status_code == 200
    assert 'name="submission_id"' not in page.get_data(as_text=True)
    assert len(rows(Response)) == 1


def test_submitting_deletes_the_draft(client, survey):
    finish_factory_survey(client)
    assert rows(Draft) == []
    with client.session_transaction() as session:
        assert "test-survey" not in session.get("drafts", {})


def test_response_columns_are_exactly_the_anonymous_ones():
    assert set(Response.__table__.columns.keys()) == RESPONSE_COLUMNS


def test_response_refers_only_to_its_survey_version():
    targets = {fk.column.table.name for fk in Response.__table__.foreign_keys}
    assert targets == {"survey_version"}


def test_participation_is_a_bare_key():
    assert set(Participation.__table__.columns.keys()) == {"key"}
    assert not Participation.__table__.foreign_keys
    referring = [table.name for table in db.metadata.sorted_tables
                 if any(fk.column.table is Participation.__table__ for fk in table.foreign_keys)]
    assert referring == []


def test_migrated_schema_matches_the_models(app):
    """The database itself, as migrated, has no more columns than the models say."""
    inspector = sa.inspect(db.engine)
    assert {c["name"] for c in inspector.get_columns("response")} == RESPONSE_COLUMNS
    assert {c["name"] for c in inspector.get_columns("participation")} == {"key"}
    assert inspector.get_foreign_keys("participation") == []
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("response")} == {
        "survey_version"}


def test_response_keeps_the_day_only(client, survey):
    finish_factory_survey(client)
    [response] = rows(Response)
    assert type(response.submitted_on) is date
    raw = db.session.scalar(sa.text("SELECT submitted_on FROM response"))
    assert len(str(raw)) == len("2012-01-31")  # no time of day stored in the column


@pytest.mark.skipif(ON_POSTGRES, reason="WITHOUT ROWID is SQLite's")
def test_participation_table_has_no_rowid_on_sqlite(app):
    sql = db.session.scalar(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'participation'"))
    assert sql is not None
    assert "WITHOUT ROWID" in sql.upper()

