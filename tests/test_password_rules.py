"""Registration tells nobody by its answer whether an address has an account; passwords are at
least 10 characters and not on the list of common passwords."""

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import User
from survey.users import RegistrationOutcome, authenticate, register
from tests.helpers.accounts import PASSWORD
from tests.helpers.clients import isolated_client
from tests.helpers.discussion import flashed

TAKEN = "taken@example.org"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


def post_registration(app, email, password=PASSWORD, name=""):
    client = isolated_client(app)
    response = client.post("/register", data={"email": email, "password": password,
                                              "confirm": password, "display_name": name})
    return client, response


def users() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(User.id)))


def test_registration_answers_the_same_whether_or_not_the_address_has_an_account(
        app, make_user):
    make_user(TAKEN, password="the original password")
    answers = []
    for email in (TAKEN, "new@example.org"):
        client, response = post_registration(app, email)
        answers.append((response.status_code, response.headers["Location"], flashed(client),
                        sorted(c.key for c in client._cookies.values())))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, "/login")
    assert users() == 2
    # The existing account keeps its password; the new one can log in at once.
    assert authenticate(TAKEN, "the original password") is not None
    assert authenticate(TAKEN, PASSWORD) is None
    assert authenticate("new@example.org", PASSWORD) is not None


def test_the_registration_service_says_which_case_happened(app, make_user):
    existing = make_user(TAKEN)
    again = register("Taken@Example.org", PASSWORD)
    assert again.outcome is RegistrationOutcome.ALREADY_REGISTERED
    assert again.user.id == existing.id
    new = register("fresh@example.org", PASSWORD)
    assert new.outcome is RegistrationOutcome.CREATED
    assert new.user.email == "fresh@example.org"


@pytest.mark.parametrize(("password", "message"), [
    ("password12", "too common or too short"), ("1234567890", "too common or too short"),
    ("Password12", "too common or too short"), ("qwertyuiop", "too common or too short"),
    ("short", "Use 10 to 200 characters.")])
def test_common_or_short_passwords_are_refused_next_to_the_field(app, password, message):
    _client, response = post_registration(app, "someone@example.org", password)
    assert response.status_code == 422
    page = response.text
    assert message in page
    assert 'aria-invalid="true"' in page
    assert 'value="someone@example.org"' in page  # what was typed is kept
    assert users() == 0


def test_an_uncommon_long_password_is_taken(app):
    _client, response = post_registration(app, "someone@example.org",
                                          "mauve tractor sings quietly")
    assert response.status_code == 302
    assert users() == 1


def test_the_password_refusal_is_in_german_too(app):
    client = isolated_client(app)
    response = client.post("/register?lang=de", data={
        "email": "jemand@example.org", "password": "password12", "confirm": "password12"})
    assert response.status_code == 422
    assert "zu verbreitet oder zu kurz" in response.text
