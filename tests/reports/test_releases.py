"""Releases as people and programs see them: every finding kind published with n, method
and table; small surveys withheld; counts rounded on the page, in the API, the CSV and the
chart alike, and the protection stated; releases immutable; the API matching the page;
German and English pages; who may publish."""

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from reports.models import ImmutableError, Release
from survey.definition.model import DONT_KNOW, OTHER, localize
from survey.extensions import db
from survey.models import Role
from survey.surveys import definition_of, find_survey, newest_definition, newest_version
from tests.helpers.database import assert_database_refuses
from tests.helpers.releasing import (
    add_answer_sets,
    add_demo_responses,
    answer_set,
    balanced,
    english_number,
    memoize_charts,
    page_table,
    publish,
)

ARTICLE = "xing-linkedin"
SMALL = "test-survey"
KINDS = {"distribution", "crosstab", "likert_summary", "numeric_summary", "ranking"}
TABLE_TYPES = {"distribution": {"distribution", "crosstab"}, "crosstab": {"crosstab"},
               "likert_summary": {"likert_summary"}, "numeric_summary": {"numeric_summary"},
               "ranking": {"ranking"}}


def strict_json(response) -> dict:
    """The response's JSON, refusing NaN and Infinity (not JSON, and not allowed here)."""
    assert response.mimetype == "application/json"

    def refuse(constant):
        raise AssertionError(f"{constant} in the JSON")

    return json.loads(response.data, parse_constant=refuse)


def api(client, slug=ARTICLE, query="") -> dict:
    response = client.get(f"/api/v1/surveys/{slug}/findings{query}")
    assert response.status_code == 200, response.text
    return strict_json(response)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.text


def facts_n(html: str) -> str:
    """The n the page states next to "Respondents (n)" (or "Befragte (n)")."""
    match = re.search(r"<dt>[^<]*\(n\)</dt>\s*<dd>([^<]*)</dd>", html)
    assert match, "no n on the page"
    return match.group(1)


def english_label(definition, question_id: str, option_id: str) -> str:
    """An option's (scale point's, item's, row's) English label, read from the definition."""
    if option_id == OTHER:
        return "Other"
    if option_id == DONT_KNOW:
        return "Don't know"
    question = definition.question(question_id)
    for key in ("options", "scale", "items", "columns", "rows"):
        for option in getattr(question, key, None) or []:
            if option.id == option_id:
                return localize(option.label, "en")
    raise AssertionError(f"{question_id} has no option {option_id}")


@pytest.fixture
def article_release(app, article_survey, monkeypatch):
    """The article survey with 1,500 demo responses and one release."""
    memoize_charts(monkeypatch)
    add_demo_responses(ARTICLE, 1500, seed=1)
    return publish(ARTICLE)


# -- every finding kind --------------------------------------------------------------------


def test_release_publishes_every_finding_kind_with_n_method_and_table(article_release):
    release = article_release
    definition = definition_of(newest_version(find_survey(ARTICLE)))
    assert [f["finding_id"] for f in release.findings] == [f.id for f in definition.findings]
    assert {f["kind"] for f in release.findings} == KINDS
    for finding in release.findings:
        assert finding["published"], finding
        assert finding["withheld_reason"] is None
        assert isinstance(finding["n"], int) and 30 <= finding["n"] <= 1500
        assert finding["method"] and finding["method_code"].split("/")[0] in TABLE_TYPES[
            finding["kind"]]
        assert finding["table"]["type"] in TABLE_TYPES[finding["kind"]]
        assert set(release.charts[finding["finding_id"]]) == {"de", "en", "de/narrow",
                                                               "en/narrow", "_drawn"}
    assert release.number == 1
    assert release.responses == release.demo_responses == 1500
    assert release.versions == [1]


def test_every_finding_page_shows_summary_chart_table_n_and_method(client, article_release):
    for finding in article_release.findings:
        for language in ("de", "en"):
            url = f"/findings/{ARTICLE}/{finding['finding_id']}?lang={language}"
            html = page(client, url)
            chart = (f"/findings/{ARTICLE}/{finding['finding_id']}/chart.svg?release=1"
                     f"&amp;lang={language}")
            assert chart in html
            table = page_table(html)
            assert table.caption and table.header and table.rows
            assert re.search(r'<p class="summary">[^<]+</p>', html)
            assert re.search(r"<dt>(Method|Methode)</dt>\s*<dd>[^<]{20,}</dd>", html)
            assert facts_n(html).replace(".", "").replace(",", "") == str(finding["n"])


# -- the API matches the page --------------------------------------------------------------


def _count_text(count, status, k) -> str | int:
    return {"fewer_than_k": f"fewer than {k}", "suppressed": "withheld"}.get(status, count)


def _same_count(text: str, count, status, k) -> None:
    expected = _count_text(count, status, k)
    if isinstance(expected, str):
        assert text == expected
    else:
        assert english_number(text) == expected, (text, expected)


def _same_share(text: str, share) -> None:
    if share is None:
        assert text == "–"
    else:
        assert abs(english_number(text) - 100 * share) <= 0.5 + 1e-9, (text, share)


def _same_figure(text: str, value) -> None:
    assert abs(english_number(text) - value) <= 0.005 + 1e-9, (text, value)


def assert_page_matches(table, finding, definition, k) -> None:
    """Every figure of the page's table equals the API's (with the page's rounding)."""
    data = finding["table"]
    question = finding["question_id"]
    if data["type"] in ("distribution", "likert_summary"):
        assert len(table.rows) == len(data["labels"])
        for row, withheld, label, count, status, share in zip(
                table.rows, table.withheld, data["labels"], data["counts"],
                data.get("status") or ["shown"] * len(data["labels"]), data["shares"],
                strict=True):
            assert row[0] == english_label(definition, question, label)
            _same_count(row[1], count, status, k)
            assert withheld[0] == (status != "shown")
            _same_share(row[2], share)
    elif data["type"] == "crosstab":
        by = finding["by"]
        assert table.header[1:-1] == [english_label(definition, question, c)
                                      for c in data["column_labels"]]
        status = data.get("status") or [["shown"] * len(data["column_labels"])
                                        for _row in data["row_labels"]]
        for row, withheld, label, counts, statuses, shares, total in zip(
                table.rows, table.withheld, data["row_labels"], data["counts"], status,
                data["row_shares"], data["row_totals"], strict=True):
            assert row[0] == english_label(definition, by, label)
            assert not withheld[-1]  # the row total
            for text, hidden, count, status, share in zip(row[1:-1], withheld[:-1], counts,
                                                          statuses, shares, strict=True):
                assert hidden == (status != "shown")
                if status == "shown":
                    shown = re.fullmatch(r"([\d,]+) \(([\d,]+%|–)\)", text)  # –: empty row
                    assert shown, text
                    shown_count, shown_share = shown.groups()
                    assert english_number(shown_count) == count
                    _same_share(shown_share, share)
                else:
                    assert share is None and count is None
                    _same_count(text, count, status, k)
            assert english_number(row[-1]) == total
    elif data["type"] == "numeric_summary":
        figures = {row[0]: row[1] for row in table.rows}
        assert english_number(figures["Respondents"]) == data["total"]
        for name, key in (("Median", "median"), ("First quartile", "q1"),
                          ("Third quartile", "q3"), ("Mean", "mean")):
            _same_figure(figures[name], data[key])
        [interval] = [text for name, text in figures.items() if "interval" in name.lower()]
        low, high = interval.split(" – ")
        _same_figure(low, data["interval"][0])
        _same_figure(high, data["interval"][1])
    else:
        assert [row[0] for row in table.rows] == [
            english_label(definition, question, item) for item in data["labels"]]
        for row, rank, score, ranked in zip(table.rows, data["mean_rank"],
                                            data["borda_average"], data["ranked_by"],
                                            strict=True):
            _same_figure(row[1], rank)
            _same_figure(row[2], score)
            assert english_number(row[3]) == ranked


def assert_api_matches_page(client, slug: str, document: dict, query: str = "") -> int:
    """Each published finding's page shows the API's figures; returns the withheld cells."""
    definition = definition_of(newest_version(find_survey(slug)))
    withheld_cells = 0
    for finding in document["findings"]:
        if not finding["published"]:
            continue
        html = page(client, f"/findings/{slug}/{finding['finding_id']}?lang=en{query}")
        assert english_number(facts_n(html)) == finding["n"]
        table = page_table(html)
        assert_page_matches(table, finding, definition, document["settings"]["k"])
        withheld_cells += sum(map(sum, table.withheld))
    return withheld_cells


def test_api_matches_the_page(client, article_release):
    document = api(client)
    assert document["release"] == 1 and document["responses"] == 1500
    assert document["settings"] == {"k": 5, "min_publish_n": 30, "rounding_base": 10}
    assert document["findings"] == article_release.findings
    assert_api_matches_page(client, ARTICLE, document)


def test_csv_matches_the_page(client, article_release):
    for finding in article_release.findings:
        finding_id = finding["finding_id"]
        table = page_table(page(client, f"/findings/{ARTICLE}/{finding_id}?lang=en"))
        response = client.get(f"/findings/{ARTICLE}/{finding_id}.csv?lang=en")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert f"{finding_id}-release-1.csv" in response.headers["Content-Disposition"]
        assert response.text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
        header, *rows = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
        assert header == table.header
        assert len(rows) == len(table.rows)
        for csv_row, page_row in zip(rows, table.rows, strict=True):
            assert csv_row[0] == page_row[0]
            for value, text in zip(csv_row[1:], page_row[1:], strict=True):
                try:
                    number = float(value.removesuffix("%"))
                except ValueError:
                    assert value == text  # withheld, or a figure shown as text
                    continue
                assert len(value.removesuffix("%").partition(".")[2]) <= 2, value  # not raw
                if text.endswith("%"):
                    assert value.endswith("%")
                    _same_share(text, number / 100)
                elif "(" in text:  # a cross-tab cell: count (share)
                    assert english_number(text.split(" (")[0]) == number
                else:
                    _same_figure(text, number)


def test_german_csv_is_what_german_spreadsheets_read(client, article_release):
    finding = next(f for f in article_release.findings if f["published"]
                   and f["table"]["type"] == "distribution")
    text = client.get(f"/findings/{ARTICLE}/{finding['finding_id']}.csv?lang=de").text
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert header == ["Antwort", "Befragte", "Anteil"]
    shares = [row[2] for row in rows if row[2].endswith("%")]
    assert shares and all("." not in share for share in shares), shares  # a decimal comma
    assert any("," in share for share in shares), shares


# -- languages -----------------------------------------------------------------------------


def test_finding_page_in_german_and_english(client, article_release):
    url = f"/findings/{ARTICLE}/noticed-migration"
    german = page(client, f"{url}?lang=de")
    assert '<html lang="de"' in german
    assert "<h1>Beobachten auch andere, dass Kontakte zwischen XING und LinkedIn wechseln?</h1>" \
        in german
    assert "XING oder LinkedIn? Automatisierung, Konsolidierung oder Migration" in german
    table = page_table(german)
    assert table.header == ["Antwort", "Befragte", "Anteil"]
    assert [row[0] for row in table.rows][-1] == "Kann ich nicht beurteilen"
    assert "Befragte (n)" in german and "Methode" in german

    english = page(client, f"{url}?lang=en")
    assert '<html lang="en"' in english
    assert "<h1>Have others noticed contacts moving between XING and LinkedIn too?</h1>" \
        in english
    table = page_table(english)
    assert table.header == ["Answer", "Respondents", "Share"]
    assert [row[0] for row in table.rows][-1] == "I can't say"
    assert "Respondents (n)" in english and "Befragte" not in english


def test_chart_is_svg_labelled_in_the_requested_language(client, article_release):
    url = f"/findings/{ARTICLE}/noticed-migration/chart.svg?release=1"
    german = client.get(f"{url}&lang=de")
    assert german.status_code == 200 and german.mimetype == "image/svg+xml"
    assert german.text.startswith("<svg")
    assert "Nein, keine nennenswerten Wechsel" in german.text
    assert "Anteil der Befragten" in german.text
    english = client.get(f"{url}&lang=en")
    assert english.mimetype == "image/svg+xml" and english.text.startswith("<svg")
    assert "No, no noticeable moves" in english.text
    assert "Share of respondents" in english.text and "Nein," not in english.text


def test_findings_index_and_home_page_list_the_findings(client, article_release):
    definition = definition_of(newest_version(find_survey(ARTICLE)))
    index = page(client, "/findings/?lang=en")
    assert localize(definition.title, "en") in index
    for finding, declared in zip(article_release.findings, definition.findings, strict=True):
        link = f'href="/findings/{ARTICLE}/{finding["finding_id"]}"'
        assert link in index
        assert localize(declared.title, "en") in index
        assert f"n = {finding['n']:,}" in index
    home = page(client, "/?lang=en")
    assert "Latest findings" in home
    first = definition.findings[0]
    assert f'href="/findings/{ARTICLE}/{first.id}"' in home
    assert localize(first.title, "en") in home
    german_home = page(client, "/?lang=de")
    assert localize(first.title, "de") in german_home


# -- small surveys -------------------------------------------------------------------------


@pytest.fixture
def small_survey(make_survey, monkeypatch):
    memoize_charts(monkeypatch)
    make_survey()  # findings: blame (likert_summary), primary-by-country (crosstab)
    return SMALL


def test_findings_of_fewer_than_min_n_respondents_are_not_published(client, small_survey):
    add_answer_sets(SMALL, balanced(29))
    release = publish(SMALL)
    assert [(f["published"], f["withheld_reason"], f["n"], f["table"])
            for f in release.findings] == [(False, "too_few", None, None)] * 2
    assert release.charts == {}
    assert [f["n"] for f in api(client, SMALL)["findings"]] == [None, None]

    html = page(client, f"/findings/{SMALL}/blame?lang=en")
    assert "This finding is not published: fewer than 30 people answered the question." in html
    assert '<table class="data"' not in html and "chart.svg" not in html
    german = page(client, f"/findings/{SMALL}/blame?lang=de")
    assert "nicht veröffentlicht" in german
    assert client.get(f"/findings/{SMALL}/blame/chart.svg").status_code == 404
    assert client.get(f"/findings/{SMALL}/blame.csv").status_code == 404
    assert "not published: too few respondents" in page(client, "/findings/?lang=en")


def test_findings_of_min_n_respondents_are_published(client, small_survey):
    add_answer_sets(SMALL, balanced(30))
    release = publish(SMALL)
    # primary by country: 8, 8, 7 and 7 respondents, published as 10 each; n is their sum
    assert [(f["published"], f["n"]) for f in release.findings] == [(True, 30), (True, 40)]
    assert "30" in facts_n(page(client, f"/findings/{SMALL}/blame?lang=en"))


# -- rounding ------------------------------------------------------------------------------

# agree by country: one small cell (Austria, "no": 3); rounded to tens it shows as 0.
ROUNDING_COUNTS = {("de", "no"): 10, ("de", "partly"): 10, ("de", "yes"): 10,
                   ("de", "dont_know"): 10, ("at", "no"): 3, ("at", "partly"): 8,
                   ("at", "yes"): 12, ("at", "dont_know"): 9}


@pytest.fixture
def rounding_survey(make_survey, monkeypatch):
    memoize_charts(monkeypatch)
    make_survey(findings=[
        {"id": "agree-by-country", "kind": "crosstab", "question": "agree", "by": "country"}])
    add_answer_sets(SMALL, [answer_set(country=country, agree=agree)
                            for (country, agree), count in ROUNDING_COUNTS.items()
                            for _ in range(count)])
    publish(SMALL)
    return SMALL


def test_counts_are_rounded_on_the_page(client, rounding_survey):
    html = page(client, f"/findings/{SMALL}/agree-by-country?lang=en")
    table = page_table(html)
    assert table.header == ["Country", "no", "partly", "yes", "Don't know", "Total"]
    germany, austria = table.rows
    assert germany == ["Germany", "10 (25%)", "10 (25%)", "10 (25%)", "10 (25%)", "40"]
    # 3, 8, 12 and 9 (32) as 0, 10, 10 and 10 (30); shares of the rounded counts
    assert austria == ["Austria", "0 (0%)", "10 (33%)", "10 (33%)", "10 (33%)", "30"]
    assert table.withheld == [[False] * 5, [False] * 5]
    assert ("All counts are rounded to multiples of 10 (0 stands for 0 to 4), and shares and "
            "totals are computed from the rounded counts") in html
    assert "conventional rounding of every count to base 10" in html
    assert "from 70 responses" in html  # 72, rounded
    german = page(client, f"/findings/{SMALL}/agree-by-country?lang=de")
    assert "Alle Zahlen sind auf Vielfache von 10 gerundet" in german
    assert page_table(german).rows[1][1] == "0 (0 %)"


def test_api_publishes_the_rounded_counts_and_says_how(client, rounding_survey):
    document = api(client, SMALL)
    [finding] = document["findings"]
    table = finding["table"]
    assert table["counts"] == [[10, 10, 10, 10], [0, 10, 10, 10]]
    assert table["row_totals"] == [40, 30] and table["column_totals"] == [10, 20, 20, 20]
    assert finding["n"] == table["total"] == 70 and table["rounding_base"] == 10
    assert table["row_shares"][1] == [0.0, 1 / 3, 1 / 3, 1 / 3]
    # 3 of 32; the exact n (the publishing time is left out: its digits can hold "72")
    numbers = json.dumps({key: value for key, value in document.items() if key != "published_at"})
    assert "0.09375" not in numbers and "72" not in numbers
    assert document["responses"] == 70
    protection = document["protection"]
    assert (protection["method"], protection["rounding_base"], protection["k"]) == (
        "rounding", 10, 5)
    assert protection["statement"]["en"].startswith("All counts are rounded to multiples of 10")
    assert protection["statement"]["de"].startswith("Alle Zahlen sind auf Vielfache von 10")
    assert "base 10" in protection["method_text"]["en"]
    assert "Basis 10" in protection["method_text"]["de"]
    assert assert_api_matches_page(client, SMALL, document) == 0


def test_csv_and_chart_show_the_rounded_figures(client, rounding_survey):
    response = client.get(f"/findings/{SMALL}/agree-by-country.csv?lang=en")
    rows = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert rows[2] == ["Austria", "0", "10", "10", "10", "30"]
    chart = client.get(f"/findings/{SMALL}/agree-by-country/chart.svg?lang=en").text
    assert "9.375" not in chart  # the small cell's exact share (3 of 32), in any form
    [finding] = api(client, SMALL)["findings"]
    assert chart_bars(finding) == [[label, share] for label, share in (
        ("de", 0.25), ("de", 0.25), ("de", 0.25), ("de", 0.25),
        ("at", 0.0), ("at", 1 / 3), ("at", 1 / 3), ("at", 1 / 3))]


def chart_bars(finding) -> list:
    """The (row, share) of every bar the chart of a published cross-tab draws."""
    from reports.charts import chart_content

    definition = newest_definition(find_survey(SMALL))
    content = chart_content(finding, definition, "en")
    labels = {english_label(definition, "country", c): c for c in ("de", "at")}
    return [[labels[row], share] for row, _answer, _shown, share in content["bars"]]


def test_likert_summary_is_computed_from_the_rounded_counts(client, make_survey,
                                                             monkeypatch):
    memoize_charts(monkeypatch)
    make_survey(findings=[{"id": "blame", "kind": "likert_summary", "question": "agree"}])
    counts = {"no": 3, "partly": 22, "yes": 31, "dont_know": 14}
    add_answer_sets(SMALL, [answer_set(agree=agree) for agree, count in counts.items()
                            for _ in range(count)])
    publish(SMALL)
    [finding] = api(client, SMALL)["findings"]
    table = finding["table"]
    assert table["counts"] == [0, 20, 30, 10] and table["total"] == 60
    assert (table["base"], table["dont_know"], table["agree_count"]) == (50, 10, 50)
    assert finding["n"] == 50 and table["agree_share"] == 1.0
    assert table["interval"] == pytest.approx([0.9287, 1.0], abs=1e-4)  # Wilson of 50 of 50
    assert assert_api_matches_page(client, SMALL, api(client, SMALL)) == 0
    html = page(client, f"/findings/{SMALL}/blame?lang=en")
    summary = re.search(r'<p class="summary">([^<]*)</p>', html).group(1)
    assert summary == "100% of 50 respondents agree (95% interval 93% to 100%)."


# -- releases are immutable ----------------------------------------------------------------


def test_release_stays_as_published_when_more_responses_arrive(client, small_survey):
    add_answer_sets(SMALL, balanced(40))
    publish(SMALL)
    first = api(client, SMALL, "?release=1")
    add_answer_sets(SMALL, balanced(20))
    publish(SMALL)

    assert api(client, SMALL, "?release=1") == first
    second = api(client, SMALL, "?release=2")
    assert (first["responses"], second["responses"]) == (40, 60)
    # blame: 14, 13, 13 and then 20 each, rounded; by country: 10 each, then 15 each (20)
    assert [f["n"] for f in first["findings"]] == [30, 40]
    assert [f["n"] for f in second["findings"]] == [60, 80]
    assert api(client, SMALL) == second  # the latest by default

    old = page(client, f"/findings/{SMALL}/blame?release=1&lang=en")
    assert facts_n(old) == "30" and "from 40 responses" in old
    assert facts_n(page(client, f"/findings/{SMALL}/blame?lang=en")) == "60"
    assert re.search(r'<option value="1"\s*selected', old)
    assert re.search(r'<option value="2"\s*>', old)
    csv_1 = client.get(f"/findings/{SMALL}/blame.csv?release=1&lang=en").text
    assert "release-1" in client.get(f"/findings/{SMALL}/blame.csv?release=1").headers[
        "Content-Disposition"]
    assert csv_1 != client.get(f"/findings/{SMALL}/blame.csv?release=2&lang=en").text


@pytest.mark.parametrize("change", [
    lambda release: setattr(release, "findings", []),
    lambda release: setattr(release, "responses", release.responses + 1),
    lambda release: setattr(release, "number", 7),
    lambda release: db.session.delete(release),
], ids=["findings", "responses", "number", "delete"])
def test_release_rows_refuse_changes(small_survey, change):
    add_answer_sets(SMALL, balanced(30))
    release = publish(SMALL)
    stored = release.findings
    change(release)
    with pytest.raises(ImmutableError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(Release.findings)) == stored
    assert db.session.scalar(select(func.count(Release.id))) == 1


@pytest.mark.parametrize("statement", [
    "UPDATE release SET responses = responses + 1",
    "UPDATE release SET findings = '[]' WHERE id = :id",
    "DELETE FROM release WHERE id = :id",
    "DELETE FROM release",
])
def test_the_database_refuses_to_change_a_release(small_survey, statement):
    """Not only the ORM: any SQL that would rewrite what was published is refused."""
    add_answer_sets(SMALL, balanced(30))
    release = publish(SMALL)
    stored = (release.id, release.responses, release.findings)
    assert_database_refuses(statement, {"id": release.id}, match="immutable")
    assert db.session.execute(select(Release.id, Release.responses, Release.findings)).one() \
        == stored


# -- publishing ----------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in_to_publish(client, small_survey):
    response = client.post(f"/findings/{SMALL}/publish")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Release.id))) == 0


def test_members_may_not_publish(client, small_survey, make_user, login_as):
    login_as(make_user("member@example.org", Role.MEMBER))
    assert "Publish a new release" not in page(client, "/findings/?lang=en")
    assert client.post(f"/findings/{SMALL}/publish").status_code == 403
    assert db.session.scalar(select(func.count(Release.id))) == 0


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_moderators_and_admins_publish_a_release(client, small_survey, make_user, login_as,
                                                 role):
    add_answer_sets(SMALL, balanced(30))
    login_as(make_user("staff@example.org", role))
    assert f'action="/findings/{SMALL}/publish"' in page(client, "/findings/?lang=en")
    response = client.post(f"/findings/{SMALL}/publish")
    assert response.status_code == 302 and response.headers["Location"].endswith("/findings/")
    assert [f["n"] for f in api(client, SMALL)["findings"]] == [30, 40]
    assert "Release 1 is published." in page(client, "/findings/?lang=en")


def test_release_publish_command(app, small_survey):
    add_answer_sets(SMALL, balanced(30))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["release", "publish", SMALL])
    assert result.exit_code == 0, result.output
    assert "release 1 from 30 responses; 2 of 2 findings published" in result.output
    result = runner.invoke(args=["release", "publish", "no-such-survey"])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1 and "no-such-survey" in result.output


# -- not found and bad requests ------------------------------------------------------------


def api_error(client, query: str, status: int, slug=SMALL) -> None:
    response = client.get(f"/api/v1/surveys/{slug}/findings{query}")
    assert response.status_code == status, response.text
    error = strict_json(response)["error"]
    assert error["code"] and error["message"]


def test_api_errors_are_json(client, small_survey):
    api_error(client, "", 404)  # nothing published yet
    api_error(client, "", 404, slug="no-such-survey")
    add_answer_sets(SMALL, balanced(30))
    publish(SMALL)
    api_error(client, "?release=2", 404)
    for bad in ("abc", "-1", "1.5", "", "²", "99999999999999999999999"):
        api_error(client, f"?release={bad}", 400)
    assert api(client, SMALL, "?release=1")["release"] == 1


def test_pages_of_unknown_things_are_404(client, small_survey):
    add_answer_sets(SMALL, balanced(30))
    publish(SMALL)
    for url in (f"/findings/{SMALL}/no-such-finding", "/findings/no-such-survey/blame",
                f"/findings/{SMALL}/blame?release=2",
                f"/findings/{SMALL}/blame?release=99999999999999999999999",
                f"/findings/{SMALL}/no-such-finding/chart.svg",
                f"/findings/{SMALL}/no-such-finding.csv"):
        assert client.get(url).status_code == 404, url
