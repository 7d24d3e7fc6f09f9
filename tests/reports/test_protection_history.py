"""Every release of a survey audited together: tables of two releases and their cross-table
links at once, three releases at once, and a release after one published before counts
were rounded. Checked by the interval audit (`reports.audit.audit`) and, on small tables,
by an independent brute-force attacker over integer tables."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reports.releases
from reports.audit import DIFFERENCE, RECOVERED, Published, audit
from reports.disclosure import FEWER_THAN_K, protect_distribution, protect_table
from reports.findings import compute_finding
from reports.publication import TOO_FEW, audited, protect_result, withheld
from reports.rounding import interval, round_count
from tests.helpers.releasing import add_answer_sets, answer_set, publish
from tests.reports.test_protection import (
    BASE,
    SLUG,
    K,
    computed,  # noqa: F401 (a fixture)
    crosstab,
    crowd,
    distribution,
    exact,
    newcomers,
    releases_of_survey,
    survey,  # noqa: F401 (a fixture)
)


def test_three_releases_read_together_disclose_nothing(survey, computed):  # noqa: F811
    add_answer_sets(SLUG, crowd())
    publish(SLUG)
    for _ in range(2):
        add_answer_sets(SLUG, newcomers(K))
        publish(SLUG)
    first, second, third = releases_of_survey()
    assert all(f["published"] for f in third.findings)
    # all tables of all three releases in one program, with the links of the third
    assert audit(third, computed[2], K, [first, second]) == {}
    # Unprotected, the same three releases tell the Austrians' answers, from either earlier.
    bare = [exact(results, n) for results, n in zip(computed, (206, 211, 216), strict=True)]
    found = audit(bare[2], computed[2], K, bare[:2])["agree-by-country"]
    assert (DIFFERENCE, 0, ("at", "no")) in found and (DIFFERENCE, 1, ("at", "no")) in found


def _old_style(result: dict, k: int) -> dict:
    """A finding as releases published it before counts were rounded: exact counts, cells
    of fewer than k suppressed with their complements (`reports.disclosure`)."""
    table = result["table"]
    if table["type"] == "distribution":
        protected = protect_distribution(table["counts"], table["total"], k=k)
        return {**result, "published": True, "withheld_reason": None,
                "table": {**table, "counts": protected.counts, "status": protected.status,
                          "k": k, "zeros_protected": False}}
    protected = protect_table(table["counts"], k=k, protect_zeros=True)
    return {**result, "published": True, "withheld_reason": None,
            "table": {**table, "counts": protected.counts, "status": protected.status, "k": k,
                      "zeros_protected": True}}


def test_a_release_after_one_published_before_rounding_is_audited_against_it(
        survey, computed, monkeypatch):  # noqa: F811
    # Three Austrians say "no": the older release shows that cell as "fewer than 5".
    answers = [a for a in crowd() if (a["country"], a["agree"]) != ("at", "no")]
    add_answer_sets(SLUG, answers + [answer_set(country="at", agree="no")] * 3)

    def publish_old_style(frame, definition, *, k, min_publish_n, responses, earlier):
        results = [compute_finding(frame, definition, finding).to_dict()
                   for finding in definition.findings]
        computed.append(results)
        return [_old_style(r, k) if r["finding_id"] in ("agree", "agree-by-country")
                else withheld(r, TOO_FEW) for r in results]

    with monkeypatch.context() as old:
        old.setattr(reports.releases, "publish_findings", publish_old_style)
        old.setattr(reports.releases, "rounding_base", lambda k: None)
        publish(SLUG)
    add_answer_sets(SLUG, [answer_set(country="at", agree="no")] * 2
                    + [answer_set(country="de", agree="yes")] * 3)
    publish(SLUG)
    first, second = releases_of_survey()
    assert first.rounding_base is None and second.rounding_base == BASE
    old_crosstab = next(f for f in first.findings if f["finding_id"] == "agree-by-country")
    assert old_crosstab["table"]["status"][1][0] == FEWER_THAN_K  # Austrians saying "no"
    new = {f["finding_id"]: f for f in second.findings}
    assert new["agree-by-country"]["published"]  # five Austrians now: shown as 10
    assert new["agree-by-country"]["table"]["counts"][1][0] == 10
    # Read together, the exact older release and the rounded one recover no suppressed
    # cell and pin no difference.
    assert audit(second, computed[1], K, [first]) == {}
    # The audit reads the older release's suppressed cells: had the newer one published
    # exact counts, the two new Austrians saying "no" would show against the old cell.
    bare = exact(computed[1], 215)
    found = audit(bare, computed[1], K, [first])["agree-by-country"]
    assert any(kind in (DIFFERENCE, RECOVERED) and key == ("at", "no")
               for kind, _release, key in found), found


# -- an independent attacker: two releases of a distribution and its cross-tab ---------------

def _release(cells: list[list[int]], responses: int, earlier=()) -> list[dict]:
    results = [distribution([cells[0][j] + cells[1][j] for j in range(2)]), crosstab(cells)]
    return audited([protect_result(r, k=K, min_publish_n=1) for r in results], results, k=K,
                   responses=responses, earlier=list(earlier))


def _values(published: int) -> range:
    low, high = interval(published, BASE)
    return range(low, high + 1)


def _column(d1: int, x1: tuple[int, int], d2: int, x2: tuple[int, int]):
    """Every integer column (two cells in each release) consistent with what both releases
    publish of it: each cell in its interval, the distribution's cell their sum, no cell
    shrinking. Yields (cells before, cells after, how many the column grew)."""
    for before in itertools.product(_values(x1[0]), _values(x1[1])):
        if sum(before) not in _values(d1):
            continue
        for after in itertools.product(*(range(max(b, _values(x)[0]), _values(x)[-1] + 1)
                                         for b, x in zip(before, x2, strict=True))):
            if sum(after) in _values(d2):
                yield before, after, sum(after) - sum(before)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 25), min_size=2, max_size=2), min_size=2, max_size=2),
       st.lists(st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6]), min_size=2, max_size=2),
                min_size=2, max_size=2),
       st.integers(0, 3))
def test_two_releases_of_a_distribution_and_its_crosstab_pin_nothing(cells, added, others):
    """What the gate lets through in two releases of a question's distribution and its
    cross-tab, read together (the distribution is the column sums in both; cells only
    grow; the finding grows at most as the responses do): no cell of the second release
    and no difference of a cell or of the distribution is certainly 1..k−1."""
    later_cells = [[c + a for c, a in zip(row, more, strict=True)]
                   for row, more in zip(cells, added, strict=True)]
    responses = (sum(map(sum, cells)) + 3, sum(map(sum, later_cells)) + 3 + others)
    first = _release(cells, responses[0])
    second = _release(later_cells, responses[1], [
        Published(first, round_count(responses[0], BASE), BASE)])
    if not all(f["published"] for f in first + second):
        return  # withheld: nothing of it to attack
    d1, x1 = first[0]["table"]["counts"], first[1]["table"]["counts"]
    d2, x2 = second[0]["table"]["counts"], second[1]["table"]["counts"]
    most = _values(round_count(responses[1], BASE))[-1] - _values(
        round_count(responses[0], BASE))[0]
    # Columns are independent but for the growth of the whole table: for every figure of a
    # column, its possible values with the least growth each needs.
    possible: list[dict] = []
    for j in range(2):
        seen: dict = {}
        for before, after, grown in _column(d1[j], (x1[0][j], x1[1][j]), d2[j],
                                            (x2[0][j], x2[1][j])):
            figures = {("cell", 0): after[0], ("cell", 1): after[1],
                       ("difference", 0): after[0] - before[0],
                       ("difference", 1): after[1] - before[1], ("distribution",): grown}
            for name, value in figures.items():
                least = seen.setdefault(name, {})
                least[value] = min(grown, least.get(value, grown))
        possible.append(seen)
    for j in range(2):
        other = min(possible[1 - j][("distribution",)])
        for name, least in possible[j].items():
            values = {value for value, grown in least.items() if grown + other <= most}
            assert values, (j, name)  # the truth is among them
            assert not values <= set(range(1, K)), (j, name, values, first, second)


@pytest.mark.parametrize("published", [0, 10, 20])
def test_a_column_enumerates_every_consistent_pair(published):
    """The attacker above is not blind: with nothing changed, every column is its own."""
    pairs = list(_column(published, (published, 0), published, (published, 0)))
    assert pairs and all(grown >= 0 for _before, _after, grown in pairs)
    assert {grown for *_cells, grown in pairs} == set(range(0, len(_values(published))))
