"""Anonymized exports: one row per response in every format, read back with the same rows
and labels; codebook and disclosure report; random ids, months, demo data, free text; the
CLI's one-line errors that leave no file behind."""

import copy
import json
import re
from datetime import date, datetime

import numpy as np
import openpyxl
import pyreadstat
import pytest
from sqlalchemy import select

import reports.export.formats
from reports.export import ExportError, run_export
from survey.database import write_transaction
from survey.definition import parse_definition
from survey.extensions import db
from survey.models import Response, User
from survey.surveys import find_survey, store_definition
from tests.helpers.exports import (
    ANSWERS,
    DOCUMENT,
    FORMATS,
    PAGES,
    SLUG,
    make_export_survey,
    output_text,
    random_answers,
    read_back,
    sorted_rows,
    store_responses,
)
from tests.helpers.factories import survey_document

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def survey(make_survey):
    return make_export_survey(make_survey)


@pytest.fixture
def folder(tmp_path):
    """An empty folder for the export files (tmp_path also holds the test's database)."""
    path = tmp_path / "exports"
    path.mkdir()
    return path


def codebook_of(result) -> dict:
    return json.loads(result.codebook_paths[0].read_text())


def export(survey, folder, fmt="csv", name=None, **options):
    return run_export(survey, fmt, folder / (name or f"export.{fmt}"), **options)


def exported(survey, folder, fmt="csv", **options):
    result = export(survey, folder, fmt, **options)
    return result, read_back(fmt, result.data_path, codebook_of(result))


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ rows and columns

def test_a_response_becomes_one_row_with_a_column_per_answer(survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    result, frame = exported(survey, folder, k=5)
    assert len(frame) == 5
    row = frame.iloc[0].to_dict()
    assert {key: row[key] for key in [
        "version", "submitted_month", "consent", "networks__xing", "networks__linkedin",
        "networks__none", "networks__other", "primary", "country", "age_band",
        "activity__xing", "activity__linkedin", "activity__none", "activity__other", "agree",
        "weekly", "share", "future__xing", "future__linkedin", "future__facebook"]} == {
        "version": 1.0, "submitted_month": "2024-03", "consent": 1.0, "networks__xing": 1.0,
        "networks__linkedin": 1.0, "networks__none": 0.0, "networks__other": 1.0,
        "primary": "linkedin", "country": "de", "age_band": "a30_44",
        "activity__xing": "daily", "activity__linkedin": "rarely", "activity__none": None,
        "activity__other": "daily", "agree": "yes", "weekly": 7.0, "share": 12.5,
        "future__xing": 2.0, "future__linkedin": 1.0, "future__facebook": 3.0}
    assert UUID4.match(row["respondent_id"])


def test_unanswered_questions_are_empty_cells(survey, folder):
    store_responses(survey, [{"consent": True, "networks": ["none"],
                              "activity": {"none": "rarely"}, "agree": "no"}] * 5)
    _result, frame = exported(survey, folder, k=5)
    row = frame.iloc[0]
    assert row["networks__xing"] == 0.0 and row["networks__none"] == 1.0
    assert row["primary"] is None and row["weekly"] is None and row["future__xing"] is None
    assert row["country"] is None and row["age_band"] is None


def test_nothing_identifying_leaves(survey, folder):
    store_responses(survey, [ANSWERS] * 6)
    result, frame = exported(survey, folder, k=2)
    assert not {"id", "response_id", "submission_key", "language", "submitted_on", "user_id",
                "ip", "user_agent"} & set(frame.columns)
    written = output_text(result)
    for key in db.session.scalars(select(Response.submission_key)):
        assert key not in written
    assert "2024-03-17" not in written


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_with_the_same_rows(survey, folder, fmt):
    rng = np.random.default_rng(7)
    store_responses(survey, [random_answers(rng) for _ in range(40)])
    _reference, csv_frame = exported(survey, folder, "csv", name="reference.csv")
    result, frame = exported(survey, folder, fmt, text="scrub")
    codebook = codebook_of(result)
    assert list(frame.columns) == [c["name"] for c in codebook["columns"]]
    shared = [c for c in frame.columns if c in csv_frame.columns]
    assert len(frame) == len(csv_frame) == result.rows
    assert sorted_rows(frame[shared]) == sorted_rows(csv_frame[shared])


def test_spss_file_has_variable_and_value_labels(survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    result = export(survey, folder, "sav", k=5)
    _frame, meta = pyreadstat.read_sav(result.data_path)
    labels = meta.column_names_to_labels
    assert labels["country"] == "Land"
    assert labels["networks__xing"] == "Welche Netzwerke? – XING"
    assert meta.variable_value_labels["agree"] == {1: "nein", 2: "teils", 3: "ja",
                                                   4: "Weiß nicht"}
    assert meta.variable_value_labels["networks__xing"] == {0: "no", 1: "yes"}
    assert meta.variable_value_labels["country"] == {1: "Deutschland", 2: "Österreich",
                                                     3: "Schweiz", 4: "Sonstiges"}


def test_xlsx_has_the_codebook_on_a_second_sheet(survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    result = export(survey, folder, "xlsx", k=5)
    workbook = openpyxl.load_workbook(result.data_path, read_only=True)
    assert workbook.sheetnames == ["data", "codebook"]
    header = next(workbook["data"].iter_rows(values_only=True))
    rows = list(workbook["codebook"].iter_rows(values_only=True))
    workbook.close()
    assert [row[0] for row in rows[1:]] == list(header)
    country = next(row for row in rows if row[0] == "country")
    assert "Land" in country and "Country" in country and "yes" in country


def test_codebook_describes_every_column(survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    result = export(survey, folder, "parquet", k=5, text="scrub")
    codebook = codebook_of(result)
    names = [c["name"] for c in codebook["columns"]]
    import pyarrow.parquet as pq

    assert pq.read_schema(result.data_path).names == names
    assert codebook["languages"] == ["de", "en"] and codebook["rows"] == 5
    for column in codebook["columns"]:
        assert column["type"] in ("string", "integer", "number", "binary")
        if column["kind"] == "meta":
            assert column["description"]
        else:
            assert set(column["question"]) == {"de", "en"}
            assert column["versions"] == [1]
    by_name = {c["name"]: c for c in codebook["columns"]}
    assert by_name["country"]["quasi_identifier"] is True
    assert by_name["age_band"]["quasi_identifier"] is True
    assert "quasi_identifier" not in by_name["primary"]
    assert by_name["agree"]["values"][0] == {"code": "no", "label": {"de": "nein", "en": "no"}}
    assert by_name["networks__xing"]["part_label"] == {"de": "XING", "en": "XING"}
    assert by_name["future__facebook"]["part_label"] == {"de": "Facebook", "en": "Facebook"}
    assert by_name["activity__none"]["part_label"] == {"de": "Keines", "en": "None"}
    assert by_name["activity__other"]["part_label"] == {"de": "Sonstiges", "en": "Other"}
    assert by_name["weekly"]["minimum"] == 0 and by_name["weekly"]["maximum"] == 500
    markdown = result.codebook_paths[1].read_text()
    assert all(f"`{name}`" in markdown for name in names)


def test_columns_of_every_version_are_exported_with_the_versions_that_asked_them(
        survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    pages = copy.deepcopy(PAGES)
    pages[2]["questions"] = [q for q in pages[2]["questions"] if q["id"] != "future"]
    pages[0]["questions"][2]["options"].append({"id": "mastodon", "label": "Mastodon"})
    store_definition(parse_definition(survey_document(**{**DOCUMENT, "pages": pages})),
                     source_name="v2.yaml")
    db.session.expire_all()
    survey = find_survey(SLUG)
    store_responses(survey, [{**ANSWERS, "primary": "mastodon", "future": None}] * 5)
    result, frame = exported(survey, folder, k=5)
    by_name = {c["name"]: c for c in codebook_of(result)["columns"]}
    assert by_name["future__xing"]["versions"] == [1]
    assert by_name["primary"]["versions"] == [1, 2]
    assert [v["code"] for v in by_name["primary"]["values"]] == ["xing", "linkedin",
                                                                  "mastodon"]
    assert sorted(frame["version"]) == [1.0] * 5 + [2.0] * 5
    assert sorted(frame["primary"]) == ["linkedin"] * 5 + ["mastodon"] * 5


# ------------------------------------------------------------------ anonymity

def _mixed_population(survey):
    common = [{**ANSWERS, "country": "de", "age_band": band}
              for band in ("a18_29", "a30_44", "a45_64") for _ in range(6)]
    rare = [{**ANSWERS, "country": "at", "age_band": "a65_plus"},
            {**ANSWERS, "country": "ch", "age_band": "a65_plus"},
            {**ANSWERS, "country": "at", "age_band": "a18_29"}]
    store_responses(survey, common + rare)


def test_quasi_identifiers_are_generalized_until_k_anonymous(survey, folder):
    _mixed_population(survey)
    result, frame = exported(survey, folder, k=5)
    sizes = frame.fillna("-").groupby(["country", "age_band"]).size()
    assert sizes.min() >= 5 and len(frame) == 21
    report = json.loads(result.disclosure_paths[0].read_text())
    assert report["k"] == {"required": 5, "reached": int(sizes.min())}
    assert report["records"] == {"read": 21, "released": 21, "suppressed": 0}
    generalized = [q for q in report["quasi_identifiers"] if q["generalized"]]
    assert generalized and all(q["description"] for q in generalized)
    markdown = result.disclosure_paths[1].read_text()
    assert "k required: 5" in markdown and "suppressed: 0" in markdown


def test_an_ordered_band_is_merged_with_its_neighbours(survey, folder):
    store_responses(survey, [{**ANSWERS, "country": "de", "age_band": band}
                             for band, count in [("a18_29", 6), ("a30_44", 2),
                                                 ("a45_64", 3), ("a65_plus", 7)]
                             for _ in range(count)])
    result, frame = exported(survey, folder, k=5)
    assert sorted(set(frame["age_band"])) == ["a18_29", "a30_44..a45_64", "a65_plus"]
    age = next(q for q in result.disclosure["quasi_identifiers"]
               if q["question_id"] == "age_band")
    assert age["description"] == ("neighbouring values merged into: 18–29, 30–44 … 45–64, "
                                  "65 oder älter")


def test_suppression_may_be_allowed_to_generalize_less(survey, folder):
    _mixed_population(survey)
    result, frame = exported(survey, folder, k=5, max_suppression=0.2)
    assert result.disclosure["records"] == {"read": 21, "released": 18, "suppressed": 3}
    assert all(not q["generalized"] for q in result.disclosure["quasi_identifiers"])
    assert set(frame["country"]) == {"de"}


def test_fewer_responses_than_k_release_nothing(survey, folder):
    store_responses(survey, [ANSWERS] * 3)
    result, frame = exported(survey, folder, k=5)
    assert len(frame) == 0 and result.disclosure["records"]["suppressed"] == 3
    assert result.disclosure["k"]["reached"] is None


def test_two_exports_share_no_respondent_id(survey, folder):
    store_responses(survey, [ANSWERS] * 50)
    _first, one = exported(survey, folder, name="one.csv")
    _second, two = exported(survey, folder, name="two.csv")
    assert len(set(one["respondent_id"])) == len(set(two["respondent_id"])) == 50
    assert not set(one["respondent_id"]) & set(two["respondent_id"])
    assert all(UUID4.match(i) for i in one["respondent_id"])


def test_dates_are_coarsened_to_the_month(survey, folder):
    for day in (date(2024, 1, 31), date(2024, 2, 1), date(2024, 2, 29)):
        store_responses(survey, [ANSWERS] * 2, day=day)
    result, frame = exported(survey, folder, k=2)
    assert sorted(frame["submitted_month"]) == ["2024-01"] * 2 + ["2024-02"] * 4
    assert not re.search(r"2024-0[12]-\d\d", output_text(result))


def test_since_takes_only_responses_from_that_day_on(survey, folder):
    store_responses(survey, [ANSWERS] * 5, day=date(2024, 1, 10))
    store_responses(survey, [ANSWERS] * 5, day=date(2024, 2, 10))
    result, frame = exported(survey, folder, since=date(2024, 2, 1))
    assert len(frame) == 5 and set(frame["submitted_month"]) == {"2024-02"}
    assert result.disclosure["selection"]["since"] == "2024-02-01"


def test_demo_responses_are_left_out_unless_asked_for(survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    store_responses(survey, [{**ANSWERS, "agree": "no"}] * 7, demo=True)
    _result, frame = exported(survey, folder)
    assert len(frame) == 5 and "is_demo" not in frame.columns
    assert set(frame["agree"]) == {"yes"}
    _result, both = exported(survey, folder, include_demo=True, name="all.csv")
    assert sorted(both["is_demo"]) == [0.0] * 5 + [1.0] * 7


def test_progress_is_reported_up_to_the_total(survey, folder):
    store_responses(survey, [ANSWERS] * 12)
    calls = []
    export(survey, folder, progress=lambda done, total: calls.append((done, total)),
           chunk_rows=5)
    assert calls[-1][0] == calls[-1][1] == 24
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


# ------------------------------------------------------------------ free text

PERSONAL = ("Schreib an max.muster@example.org oder ruf an: 0171 2345678. Profil: "
            "https://muster.example/max, @maxmuster, IBAN DE89 3704 0044 0532 0130 00 – "
            "XING bleibt wichtig.")


def test_free_text_is_dropped_by_default(survey, folder):
    store_responses(survey, [{**ANSWERS, "comment": PERSONAL}] * 5)
    result, frame = exported(survey, folder, k=5)
    assert "comment" not in frame.columns and "networks.other" not in frame.columns
    assert result.disclosure["free_text"]["dropped"] == ["networks.other", "country.other",
                                                         "comment"]
    written = output_text(result)
    assert "muster" not in written and "Mastodon" not in written


def test_scrubbing_replaces_personal_data_and_keeps_the_rest(survey, folder):
    store_responses(survey, [{**ANSWERS, "comment": PERSONAL}] * 5)
    result, frame = exported(survey, folder, k=5, text="scrub")
    assert set(frame["comment"]) == {
        "Schreib an [email] oder ruf an: [phone]. Profil: [url], [handle], IBAN [iban] – "
        "XING bleibt wichtig."}
    assert set(frame["networks.other"]) == {"Mastodon"}
    report = result.disclosure["free_text"]
    assert report["scrubbed"] == ["networks.other", "comment"]
    assert report["dropped"] == ["country.other"]
    assert report["replacements"] == {"email": 5, "handle": 5, "iban": 5, "phone": 5, "url": 5}


def test_the_free_text_of_a_quasi_identifier_is_never_exported(survey, folder):
    store_responses(survey, [{**ANSWERS, "country": "other", "country.other": "Liechtenstein"}]
                    * 5)
    result, frame = exported(survey, folder, k=5, text="scrub")
    assert "country.other" not in frame.columns
    assert "Liechtenstein" not in output_text(result)


def test_account_names_and_addresses_are_scrubbed_from_free_text(survey, folder, make_user):
    make_user("quirin.zapf@example.org")
    with write_transaction():
        db.session.scalars(select(User)).one().display_name = "Quirin Zapf"
    store_responses(survey, [{**ANSWERS, "comment": "Gruß an quirin zapf!"}] * 5)
    result, frame = exported(survey, folder, k=5, text="scrub")
    assert set(frame["comment"]) == {"Gruß an [name]!"}
    assert "zapf" not in output_text(result).lower()


# ------------------------------------------------------------------ failures

def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["export", *args])


def test_cli_writes_the_export_with_a_summary(app, survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    result = run_cli(app, SLUG, "--format", "parquet", "--out", str(folder / "x.parquet"))
    assert result.exit_code == 0, result.output
    assert "5 rows written" in result.output
    assert files_in(folder) == ["x.parquet", "x.parquet.codebook.json", "x.parquet.codebook.md",
                                "x.parquet.disclosure.json", "x.parquet.disclosure.md"]


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-survey", "--format", "csv"], "there is no survey 'no-such-survey'"),
    ([SLUG, "--format", "xls"], "unknown format 'xls'"),
    ([SLUG, "--format", "csv", "--text", "keep"], "unknown --text 'keep'"),
    ([SLUG, "--format", "csv", "--since", "last week"], "is not a day"),
    ([SLUG, "--format", "csv", "--k", "1"], "k must be a whole number of at least 2"),
])
def test_cli_refuses_bad_input_in_one_line_and_writes_nothing(app, survey, folder, args,
                                                             message):
    result = run_cli(app, *args, "--out", str(folder / "x.csv"))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert files_in(folder) == []


@pytest.mark.parametrize("where", ["missing/x.csv", "a-file/x.csv", "."])
def test_cli_refuses_an_unwritable_path_in_one_line(app, survey, folder, where):
    (folder / "a-file").write_text("not a folder")
    before = files_in(folder)
    result = run_cli(app, SLUG, "--format", "csv", "--out", str(folder / where))
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write")
    assert len(result.output.strip().splitlines()) == 1
    assert files_in(folder) == before


def test_a_failure_while_writing_leaves_no_file_behind(survey, folder, monkeypatch):
    store_responses(survey, [ANSWERS] * 5)

    def fail(self, table):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reports.export.formats.CsvWriter, "write", fail)
    with pytest.raises(ExportError, match="No space left on device"):
        export(survey, folder, k=5)
    assert files_in(folder) == []


@pytest.mark.parametrize(("fmt", "limit"), [("xlsx", "XLSX_MAX_ROWS"),
                                            ("sav", "SAV_MAX_CELLS")])
def test_formats_that_need_the_whole_table_refuse_too_many_rows(survey, folder, monkeypatch,
                                                                fmt, limit):
    store_responses(survey, [ANSWERS] * 5)
    monkeypatch.setattr(reports.export.formats, limit, 4)
    with pytest.raises(ExportError, match="choose csv, jsonl or parquet"):
        export(survey, folder, fmt, k=5)
    assert files_in(folder) == []


def test_disclosure_report_says_when_the_export_was_made(survey, folder):
    store_responses(survey, [ANSWERS] * 5)
    result = export(survey, folder, k=5)
    made = datetime.fromisoformat(result.disclosure["exported_at"])
    assert made.tzinfo is not None
    assert json.loads(result.disclosure_paths[0].read_text()) == result.disclosure
