"""Many respondents at once: every accepted response is stored, once, without "database is locked".

The `app` fixture keeps its data in a file (SQLite in WAL mode) or on PostgreSQL, so
these threads really compete for the database's write lock.
"""

import copy
import logging
import threading
import uuid

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Draft, Participation, Response, Survey
from survey.responses import submission_key
from tests.helpers.factories import COMPLETE_ANSWERS
from tests.helpers.pages import finish_factory_survey

THREADS = 8
RESPONSES_PER_THREAD = 10
SUBMIT_URL = "/api/v1/surveys/test-survey/responses"


def run_together(work, count=THREADS):
    """Run work(index) in `count` threads released at the same moment; returns their results.

    An exception in a thread is returned as its result, so that the test reports it.
    """
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # reported below, in the test's own thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, Exception):
            raise AssertionError(f"a thread failed: {result!r}") from result
    return results


def varied_answers(thread: int, number: int) -> dict:
    """A complete, valid response that differs from the others."""
    answers = copy.deepcopy(COMPLETE_ANSWERS)
    answers["weekly"] = thread * RESPONSES_PER_THREAD + number
    answers["country"] = ("de", "at")[number % 2]
    answers["future"] = [["linkedin", "xing", "facebook"], ["xing", "facebook", "linkedin"]][
        thread % 2]
    return answers


def count(model) -> int:
    db.session.rollback()  # a fresh snapshot: the threads committed in other sessions
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def survey(make_survey):
    make_survey()
    return db.session.scalar(select(Survey).where(Survey.slug == "test-survey"))


@pytest.fixture
def captured_log(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


def assert_no_lock_errors(outcomes, caplog):
    texts = [body for _status, body in outcomes] + [r.getMessage() for r in caplog.records]
    texts += [r.exc_text or "" for r in caplog.records]
    assert not [t for t in texts if "locked" in t.lower()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_simultaneous_api_submissions_are_all_stored(app, survey, captured_log):
    def submit_many(thread):
        client = app.test_client()
        outcomes = []
        for number in range(RESPONSES_PER_THREAD):
            submission_id = f"thread{thread}-response{number}-{uuid.uuid4().hex[:8]}"
            response = client.post(SUBMIT_URL, json={
                "submission_id": submission_id, "language": "de",
                "answers": varied_answers(thread, number)})
            outcomes.append((response.status_code, response.get_data(as_text=True),
                             submission_id))
        return outcomes

    outcomes = [o for result in run_together(submit_many) for o in result]
    assert len(outcomes) == THREADS * RESPONSES_PER_THREAD
    assert [(s, b) for s, b, _id in outcomes if s != 201] == []
    assert_no_lock_errors([(s, b) for s, b, _id in outcomes], captured_log)

    assert count(Response) == len(outcomes)
    stored = db.session.scalars(select(Response)).all()
    assert {r.submission_key for r in stored} == {
        submission_key(survey, submission_id) for _s, _b, submission_id in outcomes}
    assert sorted(r.answers["weekly"] for r in stored) == list(range(len(outcomes)))


def test_one_submission_id_sent_by_many_threads_is_stored_once(app, survey, captured_log):
    body = {"submission_id": uuid.uuid4().hex, "language": "en", "answers": COMPLETE_ANSWERS}

    def submit(_thread):
        response = app.test_client().post(SUBMIT_URL, json=body)
        return response.status_code, response.get_json()

    outcomes = run_together(submit)
    statuses = sorted(status for status, _body in outcomes)
    assert statuses == [200] * (THREADS - 1) + [201], outcomes
    assert sorted(b["status"] for _s, b in outcomes) == (
        ["already_stored"] * (THREADS - 1) + ["stored"])
    assert_no_lock_errors([(s, str(b)) for s, b in outcomes], captured_log)
    assert count(Response) == 1


def test_browsers_finishing_the_survey_together_are_all_stored(app, survey, captured_log):
    clients = [app.test_client() for _ in range(THREADS)]

    def finish(thread):
        final = finish_factory_survey(clients[thread])
        thanks = clients[thread].get(final.headers["Location"])
        return thanks.status_code, thanks.get_data(as_text=True)

    outcomes = run_together(finish)
    assert [status for status, _page in outcomes] == [200] * THREADS
    assert_no_lock_errors(outcomes, captured_log)
    assert count(Response) == THREADS
    # Each browser's participation is remembered, and every draft is gone.
    assert count(Participation) == THREADS
    assert count(Draft) == 0
    for client in clients:
        again = client.get("/s/test-survey")
        assert again.status_code == 200
        assert 'name="submission_id"' not in again.get_data(as_text=True)
