"""Disclosure control: primary and complementary suppression, minimum n, and an attacker.

The attacker below is independent of `reports.disclosure`'s LP auditor: it searches integer
tables consistent with everything published (depth-first, cell by cell, narrowing each cell
by the published line equations), written from the published marker semantics alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reports.disclosure import (
    FEWER_THAN_K,
    SHOWN,
    SUPPRESSED,
    ProtectedDistribution,
    ProtectedTable,
    UnprotectableError,
    audit,
    is_publishable,
    protect_distribution,
    protect_group_statistics,
    protect_table,
)

# -- the attacker: every integer table consistent with what is published -------------------


@dataclass
class Published:
    """What the attacker sees, cells flattened: None where withheld."""

    known: list[int | None]
    status: list[str]
    lines: list[tuple[list[int], int, bool]]  # cells, published total, cells sum to it
    k: int
    protect_zeros: bool

    @classmethod
    def of(cls, published: ProtectedDistribution | ProtectedTable) -> Published:
        if isinstance(published, ProtectedDistribution):
            cells = list(range(len(published.counts)))
            return cls(list(published.counts), list(published.status),
                       [(cells, published.total, published.cells_sum_to_total)],
                       published.k, published.protect_zeros)
        n_rows, n_cols = len(published.row_totals), len(published.column_totals)
        lines = [([i * n_cols + j for j in range(n_cols)], published.row_totals[i],
                  published.rows_sum_to_totals) for i in range(n_rows)]
        lines += [([i * n_cols + j for i in range(n_rows)], published.column_totals[j],
                   published.columns_sum_to_totals) for j in range(n_cols)]
        return cls([v for row in published.counts for v in row],
                   [s for row in published.status for s in row], lines,
                   published.k, published.protect_zeros)


class Attacker:
    """Searches the integer tables consistent with a `Published`."""

    def __init__(self, published: Published) -> None:
        self.unknown = [c for c, s in enumerate(published.status) if s != SHOWN]
        self.bounds = {}
        for c in self.unknown:
            cap = min(total for cells, total, _ in published.lines if c in cells)
            if published.status[c] == FEWER_THAN_K:  # 1..k-1, or 0..k-1 if zeros are hidden
                low, high = (0 if published.protect_zeros else 1), published.k - 1
            else:  # "suppressed": not fewer than k, so at least k
                assert published.status[c] == SUPPRESSED
                low, high = published.k, cap
            self.bounds[c] = (low, min(high, cap))
        self.equations = []  # (unknown cells, what they sum to)
        for cells, total, sums in published.lines:
            hidden = [c for c in cells if c in self.bounds]
            if sums and hidden:
                shown = sum(published.known[c] for c in cells if c not in self.bounds)
                self.equations.append((hidden, total - shown))
        self.nodes = 0

    def find(self, first: int, allowed) -> dict[int, int] | None:
        """A consistent table whose cell `first` satisfies `allowed`, or None if none is."""
        order = [first] + [c for c in self.unknown if c != first]
        assignment: dict[int, int] = {}

        def domain(c: int) -> range:
            low, high = self.bounds[c]
            for cells, rhs in self.equations:
                if c not in cells:
                    continue
                rest = rhs - sum(assignment.get(o, 0) for o in cells if o in assignment)
                others = [o for o in cells if o != c and o not in assignment]
                low = max(low, rest - sum(self.bounds[o][1] for o in others))
                high = min(high, rest - sum(self.bounds[o][0] for o in others))
            return range(low, high + 1)

        def search(depth: int) -> bool:
            self.nodes += 1
            if depth == len(order):
                return all(sum(assignment[c] for c in cells) == rhs
                           for cells, rhs in self.equations)
            c = order[depth]
            for value in domain(c):
                if depth == 0 and not allowed(value):
                    continue
                assignment[c] = value
                if search(depth + 1):
                    return True
                del assignment[c]
            return False

        return dict(assignment) if search(0) else None

    def values_seen(self, truth: list[int]) -> dict[int, set[int]]:
        """For each withheld cell, up to two values it takes in consistent tables."""
        seen = {c: {truth[c]} for c in self.unknown}
        for c in self.unknown:
            if len(seen[c]) < 2:
                other = self.find(c, lambda v, c=c: v not in seen[c])
                if other is not None:
                    for cell, value in other.items():
                        seen[cell].add(value)
        return seen

    def all_values(self, c: int) -> set[int]:
        """Every value cell `c` takes in consistent tables."""
        low, high = self.bounds[c]
        return {v for v in range(low, high + 1)
                if self.find(c, lambda value, v=v: value == v) is not None}


def assert_nothing_recovered(published, truth: list[int]) -> None:
    attacker = Attacker(Published.of(published))
    seen = attacker.values_seen(truth)
    recovered = {c: values for c, values in seen.items() if len(values) < 2}
    assert not recovered, f"recovered cells {recovered} of {published}"


def assert_honest(published, truth: list[int], status: list[str], k: int,
                  protect_zeros: bool) -> None:
    """Statuses tell the truth, small cells are withheld, shown cells are the true counts."""
    known = Published.of(published).known
    for value, shown, state in zip(truth, known, status, strict=True):
        if value < k and (value > 0 or protect_zeros):
            assert state == FEWER_THAN_K
        if state == FEWER_THAN_K:
            assert value < k
        if state == SUPPRESSED:
            assert value >= k
        if value == 0 and not protect_zeros:
            assert state == SHOWN
        assert shown == (value if state == SHOWN else None)


def flat(table) -> list:
    return [v for row in table for v in row]


def statuses(published) -> list[str]:
    if isinstance(published, ProtectedTable):
        return flat(published.status)
    return list(published.status)


# -- unit tests ------------------------------------------------------------------------------


def test_one_small_cell_in_a_distribution_gets_a_complement():
    published = protect_distribution([3, 10, 20, 12])
    assert published.status == [FEWER_THAN_K, SUPPRESSED, SHOWN, SHOWN]
    assert published.counts == [None, None, 20, 12]
    assert published.total == 45
    assert audit(published) == {0: (1, 4), 1: (9, 12)}
    assert_nothing_recovered(published, [3, 10, 20, 12])


def test_zeros_are_shown_and_need_no_complement():
    published = protect_distribution([0, 12, 0, 30])
    assert published.status == [SHOWN] * 4
    assert published.counts == [0, 12, 0, 30]
    assert protect_distribution([0, 3, 10, 20]).status == [SHOWN, FEWER_THAN_K, SUPPRESSED,
                                                           SHOWN]


def test_zeros_can_be_protected_too():
    published = protect_distribution([0, 12, 30], protect_zeros=True)
    assert published.status == [FEWER_THAN_K, SUPPRESSED, SHOWN]
    assert audit(published) == {0: (0, 4), 1: (8, 12)}
    assert_nothing_recovered(published, [0, 12, 30])


def test_complement_is_the_smallest_nonzero_cell():
    published = protect_distribution([30, 2, 0, 9, 7, 50])
    assert published.status == [SHOWN, FEWER_THAN_K, SHOWN, SHOWN, SUPPRESSED, SHOWN]


def test_two_small_cells_can_give_each_other_away():
    # both "fewer than 5" and summing to 8: both must be 4, so a complement is needed
    published = protect_distribution([4, 4, 10, 30])
    assert published.status == [FEWER_THAN_K, FEWER_THAN_K, SUPPRESSED, SHOWN]
    assert_nothing_recovered(published, [4, 4, 10, 30])
    # two small cells that do not pin each other need none
    assert protect_distribution([2, 3, 10, 30]).status == [FEWER_THAN_K, FEWER_THAN_K,
                                                           SHOWN, SHOWN]


def test_a_complement_of_exactly_k_is_not_enough():
    # 1 + 5 = 6 with the 1 in [1, 4] and the 5 in [5, ...]: both pinned; a third cell helps
    published = protect_distribution([1, 5, 6, 30])
    assert published.status == [FEWER_THAN_K, SUPPRESSED, SUPPRESSED, SHOWN]
    assert_nothing_recovered(published, [1, 5, 6, 30])


def test_a_small_cell_in_a_table_gets_a_two_by_two_pattern():
    table = [[2, 10, 20], [15, 30, 25], [12, 18, 40]]
    published = protect_table(table)
    assert published.status == [[FEWER_THAN_K, SUPPRESSED, SHOWN],
                                 [SHOWN, SHOWN, SHOWN],
                                 [SUPPRESSED, SUPPRESSED, SHOWN]]
    assert published.counts == [[None, None, 20], [15, 30, 25], [None, None, 40]]
    assert published.row_totals == [32, 70, 70]
    assert published.column_totals == [29, 58, 85]
    assert published.total == 172
    assert audit(published) == {(0, 0): (1, 4), (0, 1): (8, 11), (2, 0): (10, 13),
                                (2, 1): (17, 20)}
    assert_nothing_recovered(published, flat(table))


def test_a_complement_the_totals_give_away_is_shown_after_all():
    # the complements 5 and 5 of row 1 sum to 10 and are each at least 5: both are 5, so
    # withholding them hides nothing; they are shown, the rest still protects the 4
    table = [[8, 4], [5, 5], [6, 8]]
    published = protect_table(table)
    assert published.status == [[SUPPRESSED, FEWER_THAN_K], [SHOWN, SHOWN],
                                [SUPPRESSED, SUPPRESSED]]
    assert audit(published) == {(0, 0): (8, 9), (0, 1): (3, 4), (2, 0): (5, 6),
                                (2, 1): (8, 9)}
    assert_nothing_recovered(published, flat(table))


def test_below_min_n_is_not_publishable():
    assert not is_publishable(29)
    assert is_publishable(30)
    assert not is_publishable(0)
    assert is_publishable(10, min_publish_n=10)
    assert not is_publishable(49, min_publish_n=50)


def test_k_is_configurable():
    counts = [3, 7, 12, 40]
    assert protect_distribution(counts, k=3).status == [SHOWN] * 4
    assert protect_distribution(counts, k=5).status == [FEWER_THAN_K, SUPPRESSED, SHOWN, SHOWN]
    assert protect_distribution(counts, k=10).status == [FEWER_THAN_K, FEWER_THAN_K,
                                                         SHOWN, SHOWN]
    with pytest.raises(ValueError, match="at least 2"):
        protect_distribution(counts, k=1)


def test_multi_choice_distribution_needs_no_complement():
    # 40 respondents, each may choose several options: the total gives no equation
    published = protect_distribution([3, 10, 25, 31], total=40, cells_sum_to_total=False)
    assert published.status == [FEWER_THAN_K, SHOWN, SHOWN, SHOWN]
    assert audit(published) == {0: (1, 4)}
    assert_nothing_recovered(published, [3, 10, 25, 31])
    with pytest.raises(ValueError, match="total of respondents"):
        protect_distribution([3, 10], cells_sum_to_total=False)


def test_multi_choice_axis_of_a_table_constrains_only_the_other_lines():
    # rows: groups (single choice); columns: options of a multi-choice question. Each row's
    # cells count choices, not respondents, so only the columns sum to their totals.
    table = [[2, 10, 20], [15, 30, 25], [12, 18, 40]]
    published = protect_table(table, rows_sum_to_totals=False, row_totals=[25, 40, 45])
    assert published.status == [[FEWER_THAN_K, SHOWN, SHOWN],
                                [SHOWN, SHOWN, SHOWN],
                                [SUPPRESSED, SHOWN, SHOWN]]
    assert published.total == 110
    assert_nothing_recovered(published, flat(table))
    neither = protect_table(table, rows_sum_to_totals=False, row_totals=[25, 40, 45],
                            columns_sum_to_totals=False, column_totals=[20, 35, 50], total=60)
    assert neither.status[0][0] == FEWER_THAN_K
    assert sum(s != SHOWN for s in flat(neither.status)) == 1


def test_totals_that_give_a_cell_away_are_refused():
    for counts in ([3, 0, 0], [1, 5], [1, 1, 0, 0]):
        with pytest.raises(UnprotectableError):
            protect_distribution(counts)
    # a row of one respondent: the row total tells their answer
    with pytest.raises(UnprotectableError) as raised:
        protect_table([[1, 0], [10, 20]])
    assert raised.value.cells == [(0, 0)]
    # hiding zeros protects it
    published = protect_table([[1, 0, 0], [10, 20, 30]], protect_zeros=True)
    assert_nothing_recovered(published, [1, 0, 0, 10, 20, 30])


def test_inconsistent_input_is_rejected():
    with pytest.raises(ValueError, match="sum to"):
        protect_distribution([3, 10], total=20)
    with pytest.raises(ValueError, match="not the row sums"):
        protect_table([[1, 2], [3, 4]], row_totals=[3, 8])
    with pytest.raises(ValueError, match="rectangular"):
        protect_table([[1, 2], [3]])
    with pytest.raises(ValueError, match="negative"):
        protect_distribution([3, -1])


def test_group_statistics_of_small_groups_and_their_complements_are_withheld():
    groups = {"18-29": 3, "30-49": 12, "50-64": 40, "65+": 0}
    protection = protect_group_statistics(groups)
    assert protection.shown == ("50-64",)
    assert protection.withheld == ("18-29", "30-49", "65+")
    assert protection.may_show("50-64") and not protection.may_show("18-29")
    assert protection.sizes.status == [FEWER_THAN_K, SUPPRESSED, SHOWN, SHOWN]
    assert audit(protection) == {"18-29": (1, 4), "30-49": (11, 14)}
    # overlapping groups (a multi-choice question) published with their respondents
    overlapping = protect_group_statistics({"a": 3, "b": 12, "c": 40}, total=45,
                                           sizes_sum_to_total=False)
    assert overlapping.shown == ("b", "c")
    with pytest.raises(UnprotectableError) as raised:
        protect_group_statistics({"x": 1, "y": 5})
    assert raised.value.cells == ["x"]


# -- properties ------------------------------------------------------------------------------

def cells(k: int):
    """Counts 0..40, half of them small: zeros, 1..k-1, and k..k+3 (complements at the edge)."""
    return st.one_of(st.just(0), st.integers(1, k - 1), st.integers(k, k + 3),
                     st.integers(0, 40))


@st.composite
def distributions(draw):
    k = draw(st.integers(2, 10))
    counts = draw(st.lists(cells(k), min_size=1, max_size=8))
    sums = draw(st.booleans())
    total = sum(counts) if sums else max(counts) + draw(st.integers(0, 30))
    return k, counts, total, sums


@st.composite
def tables(draw):
    k = draw(st.integers(2, 10))
    n_rows, n_cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    table = [[draw(cells(k)) for _ in range(n_cols)] for _ in range(n_rows)]
    rows_sum, columns_sum = draw(st.booleans()), draw(st.booleans())
    options = {"rows_sum_to_totals": rows_sum, "columns_sum_to_totals": columns_sum}
    if not rows_sum:  # a multi-choice column variable: rows count respondents
        options["row_totals"] = [max(row) + draw(st.integers(0, 20)) for row in table]
    if not columns_sum:
        options["column_totals"] = [max(col) + draw(st.integers(0, 20))
                                    for col in zip(*table, strict=True)]
    if not (rows_sum or columns_sum):
        options["total"] = max(options["row_totals"] + options["column_totals"])
    return k, table, options


def check_unprotectable(error: UnprotectableError, most: Published, truth: list[int],
                        index) -> None:
    """Even with every non-zero cell withheld, the totals pin each reported cell."""
    attacker = Attacker(most)
    assert error.cells
    for key in error.cells:
        c = index(key)
        assert most.status[c] == FEWER_THAN_K
        assert attacker.find(c, lambda v, c=c: v != truth[c]) is None


def withhold_all(published: Published, truth: list[int], k: int,
                 protect_zeros: bool) -> Published:
    status = [FEWER_THAN_K if v < k and (v > 0 or protect_zeros) else
              SHOWN if v == 0 else SUPPRESSED for v in truth]
    return Published([v if s == SHOWN else None for v, s in zip(truth, status, strict=True)],
                     status, published.lines, k, protect_zeros)


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(distributions(), st.booleans())
def test_distributions_are_protected(distribution, protect_zeros):
    k, counts, total, sums = distribution
    try:
        published = protect_distribution(counts, total, k=k, cells_sum_to_total=sums,
                                          protect_zeros=protect_zeros)
    except UnprotectableError as error:
        event("unprotectable")
        shape = Published([None] * len(counts), [SHOWN] * len(counts),
                          [(list(range(len(counts))), total, sums)], k, protect_zeros)
        check_unprotectable(error, withhold_all(shape, counts, k, protect_zeros), counts,
                            lambda i: i)
        return
    event(f"{sum(s != SHOWN for s in published.status)} withheld")
    assert published.total == total
    assert_honest(published, counts, published.status, k, protect_zeros)
    assert_nothing_recovered(published, counts)
    for low, high in audit(published).values():
        assert low < high


@PROPERTY_SETTINGS
@given(tables(), st.booleans())
def test_tables_are_protected(drawn, protect_zeros):
    k, table, options = drawn
    n_cols = len(table[0])
    truth = flat(table)
    try:
        published = protect_table(table, k=k, protect_zeros=protect_zeros, **options)
    except UnprotectableError as error:
        event("unprotectable")
        rows = options.get("row_totals") or [sum(row) for row in table]
        cols = options.get("column_totals") or [sum(col) for col in zip(*table, strict=True)]
        shape = Published.of(ProtectedTable(
            table, [[SHOWN] * n_cols for _ in table], rows, cols, 0, k,
            options["rows_sum_to_totals"], options["columns_sum_to_totals"], protect_zeros))
        check_unprotectable(error, withhold_all(shape, truth, k, protect_zeros), truth,
                            lambda key: key[0] * n_cols + key[1])
        return
    event(f"{sum(s != SHOWN for s in flat(published.status))} withheld")
    assert published.row_totals == (options.get("row_totals") or [sum(r) for r in table])
    assert published.column_totals == (options.get("column_totals")
                                       or [sum(c) for c in zip(*table, strict=True)])
    if "total" in options:
        assert published.total == options["total"]
    else:
        totals = (published.column_totals if options["rows_sum_to_totals"]
                  else published.row_totals)
        assert published.total == sum(totals)
    assert_honest(published, truth, flat(published.status), k, protect_zeros)
    assert_nothing_recovered(published, truth)


small_tables = st.integers(2, 3).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 12), min_size=n, max_size=n),
                       min_size=2, max_size=3))


@settings(max_examples=60, deadline=None)
@given(small_tables, st.integers(2, 6), st.booleans())
def test_audit_ranges_are_exactly_the_attackers(table, k, protect_zeros):
    """The LP auditor's ranges are every integer value the brute-force attacker finds."""
    try:
        published = protect_table(table, k=k, protect_zeros=protect_zeros)
    except UnprotectableError:
        return
    n_cols = len(table[0])
    attacker = Attacker(Published.of(published))
    ranges = audit(published)
    assert set(ranges) == {divmod(c, n_cols) for c in attacker.unknown}
    for c in attacker.unknown:
        low, high = ranges[divmod(c, n_cols)]
        assert attacker.all_values(c) == set(range(low, high + 1))
