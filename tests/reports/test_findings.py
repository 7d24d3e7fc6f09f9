"""Findings over the tidy frame: every kind against values worked out by hand, reference
values for the Wilson and t intervals, NA handling, and every finding of the article survey
on a random frame. No Flask app and no database."""

import copy
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.findings import (
    METHOD_CODES,
    FindingError,
    FindingResult,
    compute_finding,
    compute_findings,
    t_quantile,
    wilson_interval,
)
from survey.definition import load_definition_file, parse_definition
from survey.definition.columns import frame_columns, part_column
from survey.definition.model import Finding
from tests.helpers.factories import survey_document
from tests.helpers.frames import random_frame

ROOT = Path(__file__).resolve().parents[2]
ARTICLE_SURVEY = ROOT / "survey" / "definitions" / "xing-linkedin.yaml"

FINDINGS = [
    {"id": "primary", "kind": "distribution", "question": "primary"},
    {"id": "networks", "kind": "distribution", "question": "networks"},
    {"id": "agree", "kind": "distribution", "question": "agree"},
    {"id": "primary-by-country", "kind": "crosstab", "question": "primary", "by": "country"},
    {"id": "primary-by-country-d", "kind": "distribution", "question": "primary",
     "by": "country"},
    {"id": "networks-by-country", "kind": "crosstab", "question": "networks", "by": "country"},
    {"id": "country-by-networks", "kind": "crosstab", "question": "country", "by": "networks"},
    {"id": "blame", "kind": "likert_summary", "question": "agree"},
    {"id": "blame-yes", "kind": "likert_summary", "question": "agree", "agree": ["yes"]},
    {"id": "weekly", "kind": "numeric_summary", "question": "weekly"},
    {"id": "future", "kind": "ranking", "question": "future"},
]

# The ten respondents of the hand-worked examples (None: not answered).
# networks: the options chosen (xing, linkedin, none, other); future: places of
# (xing, linkedin, facebook).
RESPONDENTS = [
    # primary,   country, networks,                     agree,       weekly, future
    ("xing",     "de",  ["xing", "linkedin"],           "yes",       1,      (1, 2, 3)),
    ("xing",     "de",  ["xing"],                       "partly",    2,      (2, 1, 3)),
    ("linkedin", "at",  ["linkedin"],                   "no",        3,      (3, 1, 2)),
    ("linkedin", "de",  ["linkedin", "other"],          "dont_know", 4,      (1, 3, 2)),
    (None,       "at",  ["none"],                       "yes",       None,   None),
    ("xing",     None,  ["xing", "linkedin", "other"],  "yes",       10,     (2, 1, 3)),
    ("linkedin", "at",  None,                           None,        5,      (3, 2, 1)),
    (None,       None,  ["xing"],                       "dont_know", None,   None),
    ("xing",     "at",  ["linkedin"],                   "partly",    7,      (1, 2, 3)),
    ("xing",     "de",  None,                           "no",        6,      None),
]


def _definition(findings=FINDINGS, extra_questions=()):
    document = survey_document(findings=findings)
    document["pages"][0]["questions"] += list(extra_questions)
    return parse_definition(document)


DEFINITION = _definition()


def _frame(respondents=RESPONDENTS) -> pd.DataFrame:
    """The frame of `respondents` in the format of reports.columns."""
    networks = ("xing", "linkedin", "none", "other")
    future = ("xing", "linkedin", "facebook")
    data = {
        "response_id": list(range(1, len(respondents) + 1)),
        "primary": pd.Series([r[0] for r in respondents], dtype="str"),
        "country": pd.Series([r[1] for r in respondents], dtype="str"),
        "agree": pd.Series([r[3] for r in respondents], dtype="str"),
        "weekly": pd.Series([np.nan if r[4] is None else r[4] for r in respondents],
                            dtype="float64"),
    }
    for option in networks:
        data[part_column("networks", option)] = pd.array(
            [None if r[2] is None else option in r[2] for r in respondents], dtype="boolean")
    for index, item in enumerate(future):
        data[part_column("future", item)] = pd.array(
            [None if r[5] is None else r[5][index] for r in respondents], dtype="Int64")
    return pd.DataFrame(data)


FRAME = _frame()


def _compute(finding_id: str, frame: pd.DataFrame = FRAME, definition=DEFINITION):
    finding = next(f for f in definition.findings if f.id == finding_id)
    return compute_finding(frame, definition, finding)


# ------------------------------------------------------------------ distribution

def test_single_choice_distribution_counts_and_shares_among_those_who_answered():
    # primary: xing for respondents 1, 2, 6, 9, 10; linkedin for 3, 4, 7; 5 and 8 skipped
    result = _compute("primary")
    assert result.kind == "distribution" and result.method_code == "distribution/single"
    assert result.n == 8
    table = result.table
    assert table["type"] == "distribution"
    assert table["labels"] == ["xing", "linkedin"]
    assert table["counts"] == [5, 3]
    assert table["total"] == 8
    assert table["shares"] == pytest.approx([0.625, 0.375])
    assert table["cells_sum_to_total"] is True


def test_multi_choice_shares_are_per_respondent_and_may_add_up_to_more_than_one():
    # answered: 1, 2, 3, 4, 5, 6, 8, 9 (8 respondents); xing 1, 2, 6, 8; linkedin 1, 3, 4, 6, 9;
    # none 5; other 4, 6 -> 12 choices by 8 respondents
    result = _compute("networks")
    assert result.method_code == "distribution/multi"
    assert result.n == 8
    table = result.table
    assert table["labels"] == ["xing", "linkedin", "none", "other"]
    assert table["counts"] == [4, 5, 1, 2]
    assert table["total"] == 8
    assert table["shares"] == pytest.approx([4 / 8, 5 / 8, 1 / 8, 2 / 8])
    assert sum(table["shares"]) > 1
    assert table["cells_sum_to_total"] is False
    assert "more than 100%" in result.method


def test_likert_distribution_includes_dont_know():
    # no 3, 10; partly 2, 9; yes 1, 5, 6; dont_know 4, 8; respondent 7 skipped
    result = _compute("agree")
    assert result.method_code == "distribution/likert"
    assert result.table["labels"] == ["no", "partly", "yes", "dont_know"]
    assert result.table["counts"] == [2, 2, 3, 2]
    assert result.n == result.table["total"] == 9
    assert result.table["shares"] == pytest.approx([2 / 9, 2 / 9, 3 / 9, 2 / 9])


def test_other_option_is_counted_in_definition_order():
    document = survey_document(findings=[{"id": "p", "kind": "distribution",
                                          "question": "primary"}])
    document["pages"][0]["questions"][2]["other"] = True
    definition = parse_definition(document)
    frame = pd.DataFrame({"primary": pd.Series(["other", "xing", "other", None], dtype="str")})
    result = compute_finding(frame, definition, definition.findings[0])
    assert result.table["labels"] == ["xing", "linkedin", "other"]
    assert result.table["counts"] == [1, 0, 2]
    assert result.n == 3


# ------------------------------------------------------------------ crosstab

def test_crosstab_counts_totals_and_row_shares():
    # both answered: 1 de/xing, 2 de/xing, 3 at/linkedin, 4 de/linkedin, 7 at/linkedin,
    # 9 at/xing, 10 de/xing; 5 (no primary), 6 (no country) and 8 (neither) are left out
    result = _compute("primary-by-country")
    assert result.kind == "crosstab" and result.by == "country"
    assert result.method_code == "crosstab/single-single"
    assert result.n == 7
    table = result.table
    assert table["type"] == "crosstab"
    assert table["row_labels"] == ["de", "at"]
    assert table["column_labels"] == ["xing", "linkedin"]
    assert table["counts"] == [[3, 1], [1, 2]]
    assert table["row_totals"] == [4, 3]
    assert table["column_totals"] == [4, 3]
    assert table["total"] == 7
    assert table["row_shares"][0] == pytest.approx([3 / 4, 1 / 4])
    assert table["row_shares"][1] == pytest.approx([1 / 3, 2 / 3])
    assert table["column_shares"] == pytest.approx([4 / 7, 3 / 7])
    assert table["rows_sum_to_totals"] is True and table["columns_sum_to_totals"] is True


def test_distribution_with_by_is_the_crosstab():
    plain = _compute("primary-by-country").table
    result = _compute("primary-by-country-d")
    assert result.kind == "distribution" and result.by == "country"
    assert result.table == plain


def test_crosstab_of_a_multi_choice_question_counts_respondents_in_each_chosen_column():
    # both answered: 1 de (xing, linkedin), 2 de (xing), 4 de (linkedin, other),
    # 3 at (linkedin), 5 at (none), 9 at (linkedin)
    result = _compute("networks-by-country")
    assert result.method_code == "crosstab/multi-single"
    assert result.n == 6
    table = result.table
    assert table["row_labels"] == ["de", "at"]
    assert table["column_labels"] == ["xing", "linkedin", "none", "other"]
    assert table["counts"] == [[2, 2, 0, 1], [0, 2, 1, 0]]
    assert table["row_totals"] == [3, 3]  # respondents, not the 5 and 3 answers
    assert table["column_totals"] == [2, 4, 1, 1]
    assert table["total"] == 6
    assert table["row_shares"][0] == pytest.approx([2 / 3, 2 / 3, 0, 1 / 3])
    assert table["row_shares"][1] == pytest.approx([0, 2 / 3, 1 / 3, 0])
    assert table["rows_sum_to_totals"] is False and table["columns_sum_to_totals"] is True
    assert "respondents, not answers" in result.method


def test_crosstab_by_a_multi_choice_question_counts_respondents_in_each_chosen_row():
    result = _compute("country-by-networks")
    assert result.method_code == "crosstab/single-multi"
    table = result.table
    assert table["row_labels"] == ["xing", "linkedin", "none", "other"]
    assert table["column_labels"] == ["de", "at"]
    assert table["counts"] == [[2, 0], [2, 2], [0, 1], [1, 0]]
    assert table["row_totals"] == [2, 4, 1, 1]
    assert table["column_totals"] == [3, 3]
    assert table["total"] == result.n == 6
    assert table["row_shares"][1] == pytest.approx([0.5, 0.5])
    assert table["rows_sum_to_totals"] is True and table["columns_sum_to_totals"] is False


TOOLS = {"id": "tools", "type": "multi_choice", "text": "Tools?",
         "options": [{"id": "phone", "label": "Phone"}, {"id": "laptop", "label": "Laptop"}],
         "other": True}
CROSS_FINDINGS = [
    {"id": f"{q}-by-{b}", "kind": "crosstab", "question": q, "by": b}
    for q, b in itertools.permutations(["primary", "agree", "networks", "tools"], 2)
]


def _reference_crosstab(frame, definition, question_id, by_id):
    """Counts and totals by looping over respondents: the definition of the method."""
    def answer(row, question):
        if question.type == "multi_choice":
            values = [row[part_column(question.id, o)] for o in question.choice_ids()]
            if all(pd.isna(v) for v in values):
                return None
            return {o for o, v in zip(question.choice_ids(), values, strict=True)
                    if not pd.isna(v) and v}
        value = row[question.id]
        return None if pd.isna(value) else {value}

    question, by = definition.question(question_id), definition.question(by_id)
    rows, columns = by.choice_ids(), question.choice_ids()
    counts = [[0] * len(columns) for _ in rows]
    row_totals, column_totals, total = [0] * len(rows), [0] * len(columns), 0
    for _, row in frame.iterrows():
        a, b = answer(row, question), answer(row, by)
        if a is None or b is None:
            continue
        total += 1
        for i, r in enumerate(rows):
            row_totals[i] += r in b
            for j, c in enumerate(columns):
                counts[i][j] += r in b and c in a
        for j, c in enumerate(columns):
            column_totals[j] += c in a
    return counts, row_totals, column_totals, total


def test_crosstab_matches_a_respondent_by_respondent_count_for_every_combination():
    definition = _definition(CROSS_FINDINGS, [TOOLS])
    frame = random_frame(definition, 300, seed=7, missing=0.3)
    codes = set()
    for finding in definition.findings:
        result = compute_finding(frame, definition, finding)
        counts, row_totals, column_totals, total = _reference_crosstab(
            frame, definition, finding.question, finding.by)
        assert result.table["counts"] == counts, finding.id
        assert result.table["row_totals"] == row_totals, finding.id
        assert result.table["column_totals"] == column_totals, finding.id
        assert result.n == result.table["total"] == total, finding.id
        codes.add(result.method_code)
    assert codes == {"crosstab/single-single", "crosstab/multi-single",
                     "crosstab/single-multi", "crosstab/multi-multi"}


# ------------------------------------------------------------------ likert summary

@pytest.mark.parametrize(("successes", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score);
    # the first is also the example on Wikipedia's "Binomial proportion confidence interval"
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (20, 20, 0.8389, 1.0),  # mirror image of 0/20
])
def test_wilson_interval_matches_published_values(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_edges_are_exact():
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0
    assert wilson_interval(0, 1)[1] < 1 and wilson_interval(1, 1)[0] > 0
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_likert_summary_leaves_dont_know_out_of_the_base():
    # scale answers: no 3, 10; partly 2, 9; yes 1, 5, 6 (7 respondents); don't know 4, 8;
    # agree by default = top two points (partly, yes) = 5 of 7
    result = _compute("blame")
    assert result.method_code == "likert_summary/wilson"
    assert result.n == 7
    table = result.table
    assert table["labels"] == ["no", "partly", "yes", "dont_know"]
    assert table["counts"] == [2, 2, 3, 2]
    assert table["total"] == 9
    assert table["dont_know"] == 2
    assert table["base"] == 7
    assert table["agree"] == ["partly", "yes"]
    assert table["agree_count"] == 5
    assert table["agree_share"] == pytest.approx(5 / 7)
    # Wilson 95% for 5/7 by hand: centre (5/7 + z²/14) / (1 + z²/7) = 0.63836,
    # half-width z / (1 + z²/7) · √(5/7 · 2/7 / 7 + z²/196) = 0.27942
    assert table["interval"] == pytest.approx([0.35894, 0.91778], abs=5e-5)
    assert table["confidence"] == 0.95


def test_likert_summary_with_named_agree_options():
    table = _compute("blame-yes").table
    assert table["agree"] == ["yes"]
    assert table["agree_count"] == 3
    assert table["agree_share"] == pytest.approx(3 / 7)
    assert table["interval"] == pytest.approx(list(wilson_interval(3, 7)))


def test_likert_summary_when_everyone_agrees_or_nobody_answers_on_the_scale():
    frame = FRAME.assign(agree=pd.Series(["yes"] * 4 + ["dont_know"] * 2 + [None] * 4,
                                         dtype="str"))
    table = _compute("blame", frame).table
    assert (table["base"], table["agree_count"], table["dont_know"]) == (4, 4, 2)
    assert table["interval"][1] == 1.0
    frame = FRAME.assign(agree=pd.Series(["dont_know"] * 3 + [None] * 7, dtype="str"))
    result = _compute("blame", frame)
    assert result.n == 0 and result.table["total"] == 3
    assert result.table["agree_share"] is None and result.table["interval"] is None


# ------------------------------------------------------------------ numeric summary

def test_numeric_summary_quartiles_and_mean_interval():
    # answers 1, 2, 3, 4, 10, 5, 7, 6 (respondents 5 and 8 skipped); sorted 1 2 3 4 5 6 7 10.
    # Linear interpolation at position p·(n−1): Q1 at 1.75 -> 2 + 0.75 = 2.75,
    # median at 3.5 -> 4.5, Q3 at 5.25 -> 6 + 0.25 = 6.25.
    # mean 38/8 = 4.75; squared deviations add up to 59.5, sd = √(59.5/7) = 2.915476;
    # t(0.975, 7) = 2.364624 (any t table), half-width 2.364624 · 2.915476 / √8 = 2.437399.
    result = _compute("weekly")
    assert result.method_code == "numeric_summary/t"
    assert result.n == 8
    table = result.table
    assert table["total"] == 8
    assert (table["q1"], table["median"], table["q3"]) == pytest.approx((2.75, 4.5, 6.25))
    assert table["mean"] == pytest.approx(4.75)
    assert table["sd"] == pytest.approx(2.915476, abs=1e-6)
    assert table["interval"] == pytest.approx([2.312601, 7.187399], abs=1e-6)
    assert table["quantile_method"] == "linear"
    assert "min" not in table and "max" not in table
    assert "not published" in result.method


def test_numeric_summary_of_one_or_no_answers():
    one = FRAME.assign(weekly=[np.nan] * 9 + [3.0])
    table = _compute("weekly", one).table
    assert (table["total"], table["median"], table["mean"]) == (1, 3.0, 3.0)
    assert table["sd"] is None and table["interval"] is None
    none = FRAME.assign(weekly=[np.nan] * 10)
    result = _compute("weekly", none)
    assert result.n == 0
    assert all(result.table[key] is None for key in ("median", "q1", "q3", "mean", "interval"))


@pytest.mark.parametrize(("df", "expected"), [
    # two-sided 95% critical values of Student's t, from published tables
    (1, 12.7062), (2, 4.3027), (5, 2.5706), (7, 2.3646), (10, 2.2281), (30, 2.0423),
    (100, 1.9840), (1000, 1.9623), (10**7, 1.9600),
])
def test_t_quantile_matches_tables(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-5)


def test_t_quantile_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for df in [*range(1, 400), 500, 1000, 5000, 10**5, 10**6]:
        for p in (0.6, 0.9, 0.975, 0.995, 0.025):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9), (p, df)


# ------------------------------------------------------------------ ranking

def test_ranking_mean_rank_and_borda():
    # places (xing, linkedin, facebook) of respondents 1, 2, 3, 4, 6, 7, 9 (m = 3 items):
    # xing     1 2 3 1 2 3 1: sum 13, Borda (3 − place) 2+1+0+2+1+0+2 = 8
    # linkedin 2 1 1 3 1 2 2: sum 12, Borda 1+2+2+0+2+1+1 = 9
    # facebook 3 3 2 2 3 1 3: sum 17, Borda 0+0+1+1+0+2+0 = 4
    result = _compute("future")
    assert result.method_code == "ranking/borda"
    assert result.n == 7
    table = result.table
    assert table["labels"] == ["linkedin", "xing", "facebook"]
    assert table["places"] == 3
    assert table["borda_total"] == [9, 8, 4]
    assert table["borda_average"] == pytest.approx([9 / 7, 8 / 7, 4 / 7])
    assert table["mean_rank"] == pytest.approx([12 / 7, 13 / 7, 17 / 7])
    assert table["ranked_by"] == [7, 7, 7]
    assert table["counts"] == [[3, 3, 1], [3, 2, 2], [1, 2, 4]]
    assert table["total"] == 7


def test_partial_rankings_and_borda_ties():
    # respondent A ranks xing 1, linkedin 2, facebook 3; B ranks only facebook (place 1);
    # C gives an impossible place (4) for xing and nothing else.
    # Borda: xing 2, linkedin 1, facebook 0 + 2 = 2 -> tie between xing and facebook,
    # kept in definition order.
    frame = pd.DataFrame({
        "future__xing": pd.array([1, None, 4], dtype="Int64"),
        "future__linkedin": pd.array([2, None, None], dtype="Int64"),
        "future__facebook": pd.array([3, 1, None], dtype="Int64"),
    })
    table = _compute("future", frame).table
    assert table["total"] == 2
    assert table["labels"] == ["xing", "facebook", "linkedin"]
    assert table["borda_total"] == [2, 2, 1]
    assert table["ranked_by"] == [1, 2, 1]
    assert table["mean_rank"] == pytest.approx([1.0, 2.0, 2.0])
    assert table["borda_average"] == pytest.approx([1.0, 1.0, 0.5])


# ------------------------------------------------------------------ missing answers, dtypes

def test_nobody_answered():
    empty = pd.DataFrame({column: pd.Series([None] * 4, dtype=FRAME[column].dtype)
                          for column in FRAME.columns if column != "response_id"})
    for finding in DEFINITION.findings:
        result = compute_finding(empty, DEFINITION, finding)
        assert result.n == 0, finding.id
        json.dumps(result.to_dict(), allow_nan=False)
    table = _compute("networks", empty).table
    assert table["counts"] == [0, 0, 0, 0] and table["shares"] == [None] * 4
    table = _compute("primary-by-country", empty).table
    assert table["row_shares"] == [[None, None], [None, None]]


def test_unknown_option_ids_are_left_out():
    frame = FRAME.assign(primary=pd.Series(["xing", "facebook", *[None] * 8], dtype="str"))
    result = _compute("primary", frame)
    assert result.n == 1 and result.table["counts"] == [1, 0]


def test_other_column_dtypes_give_the_same_results():
    other = FRAME.copy()
    other["primary"] = FRAME["primary"].astype(object)
    other["country"] = FRAME["country"].astype("category")
    other["agree"] = pd.Categorical(FRAME["agree"], categories=["yes", "no", "partly",
                                                                "dont_know", "unused"])
    for option in ("xing", "linkedin", "none", "other"):
        column = part_column("networks", option)
        other[column] = FRAME[column].astype(object)  # True / False / NA objects
    other["networks__other"] = FRAME["networks__other"].astype("float64")  # 1.0 / 0.0 / NaN
    for item in ("xing", "linkedin", "facebook"):
        column = part_column("future", item)
        other[column] = FRAME[column].astype("float64")
    other["weekly"] = FRAME["weekly"].astype("Float64")
    for finding in DEFINITION.findings:
        expected = compute_finding(FRAME, DEFINITION, finding)
        assert compute_finding(other, DEFINITION, finding) == expected, finding.id


# ------------------------------------------------------------------ results and errors

def test_results_round_trip_through_json():
    for result in compute_findings(FRAME, DEFINITION):
        data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        assert FindingResult.from_dict(data) == result
        assert result.method_code in METHOD_CODES
        assert result.method.endswith(".")
        assert "total" in result.table
    with pytest.raises(ValueError, match="needs"):
        FindingResult.from_dict({"finding_id": "x"})


def test_errors_are_named():
    with pytest.raises(FindingError, match="no column 'weekly'"):
        _compute("weekly", FRAME.drop(columns="weekly"))
    wrong = Finding(id="wrong", kind="numeric_summary", question="primary")
    with pytest.raises(FindingError, match="needs number"):
        compute_finding(FRAME, DEFINITION, wrong)
    unknown = Finding(id="unknown", kind="distribution", question="nope")
    with pytest.raises(FindingError, match="unknown question"):
        compute_finding(FRAME, DEFINITION, unknown)


# ------------------------------------------------------------------ the article survey

@pytest.fixture(scope="module")
def article():
    definition = load_definition_file(ARTICLE_SURVEY)
    return definition, random_frame(definition, 5000, seed=3)


def test_random_frame_has_the_columns_of_the_definition(article):
    definition, frame = article
    expected = [name for columns in frame_columns(definition) for name in columns.columns]
    assert set(expected) <= set(frame.columns)


def test_every_finding_of_the_article_survey_computes(article):
    definition, frame = article
    results = compute_findings(frame, definition)
    assert [r.finding_id for r in results] == [f.id for f in definition.findings]
    for finding, result in zip(definition.findings, results, strict=True):
        assert result.kind == finding.kind and result.question_id == finding.question
        assert 0 < result.n <= len(frame), finding.id
        table = copy.deepcopy(result.table)
        json.dumps(result.to_dict(), allow_nan=False)
        if table["type"] == "crosstab":
            assert sum(table["column_totals"]) >= table["total"]
            if table["rows_sum_to_totals"]:
                assert [sum(row) for row in table["counts"]] == table["row_totals"]
            if table["columns_sum_to_totals"]:
                assert sum(table["row_totals"]) == table["total"]
        if table["type"] == "likert_summary":
            low, high = table["interval"]
            assert low <= table["agree_share"] <= high
        if table["type"] == "numeric_summary":
            low, high = table["interval"]
            assert low < table["mean"] < high
            assert table["q1"] <= table["median"] <= table["q3"]
        if table["type"] == "ranking":
            assert sum(table["borda_total"]) == table["total"] * math.comb(table["places"], 2)
