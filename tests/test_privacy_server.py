"""The privacy promise against the real `make run` server: its log pairs no address with a
survey page and holds no token; responses acknowledged while mixes run survive `kill -9` of
the server and of the mixing process, and nobody answers twice across them."""

import os
import re
import signal
import subprocess
import sys
import threading
import uuid

import requests
import sqlalchemy as sa
import yaml

from tests.helpers.factories import COMPLETE_ANSWERS, survey_document
from tests.helpers.pages import FACTORY_PAGES, input_values
from tests.helpers.servers import HOST, ROOT, MakeRun, server_database, wait_until

SLUG = "test-survey"
USER_AGENT = "Resonanz-Privacy-Probe/1.0 (tests)"
RESUME_LINK = re.compile(r'class="resume-link">https?://[^<]*?(/s/[^<]+/resume/([^<]+))</a>')
ANSWERED = "You have already answered this survey"
# Submits as fast as a test can make them: the per-address limit would refuse them.
# A mix comes within about a second of a response, whichever worker wrote it: with fewer
# than PRIVACY_MIX_RESPONSES waiting, a mixer started before they came waits the minutes.
SETTINGS = {"RESONANZ_RATELIMIT_SUBMIT": "100000 per minute",
            "RESONANZ_PRIVACY_MIX_MINUTES": "0.02",
            "RESONANZ_PRIVACY_MIX_RESPONSES": "5", "RESONANZ_PRIVACY_MIX_CHECK_SECONDS": "0.5",
            "RESONANZ_PRIVACY_MIX_PAUSE_SECONDS": "0"}


def load_factory_survey(server: MakeRun) -> None:
    """The factory survey into the server's database, through the command line."""
    path = server.tmp / "test-survey.yaml"
    path.write_text(yaml.safe_dump(survey_document(), allow_unicode=True))
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", "survey", "load",
                    str(path)], cwd=ROOT, env=server.env, check=True, capture_output=True,
                   timeout=120)
    wait_until(lambda: Browser(server.port).get(f"/s/{SLUG}").status_code == 200,
               timeout=30, what="the survey to be served")


class Browser:
    """A browser of its own (cookies, user agent) talking HTTP to the server."""

    def __init__(self, port: int):
        self.base = f"http://{HOST}:{port}"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=30)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.session.post(self.base + path, data=data, allow_redirects=False, timeout=30)

    def answer_page(self, action: str = "next") -> requests.Response:
        """Answer the page the survey shows now, as FACTORY_PAGES says."""
        page = self.get(f"/s/{SLUG}")
        assert page.status_code == 200, page.text
        hidden = input_values(page.text)
        data = {**FACTORY_PAGES[hidden["page"]], "action": action, "page": hidden["page"],
                "submission_id": hidden["submission_id"], "csrf_token": hidden["csrf_token"]}
        reply = self.post(f"/s/{SLUG}", data)
        assert reply.status_code == 302, reply.text
        return reply

    def finish(self) -> requests.Response:
        """Answer the pages left; the thank-you page."""
        for _page in FACTORY_PAGES:
            reply = self.answer_page()
            if reply.headers["Location"].endswith("/thanks"):
                thanks = self.get(f"/s/{SLUG}/thanks")
                assert thanks.status_code == 200
                return thanks
        raise AssertionError("the survey did not end")


def api_submit(port: int, submission_id: str) -> int:
    body = {"submission_id": submission_id, "language": "en", "answers": COMPLETE_ANSWERS}
    reply = requests.post(f"http://{HOST}:{port}/api/v1/surveys/{SLUG}/responses", json=body,
                          headers={"User-Agent": USER_AGENT}, timeout=30)
    return reply.status_code


# ------------------------------------------------------------------ the log


def test_the_log_of_a_survey_run_pairs_no_address_with_a_page_and_holds_no_token(
        tmp_path, worker_id):
    with MakeRun(tmp_path, server_database(tmp_path, worker_id, "log"), **SETTINGS) as server:
        load_factory_survey(server)
        first = Browser(server.port)
        saved = first.answer_page(action="save")
        link = RESUME_LINK.search(first.get(saved.headers["Location"].removeprefix(
            first.base)).text)
        assert link, "no resume link shown after saving"
        resume_path, token = link.groups()
        other = Browser(server.port)  # the link opened on another device
        assert other.get(resume_path).status_code == 302
        submission_id = input_values(other.get(f"/s/{SLUG}").text)["submission_id"]
        assert "Thank" in other.finish().text
        api_id = uuid.uuid4().hex
        assert api_submit(server.port, api_id) == 201
        wait_until(lambda: "mix: " in server.text(), timeout=60, what="the mixer's line")
        log = server.text()

    lines = log.splitlines()
    # The app's access log is there, with route templates...
    for template in ("GET /s/<slug> 200", "POST /s/<slug> 302",
                     "GET /s/<slug>/resume/<token> 302", "GET /s/<slug>/thanks 200",
                     "POST /api/v1/surveys/<slug>/responses 201"):
        assert any(template in line for line in lines), f"no line for {template}"
    # ...and no token, submission id, user agent or client address anywhere near them.
    for secret in (token, submission_id, api_id, USER_AGENT, "python-requests"):
        assert secret not in log
    addresses = [line for line in lines
                 if HOST in line and not re.search(r"Listening at: http://127\.0\.0\.1:\d+", line)]
    assert not addresses, addresses
    assert not [line for line in lines if re.search(rf"/s/{SLUG}\b", line)]  # paths, not templates


# ------------------------------------------------------------------ kill -9 during mixes

MIX_LOOP = """
import sys, time
from app import create_app
from survey.mixing import mix
app = create_app()
with app.app_context():
    for number in range(100000):
        result = mix(full=number % 3 == 2, wait=True)
        print("mixed", result.responses if result else "-", flush=True)
        time.sleep(0.02)
"""


class Submitter:
    """Threads posting API responses until stopped; which submission ids were acknowledged."""

    def __init__(self, port: int, threads: int = 2):
        self.port, self.stop = port, threading.Event()
        self.acknowledged: list[str] = []
        self.tried = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self) -> None:
        while not self.stop.is_set():
            submission_id = uuid.uuid4().hex
            with self.lock:
                self.tried += 1
            try:
                status = api_submit(self.port, submission_id)
            except requests.RequestException:
                continue  # the server is gone: not acknowledged
            if status == 201:
                with self.lock:
                    self.acknowledged.append(submission_id)


def kill_9(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def rows(database_uri: str, statement: str) -> int:
    engine = sa.create_engine(database_uri)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text(statement))
    finally:
        engine.dispose()


def test_acknowledged_responses_survive_kill_9_of_the_server_and_of_the_mixer(
        tmp_path, worker_id):
    database = server_database(tmp_path, worker_id, "crash")
    server = MakeRun(tmp_path, database, **SETTINGS)
    with server:
        load_factory_survey(server)
        before = Browser(server.port)  # answers before any mix
        assert "Thank" in before.finish().text
        mixing_log = tmp_path / "mixing.log"
        with mixing_log.open("wb") as output:
            mixer = subprocess.Popen([sys.executable, "-c", MIX_LOOP], cwd=ROOT,
                                     env=server.env, stdout=output, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            with Submitter(server.port) as submitter:
                during = Browser(server.port)  # answers while the mixes run
                assert "Thank" in during.finish().text
                wait_until(lambda: len(submitter.acknowledged) >= 40
                           and mixing_log.read_text().count("mixed") >= 4,
                           timeout=300, what="responses and mixes")
                # Mid-flight: submits on the way, a mix (or its VACUUM) likely under way.
                kill_9(mixer)
                kill_9(server.process)
            acknowledged = list(submitter.acknowledged)
        finally:
            if mixer.poll() is None:
                kill_9(mixer)
    assert "Traceback" not in mixing_log.read_text()

    with MakeRun(tmp_path, database, **SETTINGS) as again:
        # Every acknowledged response is there: sent again, each is recognised as stored.
        assert {api_submit(again.port, submission_id) for submission_id in acknowledged} == {200}
        stored = rows(database, "SELECT count(*) FROM response")
        assert len(acknowledged) + 2 <= stored <= submitter.tried + 2
        # The restarted server mixes what waits; then nothing is left unmixed.
        wait_until(lambda: rows(database, "SELECT count(*) FROM response WHERE unmixed") == 0,
                   timeout=120, what="the mix after the restart")
        # Both browsers are still known after the kills and the mixes, and refused.
        for browser in (before, during):
            browser.base = f"http://{HOST}:{again.port}"
            assert ANSWERED in browser.get(f"/s/{SLUG}").text
            csrf_token = input_values(browser.get("/login").text)["csrf_token"]
            refused = browser.post(f"/s/{SLUG}", {
                **FACTORY_PAGES["first"], "page": "first", "action": "next",
                "submission_id": uuid.uuid4().hex, "csrf_token": csrf_token})
            assert refused.status_code == 302
            assert refused.headers["Location"].endswith(f"/s/{SLUG}")
        assert rows(database, "SELECT count(*) FROM response") == stored
        assert rows(database, "SELECT count(*) FROM participation") == 2

