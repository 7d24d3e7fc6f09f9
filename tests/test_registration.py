"""Registering answers the same whether or not the address has an account; the mail to the
address, through a real SMTP server on loopback, says which: welcome, or "you already have an
account" (and nothing about the account changes)."""

import pytest

from survey.users import create_user
from tests.helpers.accounts import PASSWORD, post_login
from tests.helpers.clients import isolated_client
from tests.helpers.discussion import flashed
from tests.helpers.mail import sent_mails

pytestmark = pytest.mark.usefixtures("cheap_hashing")
OTHER_PASSWORD = "a different passphrase"


@pytest.fixture
def app_config(smtp_server):
    return smtp_server.config()


def register(client, email, password=OTHER_PASSWORD, name="", query=""):
    return client.post(f"/register{query}", data={"email": email, "password": password,
                                                  "confirm": password, "display_name": name})


def answer(app, email, **options):
    """What a visitor sees after registering `email`: where they are sent and what they read."""
    client = isolated_client(app)
    response = register(client, email, **options)
    assert response.status_code == 302
    return response.headers["Location"], flashed(client)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(app, smtp_server):
    create_user("paula@example.org", PASSWORD)
    assert answer(app, "paula@example.org") == answer(app, "new@example.org")
    mails = {mail.envelope_to[0]: mail for mail in sent_mails(app, smtp_server)}
    assert mails["new@example.org"].subject == "Welcome to Resonanz"
    assert mails["paula@example.org"].subject == "You already have a Resonanz account"
    assert "nothing was changed" in mails["paula@example.org"].text
    assert "http://localhost/password/forgot" in mails["paula@example.org"].links()


def test_registering_an_existing_address_changes_nothing(app, smtp_server):
    create_user("paula@example.org", PASSWORD)
    answer(app, "Paula@Example.org", name="Someone")
    assert post_login(isolated_client(app), "paula@example.org", PASSWORD).status_code == 302
    assert post_login(isolated_client(app), "paula@example.org",
                      OTHER_PASSWORD).status_code == 422


def test_a_new_member_logs_in_with_the_password_they_chose(app, smtp_server):
    answer(app, "new@example.org")
    [mail] = sent_mails(app, smtp_server)
    assert mail.links()[0] == "http://localhost/login" and "<a href=" in mail.html
    assert post_login(isolated_client(app), "new@example.org", OTHER_PASSWORD).status_code == 302


def test_the_mail_is_in_the_language_of_the_page_or_of_the_existing_account(app, smtp_server):
    create_user("greta@example.org", PASSWORD, language="de")
    answer(app, "neu@example.org", query="?lang=de")
    answer(app, "greta@example.org")  # from an English page
    subjects = {mail.envelope_to[0]: mail.subject for mail in sent_mails(app, smtp_server)}
    assert subjects == {"neu@example.org": "Willkommen bei Resonanz",
                        "greta@example.org": "Sie haben schon ein Konto bei Resonanz"}


@pytest.mark.parametrize("email", ["paula@example.org", "new@example.org"])
def test_a_taken_name_is_refused_alike_for_both(app, smtp_server, email):
    create_user("paula@example.org", PASSWORD, display_name="Paula")
    response = register(isolated_client(app), email, name="paula")
    assert response.status_code == 422
    assert "This name is taken; please choose another." in response.text
    assert sent_mails(app, smtp_server) == []
