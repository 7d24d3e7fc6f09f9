"""Rounded releases cannot be differenced: the attacks of issue 10, audited by linear
programming (`reports.audit`) and, on small tables, by an independent brute-force search
over every integer table consistent with what was published."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.audit import Published, audit_difference, audit_release
from reports.publication import DIFFERENCING, UNPROTECTABLE, audited, protect_result
from reports.releases import earlier_releases
from reports.rounding import interval, protect_table, round_count
from survey.surveys import find_survey
from tests.helpers.releasing import add_answer_sets, answer_set, memoize_charts, publish

SLUG = "test-survey"
K = 5
BASE = 10


@pytest.fixture
def computed(monkeypatch) -> list[list[dict]]:
    """The unprotected results of each release published in the test, in order."""
    import reports.publication

    releases: list[list[dict]] = []
    compute = reports.publication.compute_finding

    def record(frame, definition, finding):
        result = compute(frame, definition, finding)
        if finding.id == definition.findings[0].id:
            releases.append([])
        releases[-1].append(result.to_dict())
        return result

    monkeypatch.setattr(reports.publication, "compute_finding", record)
    return releases


def exact(results: list[dict], responses: int) -> Published:
    """A release as it would read with exact counts (no protection: base 1)."""
    return Published([{**r, "published": True, "table": protect_table(r["table"], 1)}
                      for r in results], responses, 1)


def crowd() -> list[dict]:
    """Answer sets with every cell of agree by country large: 22 to 31 respondents."""
    cells = {("de", "no"): 22, ("de", "partly"): 27, ("de", "yes"): 31, ("de", "dont_know"): 24,
             ("at", "no"): 23, ("at", "partly"): 26, ("at", "yes"): 28, ("at", "dont_know"): 25}
    return [answer_set(primary=("xing", "linkedin")[n % 2], country=country, agree=agree)
            for (country, agree), count in cells.items() for n in range(count)]


@pytest.fixture
def survey(make_survey, monkeypatch):
    memoize_charts(monkeypatch)
    make_survey(findings=[
        {"id": "agree", "kind": "distribution", "question": "agree"},
        {"id": "agree-by-country", "kind": "crosstab", "question": "agree", "by": "country"},
        {"id": "blame", "kind": "likert_summary", "question": "agree"},
        {"id": "primary-by-country", "kind": "crosstab", "question": "primary",
         "by": "country"}])
    return SLUG


def newcomers(count: int) -> list[dict]:
    """`count` new respondents: one Austrian who says "no" (whoever knows that one Austrian
    answered this week wants their answer), the others German and "yes"."""
    return [answer_set(country="at", agree="no")] + [
        answer_set(country="de", agree="yes") for _ in range(count - 1)]


def releases_of_survey() -> list[Published]:
    return earlier_releases(find_survey(SLUG))


def assert_no_difference_discloses(first: Published, second: Published) -> None:
    for finding in second.findings:
        assert audit_difference(first, second, finding["finding_id"], K) == [], finding


@pytest.mark.parametrize("new", [K, K + 1, 2 * K])
def test_a_few_new_responses_disclose_nothing(survey, computed, new):
    add_answer_sets(SLUG, crowd())
    publish(SLUG)
    add_answer_sets(SLUG, newcomers(new))
    publish(SLUG)
    first, second = releases_of_survey()
    assert all(f["published"] for f in second.findings)  # protected, not merely withheld
    assert_no_difference_discloses(first, second)
    # Unprotected, the same two releases would tell the Austrian's answer.
    bare = [exact(results, 210 + n) for results, n in zip(computed, (0, new), strict=True)]
    assert ("at", "no") in audit_difference(*bare, "agree-by-country", K)


def test_releases_one_and_three_of_three_disclose_nothing(survey, computed):
    add_answer_sets(SLUG, crowd())
    publish(SLUG)
    for _ in range(2):  # two Austrians saying "no", one in each of the next two releases
        add_answer_sets(SLUG, newcomers(K))
        publish(SLUG)
    first, second, third = releases_of_survey()
    for earlier, later in ((first, second), (second, third), (first, third)):
        assert_no_difference_discloses(earlier, later)
    bare = [exact(computed[0], 206), exact(computed[2], 216)]
    assert ("at", "no") in audit_difference(*bare, "agree-by-country", K)


def test_same_counts_are_published_the_same_in_every_release(survey):
    add_answer_sets(SLUG, crowd())
    publish(SLUG)
    # Five new Germans who choose XING and say "yes": the Austrian cells keep their counts.
    add_answer_sets(SLUG, [answer_set(country="de", agree="yes") for _ in range(K)])
    publish(SLUG)
    first, second = (
        {f["finding_id"]: f["table"] for f in release.findings}
        for release in releases_of_survey())
    assert first["agree-by-country"]["counts"][1] == second["agree-by-country"]["counts"][1]
    assert first["primary-by-country"]["counts"][1] == \
        second["primary-by-country"]["counts"][1]
    # and a count that two tables share is published once, the same in both
    assert first["agree"]["counts"] == first["blame"]["counts"]


def test_all_tables_of_a_release_together_disclose_nothing(survey, computed):
    answers = crowd() + [answer_set(country="at", agree="no")] * 2  # a cell of 25
    add_answer_sets(SLUG, answers)
    release = publish(SLUG)
    assert all(f["published"] for f in release.findings)
    assert audit_release(release.findings, computed[0], K) == {}
    # The audit is not blind: exact, a cell of three Austrians saying "no" is found.
    crosstab = next(r for r in computed[0] if r["finding_id"] == "agree-by-country")
    crosstab["table"]["counts"][1][0] = 3
    assert audit_release(exact([crosstab], 212).findings, [crosstab], K) == {
        "agree-by-country": [("at", "no")]}


def test_a_distribution_and_a_crosstab_that_would_pin_a_cell_are_not_both_published(survey):
    # "no": 22 Germans and 3 Austrians. The distribution shows 25 as 30 (25..34), the
    # cross-tab 22 as 20 (15..24) and 3 as 0 (0..4): together the 3 is at least 1.
    answers = crowd()
    answers = [a for a in answers if (a["country"], a["agree"]) != ("at", "no")]
    answers += [answer_set(country="at", agree="no") for _ in range(3)]
    add_answer_sets(SLUG, answers)
    release = publish(SLUG)
    reasons = {f["finding_id"]: f["withheld_reason"] for f in release.findings}
    assert UNPROTECTABLE in reasons.values()
    assert audit_release(release.findings, release.findings, K) == {}


# -- the gate and an independent attacker over small tables ---------------------------------


def brute_force_differences(old: list[int], new: list[int], responses: tuple[int, int],
                            sums: bool) -> dict[int, set[int]]:
    """Every difference each cell can have in integer tables consistent with two published
    rounded distributions (cells only grow; n grows at most as the responses do)."""
    ranges_old = [range(lo, hi + 1) for lo, hi in (interval(v, BASE) for v in old)]
    ranges_new = [range(lo, hi + 1) for lo, hi in (interval(v, BASE) for v in new)]
    low, high = (interval(r, BASE) for r in responses)
    most_new = high[1] - low[0]
    seen: dict[int, set[int]] = {c: set() for c in range(len(old))}
    for before in itertools.product(*ranges_old):
        for after in itertools.product(*ranges_new):
            differences = [a - b for a, b in zip(after, before, strict=True)]
            if min(differences) < 0:
                continue
            if sums and sum(differences) > most_new:
                continue
            for c, d in enumerate(differences):
                seen[c].add(d)
    return seen


def distribution(counts: list[int]) -> dict:
    total = sum(counts)
    return {"finding_id": "d", "kind": "distribution", "question_id": "q", "by": None,
            "n": total, "method_code": "distribution/single", "method": "",
            "table": {"type": "distribution", "labels": [f"o{i}" for i in range(len(counts))],
                      "counts": counts, "total": total,
                      "shares": [c / total if total else None for c in counts],
                      "cells_sum_to_total": True}}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=2, max_size=2),
       st.lists(st.integers(0, 6), min_size=2, max_size=2), st.integers(0, 4))
def test_no_published_difference_is_certainly_small(before, added, others):
    after = [b + a for b, a in zip(before, added, strict=False)]
    responses = (sum(before) + 7, sum(after) + 7 + others)
    first = audited([protect_result(distribution(before), k=K, min_publish_n=1)],
                    [distribution(before)], k=K, responses=responses[0])
    earlier = Published(first, round_count(responses[0], BASE), BASE)
    second = audited([protect_result(distribution(after), k=K, min_publish_n=1)],
                     [distribution(after)], k=K, responses=responses[1], earlier=[earlier])
    [published] = second
    if not published["published"] or not first[0]["published"]:
        assert published["withheld_reason"] in (DIFFERENCING, "too_few", None)
        return
    seen = brute_force_differences(first[0]["table"]["counts"], published["table"]["counts"],
                                   (round_count(responses[0], BASE),
                                    round_count(responses[1], BASE)), True)
    for values in seen.values():
        assert not values <= set(range(1, K)), values  # nothing certainly 1..k-1


def crosstab(cells: list[list[int]]) -> dict:
    """A 2×2 cross-tab of question q (columns) by b (rows); everyone answered both."""
    column_totals = [cells[0][j] + cells[1][j] for j in range(2)]
    return {"finding_id": "x", "kind": "crosstab", "question_id": "q", "by": "b",
            "n": sum(column_totals), "method_code": "crosstab/single-single", "method": "",
            "table": {"type": "crosstab", "row_labels": ["r0", "r1"],
                      "column_labels": ["o0", "o1"], "counts": cells,
                      "row_totals": [sum(row) for row in cells],
                      "column_totals": column_totals, "total": sum(column_totals),
                      "row_shares": [[c / sum(row) if sum(row) else None for c in row]
                                     for row in cells],
                      "column_shares": [None, None], "rows_sum_to_totals": True,
                      "columns_sum_to_totals": True}}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=2), min_size=2,
                max_size=2))
def test_a_distribution_and_its_crosstab_published_together_pin_no_cell(cells):
    """The same question as a distribution and as the columns of a 2×2 cross-tab (everyone
    answered both): whatever the gate lets through, no cell is certainly 1..k-1."""
    column_totals = [cells[0][j] + cells[1][j] for j in range(2)]
    results = [distribution(column_totals), crosstab(cells)]
    published = audited([protect_result(r, k=K, min_publish_n=1) for r in results], results,
                        k=K, responses=sum(column_totals))
    shown = {f["finding_id"]: f["table"] for f in published if f["published"]}
    if len(shown) < 2:  # one table alone: each cell is only known within its interval
        assert {f["withheld_reason"] for f in published} & {UNPROTECTABLE, "too_few"}
        return
    ranges = {(i, j): range(*_span(shown["x"]["counts"][i][j]))
              for i, j in itertools.product(range(2), repeat=2)}
    ranges.update({j: range(*_span(shown["d"]["counts"][j])) for j in range(2)})
    seen: dict = {key: set() for key in ranges}
    for y in itertools.product(*(ranges[(i, j)] for i, j in itertools.product(range(2),
                                                                              repeat=2))):
        table = dict(zip(itertools.product(range(2), repeat=2), y, strict=True))
        x = [table[(0, j)] + table[(1, j)] for j in range(2)]
        if all(x[j] in ranges[j] for j in range(2)):
            for key, value in (*table.items(), *enumerate(x)):
                seen[key].add(value)
    for key, values in seen.items():
        assert values, key  # the truth is always consistent
        assert not values <= set(range(1, K)), (key, values, published)


def _span(published: int) -> tuple[int, int]:
    low, high = interval(published, BASE)
    return low, high + 1


@given(st.integers(0, 10_000), st.sampled_from([3, 5, 10, 20]))
def test_every_count_lies_in_the_interval_its_rounding_names(count, base):
    published = round_count(count, base)
    low, high = interval(published, base)
    assert low <= count <= high and published % base == 0
    assert high - low + 1 == base or low == 0
    assert round_count(low, base) == round_count(high, base) == published
