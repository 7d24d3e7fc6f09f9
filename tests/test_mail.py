"""The mail layer: without a server, mails go to a mail log of their own (not the application
log); with one, through SMTP as text and HTML with links to PUBLIC_URL; a server that fails
leaves a log line without the recipient, and the visitor's page is the same."""

import logging
import socket
import stat

import pytest

from survey.mail import mail_log_path
from survey.users import create_user
from tests.helpers.accounts import PASSWORD
from tests.helpers.clients import isolated_client
from tests.helpers.mail import sent_mails

pytestmark = pytest.mark.usefixtures("cheap_hashing")

ADDRESS = "paula@example.org"


def ask_for_reset(app):
    create_user(ADDRESS, PASSWORD)
    response = isolated_client(app).post("/password/forgot", data={"email": ADDRESS})
    assert response.status_code == 200
    app.extensions["resonanz_outbox"].drain()
    return response


def test_without_a_server_mails_go_to_the_mail_log_and_the_app_log_names_nobody(app, caplog):
    caplog.set_level(logging.INFO)
    ask_for_reset(app)
    path = mail_log_path(app)
    written = path.read_text()
    assert f"To: {ADDRESS}" in written and "Subject: Resetting your Resonanz password" in written
    assert "http://localhost/password/reset/" in written
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = written.split("/password/reset/")[1].split()[0]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert str(path) in logged  # where to look
    assert ADDRESS not in logged and token not in logged and "Resetting" not in logged


@pytest.fixture
def app_config(request, smtp_server):
    """Settings from the test's parameter; {"smtp": True} adds the loopback SMTP server."""
    settings = dict(getattr(request, "param", {}))
    if settings.pop("smtp", False):
        settings = {**smtp_server.config(), **settings}
    return settings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.mark.parametrize("app_config", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _closed_port(),
                                         "MAIL_TIMEOUT": 5}], indirect=True)
def test_a_server_that_cannot_be_reached_is_logged_without_the_recipient(app, app_config,
                                                                          caplog):
    response = ask_for_reset(app)
    assert "Check your mail" in response.text  # the visitor is told nothing else
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "a mail could not be sent: ConnectionRefusedError"]
    assert not mail_log_path(app).exists()


@pytest.mark.parametrize("app_config", [{"smtp": True, "PUBLIC_URL": "https://resonanz.example/"}],
                         indirect=True)
def test_links_point_to_the_public_url_when_it_is_set(app, app_config, smtp_server):
    create_user(ADDRESS, PASSWORD)
    isolated_client(app).post("/password/forgot", data={"email": ADDRESS},
                              headers={"Host": "attacker.example"})
    [mail] = sent_mails(app, smtp_server)
    [link] = mail.links()
    assert link.startswith("https://resonanz.example/password/reset/")
    assert "attacker.example" not in mail.text + mail.html


@pytest.mark.parametrize("app_config", [{"smtp": True}], indirect=True)
def test_a_mail_has_a_plain_text_and_an_html_part(app, app_config, smtp_server):
    create_user(ADDRESS, PASSWORD)
    isolated_client(app).post("/password/forgot", data={"email": ADDRESS})
    [mail] = sent_mails(app, smtp_server)
    assert mail.message.get_content_type() == "multipart/alternative"
    assert "<" not in mail.text and "<a href=" in mail.html
