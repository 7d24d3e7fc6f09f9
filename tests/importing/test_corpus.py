"""Every real file of the shared corpus either imports (and the survey then takes a valid
response through the API) or is refused with one `error:` line; never a traceback."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.importing import import_file
from survey.models import Survey
from survey.surveys import store_definition
from tests.helpers.corpus import corpus_file, corpus_files, require_corpus
from tests.helpers.imports import valid_answers

FILES = corpus_files()
# What pyxform or the format refuses, and files whose every question is left out.
REFUSED = {
    "pyxform__calculate_without_calculation.xls": "not a valid XLSForm: [row : 34] Missing "
                                                  "calculation.",
    "pyxform__duplicate_columns.xlsx": "not a valid XLSForm: Duplicate column header: label",
    "pyxform__group_name_test.xls": "not a valid XLSForm: [row : 3] Question or group with "
                                    "no name.",
    "pyxform__unknown_question_type.xls": "not a valid XLSForm: Invalid headers",
    "limesurvey__limesurvey_question_import_question_test.lsq": "a LimeSurvey question "
                                                                "file, not a survey",
    "limesurvey__limesurvey_survey_251297_import_group.lss": "the file holds no questions",
    "limesurvey__limesurvey_survey_454287.lss": "no question of the file can be imported "
                                                "(3 left out: date and time fields",
    "limesurvey__limesurvey_survey_561859.lss": "no question of the file can be imported "
                                                "(1 left out: media and file fields",
    "pyxform__bad_calc.xlsx": "no question", "pyxform__calculate.xls": "no question",
    "pyxform__choice_name_same_as_select_name.xls": "no question",
    "pyxform__default_time_demo.xls": "no question", "pyxform__hidden.xls": "no question",
    "pyxform__pull_data.xlsx": "no question", "pyxform__repeat_date_test.xls": "no question",
    "pyxform__simple_loop.xls": "no question",
}


def test_the_corpus_is_there_when_required():
    require_corpus()
    assert len([f for f in FILES if "xlsform" in f.parts]) == 39
    assert len([f for f in FILES if "lss" in f.parts]) == 28


@pytest.mark.parametrize("path", FILES or [None], ids=[f.name for f in FILES] or ["absent"])
def test_a_corpus_file_imports_and_takes_a_response_or_is_refused(app, client, path):
    if path is None:
        require_corpus()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["survey", "import", str(path), "--slug", "imported"])
    assert "Traceback" not in result.output + result.stderr
    db.session.remove()
    if path.name in REFUSED:
        assert result.exit_code == 1
        [line] = result.stderr.splitlines()
        assert line.startswith(f"error: {path}: {REFUSED[path.name]}")
        assert db.session.scalar(select(func.count(Survey.id))) == 0
        return
    assert result.exit_code == 0, result.stderr
    assert result.output.startswith("import report (")
    assert "imported: imported as version 1, closed" in result.output
    definition = import_file(path.name, path.read_bytes(), slug="imported").definition
    closed = client.post("/api/v1/surveys/imported/responses", json={
        "submission_id": "corpus-0001", "answers": valid_answers(definition)})
    assert closed.status_code == 403, "imported surveys start closed"
    assert runner.invoke(args=["survey", "open", "imported"]).exit_code == 0
    if not definition.is_within_dates(datetime.now(UTC)):  # the source's dates are kept
        assert client.get("/s/imported").status_code == 403
        definition = definition.model_copy(update={"opens_at": None, "closes_at": None})
        assert store_definition(definition, "undated.yaml").version == 2
    for language in definition.languages:
        page = client.get(f"/s/imported?lang={language}")
        assert page.status_code == 200
    for seed in range(3):
        stored = client.post("/api/v1/surveys/imported/responses", json={
            "submission_id": f"corpus-{seed:04d}", "language": definition.languages[-1],
            "answers": valid_answers(definition, seed)})
        assert stored.status_code == 201, stored.json


def _report(name):
    return import_file(name, corpus_file(name).read_bytes()).report


def _entry(report, source):
    return next(entry for entry in report.questions if entry.source == source)


def test_report_of_an_xlsform_with_or_other_and_a_choice_filter():
    report = _report("pyxform__or_other.xlsx")
    assert _entry(report, "fav_color").outcome == "mapped"
    assert "choice_filter was left out" in _entry(report, "fav_pastel").detail
    assert [e.source for e in report.questions] == ["fav_color", "fav_pastel"]


def test_report_of_the_xlsform_widgets():
    report = _report("pyxform__widgets.xls")
    assert _entry(report, "my_trigger").detail == "consent"
    assert _entry(report, "my_int").detail == "number"
    assert _entry(report, "my_geopoint").detail == "geo fields are not supported"
    assert _entry(report, "my_date").detail == "date and time fields are not supported"
    assert _entry(report, "my_image").detail == "media and file fields are not supported"
    assert _entry(report, "my_output").detail == "a read-only field, never answered"
    assert report.counts()["left_out"] >= 10


def test_report_of_an_xlsform_with_a_repeat_and_a_language():
    result = import_file("loop.xlsx", corpus_file("pyxform__loop.xlsx").read_bytes())
    assert result.definition.languages == ["en"]
    assert _entry(result.report, "loop_toilet_types").detail == "repeats are not supported"
    assert result.definition.question("available_toilet_types").other


def test_report_of_limesurvey_legacy_conditions_and_equations():
    report = _report("limesurvey__limesurvey_survey_351443.lss")
    assert _entry(report, "BMI").detail == "equations are computed, not asked"
    weight = next(c for c in report.conditions if c.source == "weight")
    assert weight.outcome == "translated" and weight.detail == "not minimumdataonly equals 'yes'"
    assert any(c.outcome == "left_out" and "'<' has no counterpart" in c.detail
               for c in report.conditions)


def test_report_of_limesurvey_dual_scale_arrays():
    result = import_file("dual.lss",
                         corpus_file("limesurvey__survey-dual-scale-question-api-test.lss")
                         .read_bytes())
    duals = [e for e in result.report.questions if e.source_type == "dual scale array"]
    assert duals and all(e.detail == "2 × matrix" and len(e.ids) == 2 for e in duals)
    assert result.definition.languages == ["en", "es"]


def test_report_of_a_limesurvey_archive_says_its_responses_are_not_imported():
    report = _report("limesurvey__survey_statistics_two.lsa")
    assert any("responses (.lsr) were not imported" in note for note in report.notes)


def test_limesurvey_html_and_scripts_become_plain_text():
    result = import_file("multi.lss", corpus_file(
        "limesurvey__ls205_sample_survey_multilingual.lss").read_bytes())
    texts = result.yaml_text
    assert "<script" not in texts and "<p>" not in texts and "&nbsp;" not in texts
    assert len(result.definition.languages) == 3
