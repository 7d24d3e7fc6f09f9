"""Through the real `make run` server: rate limits hold across processes, and a stopped
PostgreSQL, a stopped Redis, a full disk answer 503 with Retry-After, log one
line per outage and worker, recover by themselves and lose nothing acknowledged.

The PostgreSQL and Redis stopped here are this test's own, never the shared cluster."""

import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.helpers.factories import ARTICLE_ANSWERS
from tests.helpers.servers import (
    HOST,
    IN_CI,
    MakeRun,
    PrivatePostgres,
    PrivateRedis,
    post_json,
    request,
    server_database,
    wait_until,
)

SURVEY = "/api/v1/surveys/xing-linkedin"
SUBMIT = f"{SURVEY}/responses"
LIMIT = 5
WORKERS = 2



def submit(port: int, submission_id: str | None = None):
    return post_json(port, SUBMIT, {"submission_id": submission_id or uuid.uuid4().hex,
                                    "language": "en", "answers": ARTICLE_ANSWERS})


def login(port: int, email: str = "nobody@example.org"):
    """A wrong password posted through the login form, as a browser posts it."""
    browser = requests.Session()
    page = browser.get(f"http://{HOST}:{port}/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    reply = browser.post(f"http://{HOST}:{port}/login", timeout=10, data={
        "email": email, "password": "not it", "csrf_token": token.group(1) if token else ""})
    browser.close()
    return reply


def outage_lines(server: MakeRun, *kinds: str) -> list[str]:
    return [line for line in server.text().splitlines()
            if any(f"{kind} unavailable (" in line for kind in kinds)]


def assert_one_line_per_outage(server: MakeRun, *kinds: str) -> None:
    """At most one line per worker and kind as the outage begins, and as it ends (a worker
    logs the end when it next serves such a request, which only some may have done)."""
    most = WORKERS * len(kinds)
    assert 1 <= len(outage_lines(server, *kinds)) <= most, server.text()[-3000:]
    assert "Traceback" not in server.text()
    recovered = [line for line in server.text().splitlines()
                 if any(f"{kind} available again after" in line for kind in kinds)]
    assert len(recovered) <= most, server.text()[-3000:]


def stored_submissions(uri: str) -> int:
    engine = sa.create_engine(uri)
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM response"))
    engine.dispose()
    return count


def check_complete_answers(server: MakeRun) -> None:
    reply = submit(server.port)
    assert reply.status == 201, reply.body


# -- rate limits across processes ------------------------------------------------------------


def assert_limit_shared(first: MakeRun, second: MakeRun) -> None:
    """LIMIT logins spread over both servers use up one shared count."""
    statuses = [login((first, second)[n % 2].port).status_code for n in range(LIMIT)]
    assert statuses == [422] * LIMIT
    assert login(first.port).status_code == 429
    assert login(second.port).status_code == 429


def test_rate_limits_hold_across_processes_with_the_default_storage(tmp_path, worker_id):
    uri = server_database(tmp_path, worker_id, "limits")
    settings = {"RESONANZ_RATELIMIT_LOGIN": f"{LIMIT} per hour"}
    # Two servers of one worker each: two processes, as two hosts (or two workers) would be.
    with MakeRun(tmp_path, uri, workers=1, **settings) as first, \
            MakeRun(tmp_path, uri, workers=1, **settings) as second:
        check_complete_answers(first)
        assert_limit_shared(first, second)


def test_rate_limits_hold_across_processes_on_redis_and_survive_its_outage(tmp_path, worker_id):
    uri = server_database(tmp_path, worker_id, "redis")
    with PrivateRedis(tmp_path) as redis:
        settings = {"RESONANZ_RATELIMIT_LOGIN": f"{LIMIT} per hour",
                    "RESONANZ_RATELIMIT_STORAGE_URI": redis.uri}
        with MakeRun(tmp_path, uri, workers=1, **settings) as first, \
                MakeRun(tmp_path, uri, workers=1, **settings) as second:
            assert_limit_shared(first, second)
            redis.stop()
            refused = login(first.port, "someone@example.org")
            assert refused.status_code == 503
            assert int(refused.headers["retry-after"]) > 0
            assert "Temporarily unavailable" in refused.text
            assert login(second.port, "someone@example.org").status_code == 503
            assert request("GET", first.port, "/login").status == 200  # reading goes on
            assert request("GET", second.port, SURVEY).status == 200
            redis.start()  # empty again: it kept nothing
            wait_until(lambda: login(first.port, "someone@example.org").status_code == 422,
                       timeout=60, what="limits to work again")
            assert login(second.port, "someone@example.org").status_code == 422
        for server in (first, second):
            assert_one_line_per_outage(server, "rate-limit storage")


# -- a stopped PostgreSQL --------------------------------------------------------------------


def test_a_stopped_postgres_answers_503_and_the_site_recovers_by_itself(tmp_path):
    with PrivatePostgres() as postgres:
        with MakeRun(tmp_path, postgres.uri) as server:
            acknowledged = sum(submit(server.port).status == 201 for _ in range(10))
            assert acknowledged == 10
            postgres.stop()
            for _ in range(10):
                page = request("GET", server.port, "/?lang=de")
                assert page.status == 503
                assert int(page.headers["retry-after"]) > 0
                assert "Vorübergehend nicht verfügbar" in page.body.decode()
                api = submit(server.port)
                assert api.status == 503
                assert api.json()["error"]["code"] == "service_unavailable"
            assert request("GET", server.port, "/healthz").status == 200
            assert request("GET", server.port, "/readyz").status == 503
            postgres.start()
            wait_until(lambda: request("GET", server.port, "/readyz").status == 200,
                       timeout=60, what="readiness after the restart")
            for _ in range(4):  # every worker's pool finds its way back
                assert submit(server.port).status == 201
                assert request("GET", server.port, "/").status == 200
                acknowledged += 1
            assert_one_line_per_outage(server, "database")
        assert stored_submissions(postgres.uri) == acknowledged


# -- a full or read-only disk ----------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB filesystem of the test's own (tmpfs), to fill up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if IN_CI:
            pytest.fail(f"CI must be able to mount a tmpfs: {done.stderr}")
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros until the disk is full. Unbuffered: a buffered file kept what did not fit
    and raised "no space left" again when it was closed."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_a_full_disk_answers_503_and_the_site_recovers(tmp_path, small_disk):
    uri = f"sqlite:///{small_disk / 'resonanz.sqlite3'}"
    with MakeRun(tmp_path, uri, RESONANZ_INSTANCE_PATH=str(small_disk / "instance")) as server:
        acknowledged = sum(submit(server.port).status == 201 for _ in range(5))
        filler = fill(small_disk)
        for _ in range(10):
            full = submit(server.port)
            assert full.status == 503, full.body
            assert int(full.headers["retry-after"]) > 0
        assert request("GET", server.port, "/readyz").status == 503
        filler.unlink()
        wait_until(lambda: submit(server.port).status == 201, timeout=60,
                   what="submissions after the disk has room again")
        acknowledged += 1
        for _ in range(3):
            assert submit(server.port).status == 201
            acknowledged += 1

        assert "Traceback" not in server.text()
        # The disk holds the database and the limiter's counters: either may notice first.
        assert_one_line_per_outage(server, "database writes", "rate-limit storage")
    assert stored_submissions(uri) == acknowledged
