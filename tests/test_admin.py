"""The admin area: only admins get in; exports run in the background and download from disk."""

import csv
import io
import time

import numpy as np
import pytest
from sqlalchemy import select

from reports.demo import generate, insert_demo_responses
from survey.extensions import db
from survey.models import Role, Survey, User
from survey.surveys import definition_of, find_survey, newest_version
from tests.helpers.accounts import log_in
from tests.helpers.urlmap import rule_url, url_map_rules

ARGUMENTS = {"slug": "xing-linkedin", "user_id": 1, "job_id": 1, "filename": "x.csv"}


ADMIN_RULES = sorted((rule.endpoint, rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
                     for rule in url_map_rules() if rule.rule.startswith("/admin"))


def test_the_admin_area_has_routes_to_check():
    endpoints = {endpoint for endpoint, _rule, _methods in ADMIN_RULES}
    assert {"admin.index", "exports.index", "exports.download"} <= endpoints
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
