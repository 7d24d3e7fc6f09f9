"""The mix: new random ids for what came since the last one, every participation rewritten,
expired drafts gone; nothing lost, nobody answering twice; and the mixer that runs it alone."""

import fcntl
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.mixer import stop_mixer
from survey.mixing import _ADVISORY_KEY, full_mix_due, mix, unmixed_count
from survey.models import Draft, MixState, Participation, Response
from survey.responses import AlreadyAnswered, participation_key, submit_response
from survey.surveys import find_survey, newest_version
from tests.conftest import ON_POSTGRES
from tests.helpers.clients import isolated_client
from tests.helpers.factories import COMPLETE_ANSWERS
from tests.helpers.pages import FACTORY_PAGES, finish_factory_survey

SLUG = "test-survey"


@pytest.fixture
def survey(make_survey):
    make_survey()
    return find_survey(SLUG)


def responses() -> list[dict]:
    db.session.rollback()
    table = Response.__table__
    return [dict(row) for row in db.session.execute(select(table)).mappings()]


def waiting() -> int:
    """How many responses wait for a mix, as committed (not as an old snapshot saw it)."""
    db.session.rollback()
    return unmixed_count()


def participation_keys() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Participation.key)))


def api_submit(client, submission_id: str, answers=COMPLETE_ANSWERS):
    return client.post(f"/api/v1/surveys/{SLUG}/responses",
                       json={"submission_id": submission_id, "language": "en",
                             "answers": answers})


def test_the_mix_gives_new_ids_and_keeps_every_other_column(app, survey):
    client = isolated_client(app)
    for number in range(3):
        assert api_submit(client, f"submission-{number}").status_code == 201
    before = responses()
    assert all(row["unmixed"] for row in before)
    result = mix()
    assert (result.responses, result.wal_truncated) == (3, True)
    after = responses()
    assert not {row["id"] for row in before} & {row["id"] for row in after}
    assert all(0 <= row["id"] < 2 ** 63 for row in after)
    assert not any(row["unmixed"] for row in after)

    def kept(rows):
        return sorted(tuple((name, repr(value)) for name, value in sorted(row.items())
                            if name not in ("id", "unmixed")) for row in rows)

    assert kept(after) == kept(before)  # every column but the id and the flag, as it was


def test_nothing_waiting_means_nothing_rewritten(app, survey):
    assert api_submit(isolated_client(app), "submission-1").status_code == 201
    assert mix().responses == 1
    again = mix()
    assert (again.responses, again.participations, again.drafts) == (0, 0, 0)


def test_participations_are_kept_and_nobody_answers_twice_across_a_mix(app, survey):
    browser = isolated_client(app)
    finish_factory_survey(browser)
    key = participation_key(survey, f"browser:{browser.get_cookie('resonanz_respondent').value}")
    assert participation_keys() == {key}
    assert mix().participations == 1
    assert participation_keys() == {key}
    page = browser.get(f"/s/{SLUG}")  # the same browser again: answered, no form
    assert page.status_code == 200
    assert 'name="submission_id"' not in page.text
    browser_key = f"browser:{browser.get_cookie('resonanz_respondent').value}"
    with pytest.raises(AlreadyAnswered):
        submit_response(newest_version(survey), COMPLETE_ANSWERS, submission_id="another-one",
                        language="en", respondent_keys=[browser_key])
    assert len(responses()) == 1


def test_a_replayed_submission_after_a_mix_stores_nothing(app, survey):
    client = isolated_client(app)
    assert api_submit(client, "replayed-submission").status_code == 201
    mix()
    replay = api_submit(client, "replayed-submission")
    assert replay.status_code == 200 and replay.json["status"] == "already_stored"
    assert len(responses()) == 1


def test_every_participation_is_rewritten_in_key_order(app, survey):
    for _respondent in range(5):
        finish_factory_survey(isolated_client(app))
    keys = participation_keys()
    assert len(keys) == 5
    assert mix().participations == 5
    assert participation_keys() == keys
    if not ON_POSTGRES:  # the order rows were written in: key order, not arrival
        physical = list(db.session.scalars(sa.text("SELECT key FROM participation")))
        assert physical == sorted(keys)


def store_draft(expires_on: date) -> None:
    version = newest_version(find_survey(SLUG))
    with write_transaction():
        db.session.add(Draft(token_hash=uuid.uuid4().hex, survey_version_id=version.id,
                             submission_id=uuid.uuid4().hex, language="en", page_id="first",
                             answers={}, expires_on=expires_on))


def test_the_mix_deletes_expired_drafts(app, survey):
    today = datetime.now(UTC).date()
    store_draft(today - timedelta(days=1))
    store_draft(today)
    assert mix().drafts == 1
    db.session.rollback()
    assert db.session.scalars(select(Draft.expires_on)).all() == [today]


def test_a_draft_expires_on_a_day_not_at_a_time(app, survey):
    client = isolated_client(app)
    page = client.get(f"/s/{SLUG}")
    hidden = {"page": "first", "action": "save", "submission_id": "draft-submission",
              **FACTORY_PAGES["first"]}
    assert page.status_code == 200
    assert client.post(f"/s/{SLUG}", data=hidden).status_code == 302
    db.session.rollback()
    [expires] = db.session.scalars(sa.text("SELECT expires_on FROM draft")).all()
    assert len(str(expires)) == len("2012-01-31")
    lifetime = app.config["DRAFT_LIFETIME_DAYS"]
    assert str(expires) == str(datetime.now(UTC).date() + timedelta(days=lifetime))
    columns = {c["name"]: c["type"] for c in sa.inspect(db.engine).get_columns("draft")}
    assert "expires_at" not in columns
    assert isinstance(columns["expires_on"], sa.Date)


def test_a_full_mix_rewrites_every_response_and_notes_the_day(app, survey):
    client = isolated_client(app)
    for number in range(3):
        assert api_submit(client, f"full-mix-{number}").status_code == 201
    mix()
    ids = {row["id"] for row in responses()}
    assert api_submit(client, "full-mix-new").status_code == 201
    result = mix(full=True)
    assert result.full and result.responses == 1
    assert ids < {row["id"] for row in responses()}  # the others keep theirs
    db.session.rollback()
    assert db.session.get(MixState, 1).full_mixed_on == datetime.now(UTC).date()
    assert not full_mix_due(0)


def test_the_full_mix_is_due_once_a_day_past_its_hour(app, survey):
    morning = datetime(2030, 5, 6, 2, 0, tzinfo=UTC)
    assert not full_mix_due(3, morning)
    assert full_mix_due(3, morning.replace(hour=3))
    assert not full_mix_due(None, morning.replace(hour=12))
    with write_transaction():
        db.session.merge(MixState(id=1, full_mixed_on=date(2030, 5, 6)))
    assert not full_mix_due(3, morning.replace(hour=12))
    assert full_mix_due(3, morning + timedelta(days=1, hours=1))


def test_one_mix_at_a_time(app, survey):
    """While another process mixes, a mix that may not wait returns at once, doing nothing."""
    assert api_submit(isolated_client(app), "locked-out").status_code == 201
    with holding_the_mix_lock():
        assert mix() is None
    assert waiting() == 1
    assert mix().responses == 1


class holding_the_mix_lock:
    """Hold the lock another mixing process would hold (a file lock on SQLite, an advisory
    lock on PostgreSQL), from a connection of its own."""

    def __enter__(self):
        if ON_POSTGRES:
            self.connection = db.engine.connect()
            self.connection.execute(sa.text("SELECT pg_advisory_lock(:key)"),
                                    {"key": _ADVISORY_KEY})
        else:
            self.handle = open(f"{db.engine.url.database}.mix-lock", "a")  # noqa: SIM115
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        if ON_POSTGRES:
            self.connection.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            self.connection.close()
        else:
            self.handle.close()


def test_the_mix_command_mixes_and_says_what_it_did(app, survey):
    assert api_submit(isolated_client(app), "by-command").status_code == 201
    result = app.test_cli_runner().invoke(args=["privacy", "mix"])
    assert result.exit_code == 0, result.output
    assert "mix: 1 responses, 0 participations, 0 expired drafts" in result.output
    assert waiting() == 0


def wait_until(condition, seconds: float = 60.0) -> bool:
    """Poll `condition` until it holds (True) or `seconds` pass (False): the mixer runs in
    a thread of its own. Not a measurement: the deadline only ends a hung test."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def mixing_app(app):
    """The app with its mixer on, as a server runs it: it mixes once 3 responses wait, or one
    has waited a minute."""
    app.config.update(PRIVACY_MIX_IN_BACKGROUND=True, PRIVACY_MIX_RESPONSES=3,
                      PRIVACY_MIX_MINUTES=1,
                      PRIVACY_MIX_CHECK_SECONDS=0.05, PRIVACY_MIX_PAUSE_SECONDS=0)
    from survey import mixer

    mixer.init_app(app)  # what create_app does when PRIVACY_MIX_IN_BACKGROUND is on
    yield app
    stop_mixer(app)


def test_the_mixer_mixes_by_itself_once_enough_responses_wait(mixing_app, survey):
    client = isolated_client(mixing_app)
    assert client.get("/").status_code == 200  # the first request starts the mixer
    mixer = mixing_app.extensions["resonanz_mixer"]
    assert wait_until(lambda: mixer.checks > 0)  # its first look found nothing waiting
    for number in range(2):
        assert api_submit(client, f"waiting-{number}").status_code == 201
    assert waiting() == 2  # fewer than 3 wait, and not for a minute yet
    assert api_submit(client, "the-third").status_code == 201
    assert wait_until(lambda: waiting() == 0)
    assert len(responses()) == 3


def test_the_mixer_mixes_a_lone_response_once_it_has_waited(mixing_app, survey):
    mixing_app.config["PRIVACY_MIX_MINUTES"] = 0.5 / 60  # half a second
    client = isolated_client(mixing_app)
    assert api_submit(client, "alone-here").status_code == 201
    assert wait_until(lambda: waiting() == 0)


def test_the_mixer_mixes_what_waits_when_it_starts(mixing_app, survey):
    version = newest_version(find_survey(SLUG))
    submit_response(version, COMPLETE_ANSWERS, submission_id="before-the-start",
                    language="en", respondent_keys=[])
    assert waiting() == 1
    assert isolated_client(mixing_app).get("/").status_code == 200
    assert wait_until(lambda: waiting() == 0)


def test_a_mixer_waiting_out_its_pause_holds_no_snapshot(mixing_app, survey, database_uri):
    """A snapshot held through the pause kept another process's mix from truncating the
    WAL, and submissions waited behind every truncation it tried meanwhile."""
    if ON_POSTGRES:
        pytest.skip("SQLite's WAL")
    mixing_app.config["PRIVACY_MIX_PAUSE_SECONDS"] = 60
    client = isolated_client(mixing_app)
    assert client.get("/").status_code == 200  # starts the mixer
    mixer = mixing_app.extensions["resonanz_mixer"]
    assert wait_until(lambda: mixer.checks > 0)
    mixer.last_mix = time.monotonic()  # it has just mixed: the next mix waits a minute
    for number in range(3):
        assert api_submit(client, f"pausing-{number}").status_code == 201
    time.sleep(0.5)  # it woke (3 written), found them waiting and pauses now
    assert waiting() == 3  # not mixed: pausing
    db.session.remove()
    other = sa.create_engine(database_uri, poolclass=sa.pool.NullPool)
    with other.connect() as connection:  # as another process's mix would, not waiting
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        busy, _frames, _copied = connection.exec_driver_sql(
            "PRAGMA wal_checkpoint(TRUNCATE)").one()
    other.dispose()
    assert busy == 0


def test_responses_stored_in_bulk_as_demo_data_need_no_mix(app, article_survey):
    from tests.helpers.releasing import add_demo_responses

    add_demo_responses(article_survey, 20)
    assert unmixed_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Response)) == 20


def test_ids_are_random_not_counting_up(app, survey):
    client = isolated_client(app)
    ids = []
    for number in range(8):
        assert api_submit(client, f"counting-{number}").status_code == 201
        [new] = {row["id"] for row in responses()} - set(ids)
        ids.append(new)
    # In the order they came, neither rising nor falling (each has odds of 1 in 40,320).
    assert ids != sorted(ids) and ids != sorted(ids, reverse=True)
    assert max(ids) > 2 ** 40  # drawn from 63 bits, not counted from 1
    if not ON_POSTGRES:
        rowids = dict(db.session.execute(sa.text("SELECT rowid, id FROM response")).all())
        assert all(rowid == value for rowid, value in rowids.items())  # id is the rowid


def test_the_response_table_has_no_sequence_on_postgresql(app):
    if not ON_POSTGRES:
        pytest.skip("sequences are PostgreSQL's")
    default = db.session.scalar(sa.text(
        "SELECT column_default FROM information_schema.columns "
        "WHERE table_name = 'response' AND column_name = 'id'"))
    assert default is None
    assert db.session.scalar(sa.text(
        "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relname LIKE 'response%'")) == 0
