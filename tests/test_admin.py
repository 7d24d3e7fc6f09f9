"""The admin area: only admins get in; exports run in the background and download from disk;
accounts are created with an invitation mail, deactivated and reactivated, sent reset mails."""

import csv
import io
import time
from urllib.parse import urlsplit

import numpy as np
import pytest
from sqlalchemy import select

from reports.demo import generate, insert_demo_responses
from survey.discussion.models import ModerationAction
from survey.extensions import db
from survey.models import Role, Survey, User
from survey.surveys import definition_of, find_survey, newest_version
from survey.users import create_user
from tests.helpers.accounts import PASSWORD, log_in, post_login
from tests.helpers.discussion import cheap_passwords
from tests.helpers.mail import sent_mails
from tests.helpers.urlmap import rule_url, url_map_rules

ARGUMENTS = {"slug": "xing-linkedin", "user_id": 1, "job_id": 1, "filename": "x.csv"}


ADMIN_RULES = sorted((rule.endpoint, rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
                     for rule in url_map_rules() if rule.rule.startswith("/admin"))


def test_the_admin_area_has_routes_to_check():
    endpoints = {endpoint for endpoint, _rule, _methods in ADMIN_RULES}
    assert {"admin.index", "exports.index", "exports.download", "admin.create_account",
            "admin.user_active", "admin.user_reset"} <= endpoints
    assert {"authoring.new", "authoring.edit", "authoring.survey_page", "authoring.preview",
            "authoring.preview_survey", "authoring.download", "authoring.duplicate",
            "authoring.archive", "authoring.delete", "authoring.schedule"} <= endpoints


def _url(app, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return rule_url(app, rule, ARGUMENTS)


def _log_in(app, user):
    """A browser of its own, logged in as `user`."""
    client = app.test_client()
    log_in(client, user)
    return client


@pytest.mark.parametrize(("endpoint", "rule", "methods"), ADMIN_RULES,
                         ids=[r[1] for r in ADMIN_RULES])
def test_admin_routes_refuse_visitors_members_and_moderators(app, article_survey, make_user,
                                                             endpoint, rule, methods):
    url = _url(app, endpoint)
    member = make_user("member@example.org")
    moderator = make_user("moderator@example.org", Role.MODERATOR)
    for method in methods:
        visitor = app.test_client().open(url, method=method)
        assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
        for user in (member, moderator):
            assert _log_in(app, user).open(url, method=method).status_code == 403


def _wait_for(client, url):
    for _attempt in range(100):
        page = client.get(url)
        if "Ready to download" in page.text or "failed" in page.text:
            return page
        time.sleep(0.1)
    raise AssertionError("the export did not finish")


def test_admin_exports_from_the_web_and_downloads_the_files(app, article_survey, make_user):
    version = newest_version(find_survey(article_survey))
    for batch in generate(definition_of(version), 60, seed=4):
        insert_demo_responses(version, batch, np.random.default_rng(4))
    admin = _log_in(app, make_user("admin@example.org", Role.ADMIN))
    started = admin.post("/admin/exports/", data={"survey": article_survey, "format": "csv",
                                                  "k": "2", "text": "drop",
                                                  "include_demo": "y"})
    assert started.status_code == 302
    page = _wait_for(admin, started.headers["Location"])
    assert "Ready to download" in page.text
    data = admin.get(f"{started.headers['Location']}/{article_survey}.csv")
    assert data.status_code == 200
    text = data.get_data(as_text=True)
    data.close()  # a download streams from the file on disk
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and "respondent_id" in rows[0]
    codebook = admin.get(f"{started.headers['Location']}/{article_survey}.csv.codebook.json")
    assert codebook.status_code == 200 and codebook.is_json
    codebook.close()
    assert admin.get(f"{started.headers['Location']}/../../config.py").status_code == 404


def test_export_form_refuses_bad_input_with_field_messages(app, article_survey, make_user):
    admin = _log_in(app, make_user("admin@example.org", Role.ADMIN))
    page = admin.post("/admin/exports/", data={"survey": article_survey, "format": "exe",
                                               "k": "1", "text": "drop"})
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text


def test_admin_closes_and_reopens_a_survey(app, article_survey, make_user):
    admin = _log_in(app, make_user("admin@example.org", Role.ADMIN))
    admin.post(f"/admin/surveys/{article_survey}/state", data={"open": "0"})
    db.session.rollback()
    assert db.session.scalar(select(Survey.is_open).where(Survey.slug == article_survey)) is False
    assert app.test_client().get(f"/s/{article_survey}").status_code == 403
    admin.post(f"/admin/surveys/{article_survey}/state", data={"open": "1"})
    db.session.rollback()
    assert db.session.scalar(select(Survey.is_open).where(Survey.slug == article_survey)) is True


def test_admin_changes_a_role_but_not_their_own(app, make_user):
    admin_user = make_user("admin@example.org", Role.ADMIN)
    member = make_user("member@example.org")
    admin = _log_in(app, admin_user)
    admin.post(f"/admin/users/{member.id}/role", data={"role": "moderator"})
    admin.post(f"/admin/users/{admin_user.id}/role", data={"role": "member"})
    db.session.rollback()
    assert db.session.get(User, member.id).role == Role.MODERATOR
    assert db.session.get(User, admin_user.id).role == Role.ADMIN


# -- accounts: invitations, deactivation, reset mails ---------------------------------------


@pytest.fixture
def app_config(smtp_server):
    return smtp_server.config()


@pytest.fixture
def staff(app, monkeypatch):
    """An admin's browser and the admin."""
    cheap_passwords(monkeypatch)
    admin_user = create_user("admin@example.org", PASSWORD, Role.ADMIN)
    return _log_in(app, admin_user), admin_user


def test_admin_creates_an_account_whose_owner_chooses_the_password_from_the_mail(
        app, smtp_server, staff):
    admin, _admin_user = staff
    response = admin.post("/admin/users", data={"email": "new@example.org",
                                                "display_name": "Neu", "role": "moderator",
                                                "language": "de"})
    assert response.status_code == 302
    db.session.rollback()
    created = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert (created.role, created.language, created.password_hash) == (Role.MODERATOR, "de",
                                                                      None)
    assert "invited, no password yet" in admin.get("/admin/").text
    [mail] = sent_mails(app, smtp_server)
    assert mail.envelope_to == ["new@example.org"]
    assert mail.subject == "Sie sind zu Resonanz eingeladen"
    [link] = [link for link in mail.links() if "/password/reset/" in link]
    assert "7 Tage" in mail.text

    owner = app.test_client()
    page = owner.get(urlsplit(link).path)
    assert "Choose your password" in page.text
    owner.post(urlsplit(link).path, data={"password": "my own passphrase",
                                          "confirm": "my own passphrase"})
    assert post_login(app.test_client(), "new@example.org", "my own passphrase").status_code == 302
    assert log_actions() == [("invite", created.id)]


def log_actions():
    db.session.rollback()
    return [(entry.action, entry.member_id) for entry in
            db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))]


def test_an_invitation_for_a_taken_address_is_refused_with_what_was_typed(app, smtp_server,
                                                                          staff):
    admin, admin_user = staff
    response = admin.post("/admin/users", data={"email": admin_user.email, "display_name": "Zwei",
                                                "role": "member", "language": "en"})
    assert response.status_code == 422
    assert "An account with this email exists already." in response.text
    assert 'value="Zwei"' in response.text and 'aria-invalid="true"' in response.text
    assert sent_mails(app, smtp_server) == []


def test_a_deactivated_account_cannot_log_in_and_its_sessions_end(app, staff):
    admin, _admin_user = staff
    member = create_user("member@example.org", PASSWORD)
    session = _log_in(app, member)
    assert admin.post(f"/admin/users/{member.id}/active", data={"active": "0"}).status_code == 302
    assert session.get("/account").status_code == 302
    refused = post_login(app.test_client(), member.email)
    assert refused.status_code == 422 and "This account is deactivated." in refused.text
    assert "deactivated" in admin.get("/admin/").text

    admin.post(f"/admin/users/{member.id}/active", data={"active": "1"})
    assert post_login(app.test_client(), member.email).status_code == 302
    assert log_actions() == [("deactivate", member.id), ("reactivate", member.id)]


def test_nobody_deactivates_their_own_account(app, staff):
    admin, admin_user = staff
    admin.post(f"/admin/users/{admin_user.id}/active", data={"active": "0"})
    db.session.rollback()
    assert db.session.get(User, admin_user.id).is_active
    assert log_actions() == []


def test_admin_sends_a_reset_mail(app, smtp_server, staff):
    admin, _admin_user = staff
    member = create_user("member@example.org", PASSWORD)
    assert admin.post(f"/admin/users/{member.id}/reset").status_code == 302
    [mail] = sent_mails(app, smtp_server)
    assert mail.envelope_to == [member.email]
    assert mail.subject == "Resetting your Resonanz password"
    assert log_actions() == [("send_reset", member.id)]
