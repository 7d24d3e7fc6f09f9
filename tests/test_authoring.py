"""Authoring surveys in the admin pages: upload or write, check with lines, compare with the
current version, preview without storing, save, download, duplicate, archive, delete, dates."""

import io
import re

import pytest
import yaml
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from survey.authoring import definition_text
from survey.definition import parse_definition_text
from survey.extensions import db
from survey.models import Draft, Participation, Response, Role, Survey, SurveyVersion
from survey.surveys import find_survey, newest_definition
from tests.helpers.factories import COMPLETE_ANSWERS, question_in, survey_document
from tests.helpers.imports import XLSFORM_MD

NEW = "/admin/surveys/new"


def _yaml(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _counts():
    db.session.remove()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Survey, SurveyVersion, Response, Participation, Draft)}


def _survey(slug):
    db.session.remove()  # read what the requests committed
    return find_survey(slug)


def _problems(html):
    return [re.sub(r"\s+", " ", item).strip()
            for item in re.findall(r'<li class="problem">(.*?)</li>', html, re.S)]


@pytest.fixture
def admin(client, make_user, login_as):
    login_as(make_user("admin@example.org", Role.ADMIN))
    return client


def test_an_uploaded_definition_shows_each_problem_with_its_line(admin):
    document = survey_document()
    question_in(document, "agree")["type"] = "likrt"
    question_in(document, "weekly")["colour"] = "red"
    text = _yaml(document)
    page = admin.post(NEW, data={"file": (io.BytesIO(text.encode()), "mine.yaml"),
                                 "definition": "", "action": "save"},
                      content_type="multipart/form-data")
    assert page.status_code == 422
    lines = text.splitlines()
    problems = _problems(page.text)
    assert len(problems) == 2
    first = re.match(r"<strong>Line (\d+)</strong> <code>([^<]+)</code>", problems[0])
    assert lines[int(first[1]) - 1].strip() == "type: likrt"
    assert first[2] == "pages[1].questions[1].type"
    assert "not a known type" in problems[0]
    second = re.match(r"<strong>Line (\d+)</strong>", problems[1])
    assert lines[int(second[1]) - 1].strip().startswith("- id: weekly")
    assert "unknown key &#39;colour&#39;" in problems[1]
    assert 'aria-invalid="true"' in page.text and "type: likrt" in page.text, "text kept"
    assert _counts()["Survey"] == 0


def test_a_written_definition_is_saved_closed_as_a_first_version(admin):
    page = admin.post(NEW, data={"definition": _yaml(survey_document()), "action": "save"})
    assert page.status_code == 302 and page.headers["Location"] == "/admin/surveys/test-survey"
    survey = _survey("test-survey")
    assert not survey.is_open and [v.number for v in survey.versions] == [1]
    assert "Saved as version 1." in admin.get(page.headers["Location"]).text


def test_check_saves_nothing_and_a_taken_slug_is_refused_at_its_line(admin, make_survey):
    make_survey()
    page = admin.post(NEW, data={"definition": _yaml(survey_document()), "action": "save"})
    assert page.status_code == 422
    [problem] = _problems(page.text)
    assert problem.startswith("<strong>Line 1</strong> <code>slug</code>")
    checked = admin.post(NEW, data={"definition": _yaml(survey_document(slug="other-one")),
                                    "action": "check"})
    assert checked.status_code == 200 and "The definition has no problems." in checked.text
    assert _counts()["Survey"] == 1


def test_an_edit_shows_the_changes_and_refuses_an_incompatible_one(admin, make_survey):
    make_survey()
    edit = admin.get("/admin/surveys/test-survey/edit")
    document = yaml.safe_load(re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>',
                                        edit.text, re.S)[1].replace("&#34;", '"')
                              .replace("&#39;", "'").replace("&amp;", "&"))
    assert document["slug"] == "test-survey"
    question_in(document, "primary")["options"].append({"id": "mastodon", "label": "Mastodon"})
    question_in(document, "agree")["scale"].reverse()
    page = admin.post("/admin/surveys/test-survey/edit",
                      data={"definition": _yaml(document), "action": "save"})
    assert page.status_code == 422, "no problem in the text, but a refused change"
    changes = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r'<li class="change[^"]*">(.*?)</li>',
                                                           page.text)]
    assert "added question primary: options added: mastodon" not in changes
    assert "changed question primary: options added: mastodon" in changes
    assert any(c.startswith("refused question agree: question &#39;agree&#39;: its scale changed")
               for c in changes)
    assert len(_survey("test-survey").versions) == 1
    question_in(document, "agree")["scale"].reverse()
    saved = admin.post("/admin/surveys/test-survey/edit",
                       data={"definition": _yaml(document), "action": "save"})
    assert saved.status_code == 302
    assert [v.number for v in _survey("test-survey").versions] == [1, 2]


def test_preview_follows_conditions_in_each_language_and_stores_nothing(admin):
    text = _yaml(survey_document())
    before = _counts()
    first = admin.post("/admin/surveys/preview", data={"definition": text, "action": "start",
                                                      "language": "de"})
    assert first.status_code == 200 and "Erste Seite" in first.text
    answers = {"definition": text, "answers": "{}", "page": "first", "language": "de",
               "action": "next", "consent": "y", "networks": ["xing"], "primary": "xing",
               "country": "de"}
    second = admin.post("/admin/surveys/preview", data=answers)
    assert second.status_code == 200 and "Zweite Seite" in second.text
    assert 'id="question-weekly"' in second.text, "shown: networks contains xing"
    assert 'id="question-share"' not in second.text, "hidden: primary is not linkedin"
    english = admin.post("/admin/surveys/preview", data={
        "definition": text, "answers": re.search(r'name="answers" value="([^"]*)"',
                                                 second.text)[1].replace("&#34;", '"'),
        "page": "second", "language": "en", "action": "language"})
    assert "Second page" in english.text and 'id="question-weekly"' in english.text
    refused = admin.post("/admin/surveys/preview", data={**answers, "consent": ""})
    assert refused.status_code == 422 and "Please tick the box to agree." in refused.text
    assert _counts() == before


def test_preview_of_a_stored_survey_and_of_a_broken_text(admin, make_survey):
    make_survey()
    page = admin.get("/admin/surveys/test-survey/preview?lang=en")
    assert page.status_code == 200 and "First page" in page.text
    broken = admin.post("/admin/surveys/preview", data={"definition": "slug: [", "action":
                                                        "start"})
    assert broken.status_code == 422 and "cannot be previewed" in broken.text


def test_download_gives_the_definition_as_yaml_that_loads_again(admin, make_survey):
    definition = make_survey()
    download = admin.get("/admin/surveys/test-survey/definition.yaml")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=test-survey.yaml"
    assert parse_definition_text(download.text) == definition
    assert definition_text(definition) == download.text


def test_duplicate_under_a_new_slug_and_refusals_next_to_the_field(admin, make_survey):
    make_survey()
    bad = admin.post("/admin/surveys/test-survey/duplicate", data={"new_slug": "Kopie!"})
    assert bad.status_code == 422 and "lowercase letters" in bad.text
    assert 'value="Kopie!"' in bad.text
    taken = admin.post("/admin/surveys/test-survey/duplicate", data={"new_slug": "test-survey"})
    assert taken.status_code == 422 and "exists already" in taken.text
    copy = admin.post("/admin/surveys/test-survey/duplicate", data={"new_slug": "kopie"})
    assert copy.status_code == 302
    assert newest_definition(_survey("kopie")).pages == newest_definition(
        _survey("test-survey")).pages
    assert not _survey("kopie").is_open


def test_archive_closes_and_hides_the_survey_but_keeps_it(admin, client, make_survey):
    make_survey()
    assert admin.post("/admin/surveys/test-survey/archive").status_code == 302
    survey = _survey("test-survey")
    assert survey.is_archived and not survey.is_open and survey.versions
    index = admin.get("/admin/").text
    assert 'href="/admin/surveys/test-survey"' in index
    assert "<th scope=\"row\"><a href=\"/admin/surveys/test-survey\">" not in index
    assert client.get("/api/v1/surveys").json["surveys"] == []


def test_delete_only_without_responses(admin, client, make_survey):
    make_survey()
    admin.post("/admin/surveys/test-survey/state", data={"open": "1"})
    stored = client.post("/api/v1/surveys/test-survey/responses", json={
        "submission_id": "authoring-01", "answers": COMPLETE_ANSWERS})
    assert stored.status_code == 201
    refused = admin.post("/admin/surveys/test-survey/delete")
    assert refused.status_code == 422 and "has responses; archive it instead" in refused.text
    make_survey(slug="empty-one")
    assert admin.post("/admin/surveys/empty-one/delete").status_code == 302
    assert _survey("empty-one") is None and _survey("test-survey") is not None


def test_dates_and_closing_message_are_saved_as_a_new_version(admin, client, make_survey):
    make_survey()
    admin.post("/admin/surveys/test-survey/state", data={"open": "1"})
    page = admin.post("/admin/surveys/test-survey/schedule", data={
        "opens_at": "2020-01-01T08:00", "closes_at": "2021-01-01T08:00",
        "closing_message_de": "Ergebnisse im Mai.", "closing_message_en": "Results in May."})
    assert page.status_code == 302
    definition = newest_definition(_survey("test-survey"))
    assert definition.closes_at.isoformat() == "2021-01-01T08:00:00+00:00"
    assert definition.closing_message == {"de": "Ergebnisse im Mai.", "en": "Results in May."}
    closed = client.get("/s/test-survey?lang=en")
    assert closed.status_code == 403 and "Results in May." in closed.text
    wrong = admin.post("/admin/surveys/test-survey/schedule", data={
        "opens_at": "2021-01-01T08:00", "closes_at": "2020-01-01T08:00"})
    assert wrong.status_code == 422 and "must close after it opens" in wrong.text


def test_an_xlsform_upload_shows_the_import_report_before_saving(admin):
    page = admin.post(NEW, data={"file": (io.BytesIO(XLSFORM_MD.encode()), "fruit.md"),
                                 "definition": "", "slug": "obst", "action": "save"},
                      content_type="multipart/form-data")
    assert page.status_code == 200 and "Import report" in page.text
    assert "geo fields are not supported" in page.text
    assert _counts()["Survey"] == 0, "an import is saved only after the admin saw it"
    text = re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>', page.text,
                     re.S)[1]
    assert "slug: obst" in text


def test_a_refused_upload_is_shown_next_to_the_file_field(admin):
    page = admin.post(NEW, data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "x.xlsx"),
                                 "definition": "", "action": "check"},
                      content_type="multipart/form-data")
    assert page.status_code == 422
    assert re.search(r'<p class="error" id="file-error">the file is not a \.xlsx file', page.text)


def _large_upload(client, size: int, **fields):
    """POST a valid definition grown to `size` bytes by a YAML comment, as the browser sends
    a file (encoded here in memory: the test client would spool it to a file it never
    closes)."""
    text = _yaml(survey_document()).encode()
    padded = text + b"# " + b"x" * (size - len(text) - 3) + b"\n"
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(padded), "large.yaml"),
                                       **fields})
    return client.post(NEW, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_an_admin_uploads_a_survey_larger_than_the_sites_request_limit(admin, app):
    page = _large_upload(admin, app.config["MAX_CONTENT_LENGTH"] + 500_000,
                         definition="", action="save")
    assert page.status_code == 302, page.text
    assert _survey("test-survey") is not None


@pytest.mark.parametrize("role", [None, Role.MEMBER, Role.MODERATOR])
def test_only_admins_get_room_for_large_uploads(client, make_user, login_as, app, role):
    if role is not None:
        login_as(make_user("someone@example.org", role))
    page = _large_upload(client, app.config["MAX_CONTENT_LENGTH"] + 500_000)
    assert page.status_code == 413
    assert _counts()["Survey"] == 0
