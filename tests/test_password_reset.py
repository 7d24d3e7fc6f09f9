"""Password reset by mail, through a real SMTP server on loopback: the mail arrives in the
member's language with an absolute, single-use link that expires; afterwards the old password
and every session stop working; an unknown address gets no mail and the same page."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from survey.database import write_transaction
from survey.extensions import db
from survey.models import AccountToken, User, utcnow
from survey.users import create_user
from tests.helpers.accounts import PASSWORD, post_login
from tests.helpers.clients import isolated_client
from tests.helpers.mail import sent_mails

pytestmark = pytest.mark.usefixtures("cheap_hashing")

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_config(smtp_server):
    return smtp_server.config()


@pytest.fixture
def member(app):
    return create_user("paula@example.org", PASSWORD, language="en")


def ask_for_reset(client, email):
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 200, response.text
    return response


def reset_link(app, smtp_server, address) -> str:
    """The path of the reset link in the one mail `address` received."""
    [mail] = [m for m in sent_mails(app, smtp_server) if address in m.envelope_to]
    [link] = [link for link in mail.links() if "/password/reset/" in link]
    return urlsplit(link).path


def logged_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def test_the_login_page_offers_a_reset(app):
    page = isolated_client(app).get("/login").text
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_reset_mail_arrives_and_its_link_works_once(app, smtp_server, member):
    client = isolated_client(app)
    page = ask_for_reset(client, "Paula@Example.org ")
    assert "Check your mail" in page.text

    [mail] = sent_mails(app, smtp_server)
    assert mail.envelope_to == ["paula@example.org"]
    assert mail.subject == "Resetting your Resonanz password"
    assert mail.message["From"] == "Resonanz <noreply@resonanz.test>"
    [link] = [link for link in mail.links() if "/password/reset/" in link]
    assert link.startswith("http://localhost/password/reset/")  # absolute, to this site
    assert f'href="{link}"' in mail.html and "works once, for 1 hour" in mail.text

    path = urlsplit(link).path
    form = client.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.text
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert post_login(isolated_client(app), member.email, PASSWORD).status_code == 422
    assert post_login(isolated_client(app), member.email, NEW_PASSWORD).status_code == 302

    again = client.get(path)
    assert again.status_code == 404 and "does not work any more" in again.text
    replay = client.post(path, data={"password": "yet another passphrase",
                                     "confirm": "yet another passphrase"})
    assert replay.status_code == 404
    assert post_login(isolated_client(app), member.email, NEW_PASSWORD).status_code == 302
    db.session.rollback()
    assert db.session.scalars(select(AccountToken)).all() == []


def test_every_session_of_the_account_ends_with_the_reset(app, smtp_server, member):
    laptop, phone = isolated_client(app), isolated_client(app)
    remembered = isolated_client(app)
    for client in (laptop, phone):
        assert post_login(client, member.email).status_code == 302
    assert remembered.post("/login", data={"email": member.email, "password": PASSWORD,
                                           "remember": "y"}).status_code == 302
    assert all(logged_in(client) for client in (laptop, phone, remembered))

    ask_for_reset(phone, member.email)
    path = reset_link(app, smtp_server, member.email)
    phone.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not logged_in(laptop) and not logged_in(phone)
    with remembered.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember cookie is left
    assert not logged_in(remembered)


def test_unknown_address_gets_no_mail_and_the_same_page(app, smtp_server, member):
    known = ask_for_reset(isolated_client(app), member.email).text
    unknown = ask_for_reset(isolated_client(app), "nobody@example.org").text
    assert known.replace(member.email, "ADDRESS") == unknown.replace("nobody@example.org",
                                                                     "ADDRESS")
    mails = sent_mails(app, smtp_server)
    assert [m.envelope_to for m in mails] == [[member.email]]
    db.session.rollback()
    assert len(db.session.scalars(select(AccountToken)).all()) == 1


def test_deactivated_account_gets_no_reset_mail(app, smtp_server, member):
    with write_transaction():
        db.session.get(User, member.id).deactivated_at = utcnow()
    ask_for_reset(isolated_client(app), member.email)
    assert sent_mails(app, smtp_server) == []


def test_an_expired_link_is_refused(app, smtp_server, member):
    ask_for_reset(isolated_client(app), member.email)
    path = reset_link(app, smtp_server, member.email)
    with write_transaction():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(
            seconds=1)))
    client = isolated_client(app)
    assert client.get(path).status_code == 404
    assert client.post(path, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 404
    assert post_login(isolated_client(app), member.email, PASSWORD).status_code == 302


def test_the_link_expires_after_an_hour(app, smtp_server, member):
    before = utcnow()
    ask_for_reset(isolated_client(app), member.email)
    db.session.rollback()
    [token] = db.session.scalars(select(AccountToken)).all()
    assert before + timedelta(minutes=59) < token.expires_at <= utcnow() + timedelta(hours=1)


def test_only_the_newest_link_works(app, smtp_server, member):
    client = isolated_client(app)
    ask_for_reset(client, member.email)
    ask_for_reset(client, member.email)
    mails = sent_mails(app, smtp_server)
    first, second = (urlsplit(m.links()[0]).path for m in mails)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_refused_new_password_shows_the_form_again_and_the_link_still_works(
        app, smtp_server, member):
    client = isolated_client(app)
    ask_for_reset(client, member.email)
    path = reset_link(app, smtp_server, member.email)
    refused = client.post(path, data={"password": "short", "confirm": "short"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and "Use 10 to 200 characters." in refused.text
    assert 'role="alert"' in refused.text
    differ = client.post(path, data={"password": NEW_PASSWORD, "confirm": "something else!"})
    assert differ.status_code == 422 and "The passwords differ." in differ.text
    assert client.post(path, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 302


def test_the_mail_speaks_the_members_language(app, smtp_server):
    create_user("greta@example.org", PASSWORD, language="de")
    ask_for_reset(isolated_client(app), "greta@example.org")  # asked from an English page
    [mail] = sent_mails(app, smtp_server)
    assert mail.subject == "Ihr Resonanz-Passwort zurücksetzen"
    assert "Der Link funktioniert einmal, eine Stunde lang." in mail.text
    assert '<html lang="de">' in mail.html


@pytest.mark.parametrize("email", ["", "not an address", "x" * 300 + "@example.org"])
def test_a_bad_address_is_shown_again_with_a_message(app, smtp_server, email):
    response = isolated_client(app).post("/password/forgot", data={"email": email})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert sent_mails(app, smtp_server) == []


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%00"])
def test_made_up_links_do_not_work(app, token):
    response = isolated_client(app).get(f"/password/reset/{token}")
    assert response.status_code == 404
