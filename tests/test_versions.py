"""Survey versions: loading a definition twice, new versions, compatibility, and the CLI."""

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from survey.database import write_transaction
from survey.definition import DefinitionError, parse_definition
from survey.extensions import db
from survey.models import Response, Survey, SurveyVersion
from survey.responses import submit_response
from survey.surveys import (
    find_survey,
    load_survey_file,
    newest_version,
    store_definition,
    survey_summaries,
)
from tests.helpers.factories import COMPLETE_ANSWERS, question_in, survey_document

SLUG = "test-survey"
ROOT = Path(__file__).resolve().parent.parent
ARTICLE_SURVEY = ROOT / "survey" / "definitions" / "xing-linkedin.yaml"


# ------------------------------------------------------------------ helpers

def _document(change=None) -> dict:
    document = survey_document()
    if change is not None:
        change(document)
    return document


def _write(path, document) -> str:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return str(path)


def _store(change=None, source_name="test.yaml"):
    return store_definition(parse_definition(_document(change)), source_name=source_name)


def _versions() -> list[int]:
    survey = find_survey(SLUG)
    return [v.number for v in survey.versions] if survey else []


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _relabel(document):
    question_in(document, "primary")["options"][0]["label"] = "XING (New Work)"


def _add_option(document):
    question_in(document, "primary")["options"].append({"id": "facebook", "label": "Facebook"})


def _submit_one(version, submission_id="submission-1"):
    submit_response(version, dict(COMPLETE_ANSWERS), submission_id=submission_id,
                    language="en", respondent_keys=[f"browser:{submission_id}"])


# ------------------------------------------------------------------ versions

def test_first_load_creates_version_1(app):
    result = _store()
    assert (result.slug, result.version, result.created) == (SLUG, 1, True)
    assert _versions() == [1]


def test_loading_the_same_definition_twice_makes_no_new_version(app):
    _store()
    again = _store()
    assert (again.version, again.created) == (1, False)
    assert _versions() == [1]


def test_loading_the_same_file_twice_makes_no_new_version(app, tmp_path):
    path = _write(tmp_path / "survey.yaml", _document())
    load_survey_file(path)
    again = load_survey_file(path)
    assert (again.version, again.created) == (1, False)
    assert _versions() == [1]


def test_reformatted_file_with_the_same_content_makes_no_new_version(app, tmp_path):
    load_survey_file(_write(tmp_path / "a.yaml", _document()))
    reordered = dict(reversed(list(_document().items())))
    again = load_survey_file(_write(tmp_path / "b.yaml", reordered))
    assert again.created is False
    assert _versions() == [1]


def test_changed_label_makes_version_2(app):
    _store()
    result = _store(_relabel)
    assert (result.version, result.created) == (2, True)
    assert _versions() == [1, 2]


def test_newest_version_is_the_current_one(app):
    _store()
    _store(_relabel)
    version = newest_version(find_survey(SLUG))
    assert version.number == 2
    assert question_in(version.definition, "primary")["options"][0]["label"] == {
        "*": "XING (New Work)"}


def test_reloading_an_older_definition_makes_no_new_version(app):
    _store()
    _store(_relabel)
    again = _store()
    assert (again.version, again.created) == (1, False)
    assert _versions() == [1, 2]


def test_stored_version_keeps_its_source_name(app):
    _store(source_name="first.yaml")
    _store(_relabel, source_name="second.yaml")
    assert [v.source_name for v in find_survey(SLUG).versions] == ["first.yaml", "second.yaml"]


def test_adding_an_option_is_allowed(app):
    _store()
    result = _store(_add_option)
    assert (result.version, result.created) == (2, True)


@pytest.mark.parametrize("change", [
    lambda d: question_in(d, "future").update(id="future_2026"),
    lambda d: d["pages"][2]["questions"].pop(0),
    lambda d: question_in(d, "primary").update(other=True),
    lambda d: question_in(d, "weekly").update(integer=False),
    lambda d: question_in(d, "agree").update(required=False),
    lambda d: question_in(d, "activity")["columns"].append({"id": "never", "label": "never"}),
], ids=["question-renamed", "question-dropped", "other-added", "integer-relaxed",
        "no-longer-required", "matrix-column-added"])
def test_compatible_change_makes_a_new_version(app, change):
    _store()
    assert _store(change).version == 2


def test_existing_response_keeps_version_1(app):
    _store()
    _submit_one(newest_version(find_survey(SLUG)))
    _store(_relabel)
    response = db.session.scalar(select(Response))
    assert db.session.get(SurveyVersion, response.survey_version_id).number == 1


def test_response_through_the_api_keeps_its_version(app, client):
    _store()
    first = client.post(f"/api/v1/surveys/{SLUG}/responses",
                        json={"submission_id": "first-response", "language": "en",
                              "answers": COMPLETE_ANSWERS})
    assert first.status_code == 201, first.text
    _store(_relabel)
    second = client.post(f"/api/v1/surveys/{SLUG}/responses",
                         json={"submission_id": "second-response", "language": "de",
                               "answers": COMPLETE_ANSWERS})
    assert second.status_code == 201, second.text
    assert (first.json["version"], second.json["version"]) == (1, 2)
    stored = db.session.execute(select(Response.language, SurveyVersion.number).join(
        Response, Response.survey_version_id == SurveyVersion.id)).all()
    assert sorted(stored) == [("de", 2), ("en", 1)]  # the second (German) under version 2


# ------------------------------------------------------------------ incompatible changes

def _type_changed(document):
    question = question_in(document, "future")
    question["type"] = "multi_choice"
    question["options"] = question.pop("items")


def _option_removed(document):
    question_in(document, "primary")["options"][0] = {"id": "facebook", "label": "Facebook"}


def _scale_changed(document):
    question_in(document, "agree")["scale"].append({"id": "fully", "label": "fully"})


def _scale_reordered(document):
    question_in(document, "agree")["scale"].reverse()


def _items_changed(document):
    question_in(document, "future")["items"].append({"id": "google_plus", "label": "Google+"})


def _item_replaced(document):
    question_in(document, "future")["items"][2] = {"id": "google_plus", "label": "Google+"}


def _made_integer(document):
    question_in(document, "share")["integer"] = True


def _other_removed(document):
    question_in(document, "networks")["other"] = False


def _dont_know_removed(document):
    question_in(document, "agree")["dont_know"] = False


def _column_removed(document):
    question_in(document, "activity")["columns"].append({"id": "weekly", "label": "weekly"})
    question_in(document, "activity")["columns"].pop(1)


def _rows_changed(document):
    question = question_in(document, "activity")
    question.pop("rows_from")
    question["rows"] = [{"id": "xing", "label": "XING"}, {"id": "linkedin", "label": "LinkedIn"}]


# id: (change, question id, fragment of the reason)
INCOMPATIBLE = {
    "type-changed": (_type_changed, "future", "its type changed from ranking to multi_choice"),
    "option-removed": (_option_removed, "primary", "option(s) xing were removed"),
    "likert-scale-changed": (_scale_changed, "agree", "its scale changed"),
    "likert-scale-reordered": (_scale_reordered, "agree", "its scale changed"),
    "ranking-item-added": (_items_changed, "future", "its items changed"),
    "ranking-item-replaced": (_item_replaced, "future", "its items changed"),
    "number-made-integer": (_made_integer, "share", "it now takes whole numbers only"),
    "other-removed": (_other_removed, "networks", '"other" was removed'),
    "dont-know-removed": (_dont_know_removed, "agree", '"don\'t know" was removed'),
    "matrix-column-removed": (_column_removed, "activity", "column(s) rarely were removed"),
    "matrix-rows-changed": (_rows_changed, "activity", "its rows changed"),
}


@pytest.mark.parametrize("change, question_id, reason", INCOMPATIBLE.values(),
                         ids=INCOMPATIBLE.keys())
def test_incompatible_change_is_refused_naming_question_and_reason(app, change, question_id,
                                                                   reason):
    _store()
    with pytest.raises(DefinitionError) as caught:
        _store(change, source_name="changed.yaml")
    assert len(caught.value.messages) == 1
    message = caught.value.messages[0]
    assert message.startswith(f"changed.yaml: question {question_id!r}: {reason}")
    assert "give the changed question a new id" in message


@pytest.mark.parametrize("change", [c for c, _q, _r in INCOMPATIBLE.values()],
                         ids=INCOMPATIBLE.keys())
def test_incompatible_change_stores_no_version(app, change):
    _store()
    with pytest.raises(DefinitionError):
        _store(change)
    assert _versions() == [1]


def test_incompatible_change_is_allowed_under_a_new_id(app):
    _store()

    def new_id(document):
        _type_changed(document)
        question_in(document, "future")["id"] = "future_networks"

    assert _store(new_id).version == 2


def test_incompatible_change_is_checked_against_every_earlier_version(app):
    _store()
    _store(lambda d: d["pages"][2]["questions"].pop(0))  # "future" dropped: fine

    with pytest.raises(DefinitionError) as caught:
        _store(_type_changed)  # ... and back with another type: not fine
    assert "question 'future': its type changed" in caught.value.messages[0]
    assert _versions() == [1, 2]


def test_incompatible_changes_give_one_message_each(app):
    _store()
    with pytest.raises(DefinitionError) as caught:
        _store(lambda d: (_option_removed(d), _made_integer(d), _type_changed(d)))
    assert len(caught.value.messages) == 3
    assert [m.split(": ")[1] for m in caught.value.messages] == [
        "question 'primary'", "question 'share'", "question 'future'"]


# ------------------------------------------------------------------ CLI: survey load

def test_cli_load_reports_the_new_version(app, tmp_path):
    result = _cli(app, "survey", "load", _write(tmp_path / "survey.yaml", _document()))
    assert result.exit_code == 0, result.output
    assert result.output == f"{SLUG}: loaded as version 1\n"


def test_cli_load_twice_says_unchanged(app, tmp_path):
    path = _write(tmp_path / "survey.yaml", _document())
    _cli(app, "survey", "load", path)
    result = _cli(app, "survey", "load", path)
    assert result.exit_code == 0, result.output
    assert result.output == f"{SLUG}: unchanged, still version 1\n"
    assert _versions() == [1]


def test_cli_load_of_a_changed_label_makes_version_2(app, tmp_path):
    _cli(app, "survey", "load", _write(tmp_path / "v1.yaml", _document()))
    result = _cli(app, "survey", "load", _write(tmp_path / "v2.yaml", _document(_relabel)))
    assert result.exit_code == 0, result.output
    assert result.output == f"{SLUG}: loaded as version 2\n"


def test_cli_load_refuses_incompatible_changes_one_line_each(app, tmp_path):
    _cli(app, "survey", "load", _write(tmp_path / "v1.yaml", _document()))
    changed = _document(lambda d: (_option_removed(d), _scale_changed(d)))
    result = _cli(app, "survey", "load", _write(tmp_path / "v2.yaml", changed))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: v2.yaml: question 'primary': option(s) xing were removed")
    assert lines[1].startswith("error: v2.yaml: question 'agree': its scale changed")
    assert result.stdout == ""
    assert _versions() == [1]


@pytest.mark.parametrize("change, question_id, reason", INCOMPATIBLE.values(),
                         ids=INCOMPATIBLE.keys())
def test_cli_load_refuses_each_incompatible_change(app, tmp_path, change, question_id, reason):
    _cli(app, "survey", "load", _write(tmp_path / "v1.yaml", _document()))
    result = _cli(app, "survey", "load", _write(tmp_path / "v2.yaml", _document(change)))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: v2.yaml: question {question_id!r}: {reason}")


MALFORMED_FILES = {
    "invalid-slug": ("slug: Bad Slug\n", "slug", "must match"),
    "not-yaml": ("slug: [test\n", "line 2, column 1", "not valid YAML"),
    "not-a-mapping": ("- one\n- two\n", "(top level)", "must be a mapping"),
    "unknown-question-type": (
        yaml.safe_dump(_document(lambda d: question_in(d, "primary").update(type="dropdown"))),
        "pages[0].questions[2]", "'dropdown' is not a known type"),
    "bad-condition": (
        yaml.safe_dump(_document(lambda d: question_in(d, "weekly").update(
            show_if={"question": "nowhere", "equals": 1}))),
        "pages[1].questions[2].show_if.question", "unknown question 'nowhere'"),
}


@pytest.mark.parametrize("text, path, fragment", MALFORMED_FILES.values(),
                         ids=MALFORMED_FILES.keys())
def test_cli_load_of_malformed_file_reports_file_path_and_message(app, tmp_path, text, path,
                                                                  fragment):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = _cli(app, "survey", "load", str(bad))
    assert result.exit_code == 1
    assert any(line.startswith(f"error: {bad}: {path}: ") and fragment in line
               for line in result.stderr.splitlines()), result.stderr


@pytest.mark.parametrize("text", [t for t, _p, _f in MALFORMED_FILES.values()],
                         ids=MALFORMED_FILES.keys())
def test_cli_load_of_malformed_file_shows_no_traceback(app, tmp_path, text):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = _cli(app, "survey", "load", str(bad))
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert all(line.startswith(f"error: {bad}: ") for line in result.stderr.splitlines())
    assert _versions() == []


def test_cli_load_of_file_with_several_problems_prints_one_line_each(app, tmp_path):
    def three_problems(document):
        question_in(document, "weekly").update(min=10, max=5)
        question_in(document, "activity")["rows_from"] = "primary"
        document["quasi_identifiers"] = ["age"]

    bad = _write(tmp_path / "bad.yaml", _document(three_problems))
    result = _cli(app, "survey", "load", bad)
    assert result.exit_code == 1
    assert [line.split(": ")[2] for line in result.stderr.splitlines()] == [
        "pages[1].questions[0].rows_from", "pages[1].questions[2]", "quasi_identifiers[0]"]


def test_cli_load_of_missing_file_says_it_cannot_be_read(app, tmp_path):
    missing = tmp_path / "missing.yaml"
    result = _cli(app, "survey", "load", str(missing))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {missing}: cannot read the file")
    assert "Traceback" not in result.output


def test_cli_load_loads_the_good_files_and_fails_for_the_bad(app, tmp_path):
    good = _write(tmp_path / "good.yaml", _document())
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: Bad Slug\n", encoding="utf-8")
    result = _cli(app, "survey", "load", str(bad), good)
    assert result.exit_code == 1
    assert result.stdout == f"{SLUG}: loaded as version 1\n"
    assert _versions() == [1]


def test_cli_load_needs_a_path(app):
    result = _cli(app, "survey", "load")
    assert result.exit_code == 2


def test_shipped_survey_loads_through_the_cli(app):
    result = _cli(app, "survey", "load", str(ARTICLE_SURVEY))
    assert result.exit_code == 0, result.output
    assert result.output == "xing-linkedin: loaded as version 1\n"


# ------------------------------------------------------------------ CLI: survey list

def _close(slug):
    with write_transaction():
        db.session.scalar(select(Survey).where(Survey.slug == slug)).is_open = False


def _list_rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines()[1:]]


def test_cli_list_without_surveys_says_how_to_load_one(app):
    result = _cli(app, "survey", "list")
    assert result.exit_code == 0
    assert "no surveys" in result.output
    assert "survey load" in result.output


def test_cli_list_shows_slug_versions_responses_and_state(app):
    _store()
    _store(_relabel)
    _submit_one(newest_version(find_survey(SLUG)))
    result = _cli(app, "survey", "list")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["slug", "versions", "responses", "state"]
    assert _list_rows(result.output) == [[SLUG, "2", "1", "open"]]


def test_cli_list_counts_responses_of_every_version(app):
    _store()
    _submit_one(newest_version(find_survey(SLUG)), "submission-1")
    _store(_relabel)
    _submit_one(newest_version(find_survey(SLUG)), "submission-2")
    _submit_one(newest_version(find_survey(SLUG)), "submission-3")
    assert _list_rows(_cli(app, "survey", "list").output) == [[SLUG, "2", "3", "open"]]


def test_cli_list_shows_closed_surveys(app):
    _store()
    _store(lambda d: d.update(slug="another-survey"))
    _close("another-survey")
    rows = _list_rows(_cli(app, "survey", "list").output)
    assert rows == [["another-survey", "1", "0", "closed"], [SLUG, "1", "0", "open"]]


def test_cli_list_json(app):
    _store()
    _store(lambda d: d.update(slug="another-survey"))
    _close("another-survey")
    _submit_one(newest_version(find_survey(SLUG)))
    result = _cli(app, "survey", "list", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"slug": "another-survey", "versions": 1, "responses": 0, "is_open": False,
         "is_archived": False},
        {"slug": SLUG, "versions": 1, "responses": 1, "is_open": True, "is_archived": False},
    ]


def test_cli_list_json_without_surveys_is_an_empty_list(app):
    result = _cli(app, "survey", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_survey_summaries_match_the_cli(app):
    _store()
    summary = survey_summaries()[0]
    assert (summary.slug, summary.versions, summary.responses, summary.is_open) == (
        SLUG, 1, 0, True)
