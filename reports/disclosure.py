"""Statistical disclosure control for published tables: small cells, complements, minimum n.

Pure functions, no Flask, no database; `k` and `min_publish_n` come in as arguments
(`DISCLOSURE_K`, `MIN_PUBLISH_N` in the app's config).

What is published
-----------------
A finding is published only when `is_publishable(n, min_publish_n)`. Its tables are then
published through `protect_distribution` (one line of counts and the finding's total) or
`protect_table` (a cross-tab with its row, column and grand totals). Every total is published
as it is; every cell is published with one of three statuses:

* ``"shown"``: the true count.
* ``"fewer_than_k"`` (primary suppression): the cell counts 1..k-1 respondents. The statement
  is true; the count is withheld.
* ``"suppressed"`` (complementary suppression): withheld so that the small cells cannot be
  worked out from the totals. Such a cell always counts at least `k` (every cell of 1..k-1 is
  "fewer_than_k", zeros are shown), so saying "fewer than k" of it would be false.

Zeros are shown as 0 (``protect_zeros=False``, the default). A zero is about nobody: it tells
that no respondent of a row gave an answer, not what one respondent answered, and hiding
every zero would blank most of a sparse table and force a complement for each. The price is
that "fewer than k" then means 1..k-1, which the attacker uses too (below). Where the zeros
themselves are sensitive (a cross-tab by quasi-identifier, where "none of the 80+ chose X"
is an attribute of a small group), pass ``protect_zeros=True``: every cell below `k`,
zeros included, is then "fewer_than_k", meaning 0..k-1. That costs more suppression but
also protects groups smaller than `k`, which with shown zeros are often impossible to
protect (see `UnprotectableError`).

The attacker
------------
knows every shown cell, every total, which cells carry which status and what the statuses
mean: a "fewer_than_k" cell lies in [1, k-1] ([0, k-1] with ``protect_zeros``), a
"suppressed" cell in [k, ...], and no cell exceeds the total of any line (row, column or
the whole distribution) it lies in. A line whose cells are all of one single-choice
question sums to its total: that gives the attacker an equation. A line over the options of
a multi-choice question does not (a respondent may be counted in several cells, the total
counts respondents), so it gives only the upper bound; such lines are declared with
``cells_sum_to_total=False`` / ``rows_sum_to_totals=False`` /
``columns_sum_to_totals=False``, and primary suppression alone protects their cells.

A suppressed cell is **recovered** when everything published leaves it a single possible
value. The guarantee: in a table returned by `protect_table` / `protect_distribution`, no
suppressed cell is recovered: each can take at least two integer values in tables consistent
with everything published (`audit` gives each one's range). Learning that a "suppressed" cell
is at least `k` is not a recovery: the status says so, and such a cell would have been shown
anyway. Nothing stronger is promised (a "fewer_than_k" cell may well be narrowed to, say,
{1, 2}).

The algorithm
-------------
1. Primary suppression: every cell of 1..k-1 (0..k-1 with ``protect_zeros``) becomes
   "fewer_than_k".
2. Feasibility: if even suppressing every non-zero cell would leave a "fewer_than_k" cell
   recovered, the published totals alone give it away and no suppression pattern can help
   (suppressing more only ever widens the ranges); `UnprotectableError` is raised and the
   table must not be published (merge small categories, or withhold the finding).
3. Complementary suppression: each summing line with exactly one withheld cell gets a
   complement, the smallest non-zero shown cell of that line (the least information lost,
   ties broken by position) among the *viable* ones, repeated until no line changes. A cell
   is not viable when another summing line through it has no withheld cell and no other
   non-zero shown cell: it would be that line's total minus zeros, recovered at once.
4. Audit: linear programming (`scipy.optimize.linprog`, HiGHS) over the published equations
   with the bounds above gives each withheld cell's minimum and maximum. The equations are
   rows and columns of a table, a totally unimodular system with integral bounds and
   right-hand sides, so the LP optima are integral and are the true integer extremes:
   min < max means at least two integer values. While some "fewer_than_k" cell is
   recovered, one more cell is suppressed, the smallest viable non-zero shown cell of a
   summing line through a recovered cell, else of a summing line holding any withheld cell,
   else of any summing line; then back to 3. This ends (step 2 guarantees that suppressing
   everything would do).
5. A complement that the audit still finds recovered is shown after all: its value follows
   from the rest, so showing it tells the attacker nothing new and changes no other range.

Limits: the protection is for one table against its own totals. Tables that share cells or
margins (the same group sizes as a distribution finding and as a cross-tab's row totals)
must be protected consistently by the caller, or the shown margin of one undoes the
suppression in the other. Rules that give inequalities beyond those above (a multi-choice
question requiring at least one choice: cells sum to at least the total) are not modelled.
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import linprog

SHOWN = "shown"
FEWER_THAN_K = "fewer_than_k"
SUPPRESSED = "suppressed"
Status = Literal["shown", "fewer_than_k", "suppressed"]

DEFAULT_K = 5
DEFAULT_MIN_PUBLISH_N = 30


class UnprotectableError(ValueError):
    """The published totals alone give away a small cell, whatever else is suppressed.

    `cells` are the recovered cells (as `audit` keys them). The table must not be published.
    """

    def __init__(self, cells: list) -> None:
        super().__init__(f"the published totals give away the small cell(s) {cells}; "
                         "merge categories or withhold the table")
        self.cells = cells


@dataclass(frozen=True)
class ProtectedDistribution:
    """One line of counts as published: `counts[i]` is None where `status[i]` is not "shown"."""

    counts: list[int | None]
    status: list[Status]
    total: int
    k: int
    cells_sum_to_total: bool = True
    protect_zeros: bool = False


@dataclass(frozen=True)
class ProtectedTable:
    """A cross-tab as published: `counts[i][j]` is None where `status[i][j]` is not "shown"."""

    counts: list[list[int | None]]
    status: list[list[Status]]
    row_totals: list[int]
    column_totals: list[int]
    total: int
    k: int
    rows_sum_to_totals: bool = True
    columns_sum_to_totals: bool = True
    protect_zeros: bool = False


@dataclass(frozen=True)
class GroupProtection:
    """Which groups' statistics may be shown, and how the group sizes are published."""

    labels: tuple[Hashable, ...]
    sizes: ProtectedDistribution
    shown: tuple[Hashable, ...]  # groups whose statistics may be shown
    withheld: tuple[Hashable, ...]  # groups whose statistics must not be shown

    def may_show(self, label: Hashable) -> bool:
        """Whether statistics of the group `label` may be published."""
        return label in self.shown


def is_publishable(n: int, min_publish_n: int = DEFAULT_MIN_PUBLISH_N) -> bool:
    """Whether a finding over `n` respondents may be published at all."""
    return _count(n, "n") >= min_publish_n


def protect_distribution(counts: Sequence[int], total: int | None = None, *,
                         k: int = DEFAULT_K, cells_sum_to_total: bool = True,
                         protect_zeros: bool = False) -> ProtectedDistribution:
    """Protect one line of counts published with its total.

    Single choice (`cells_sum_to_total`): the counts must sum to `total` (default: their
    sum). Multi choice (``cells_sum_to_total=False``): `total` is the number of
    respondents and is required; no cell may exceed it. Raises `UnprotectableError` when
    the total alone gives a small cell away.
    """
    _check_k(k)
    values = [_count(v, "count") for v in counts]
    if total is None:
        if not cells_sum_to_total:
            raise ValueError("a multi-choice distribution needs its total of respondents")
        total = sum(values)
    total = _count(total, "total")
    if cells_sum_to_total and sum(values) != total:
        raise ValueError(f"the counts sum to {sum(values)}, not to the total {total}")
    if any(v > total for v in values):
        raise ValueError(f"a count exceeds the total {total}")
    lines = [_Line(tuple(range(len(values))), total, cells_sum_to_total)]
    status = _protect(values, lines, k, protect_zeros, lambda c: c)
    return ProtectedDistribution(
        counts=[v if s == SHOWN else None for v, s in zip(values, status, strict=True)],
        status=status, total=total, k=k, cells_sum_to_total=cells_sum_to_total,
        protect_zeros=protect_zeros)


def protect_table(counts: Sequence[Sequence[int]], *, k: int = DEFAULT_K,
                  row_totals: Sequence[int] | None = None,
                  column_totals: Sequence[int] | None = None, total: int | None = None,
                  rows_sum_to_totals: bool = True, columns_sum_to_totals: bool = True,
                  protect_zeros: bool = False) -> ProtectedTable:
    """Protect a cross-tab published with its row, column and grand totals.

    `rows_sum_to_totals`: each row's cells sum to its total (the column variable is single
    choice); then `row_totals` default to the sums and, if given, must equal them. Otherwise
    (the column variable is multi choice) `row_totals` are respondents and are required.
    The same for columns. `total` (respondents) defaults to the sum of the column totals
    when rows sum (the columns then split the respondents), else of the row totals when
    columns sum, and is required for two multi-choice axes. Raises
    `UnprotectableError` when the totals alone give a small cell away; a 1×m table always
    does (its column totals are its cells): use `protect_distribution` for one line.
    """
    _check_k(k)
    table = [[_count(v, "count") for v in row] for row in counts]
    n_rows = len(table)
    n_cols = len(table[0]) if table else 0
    if any(len(row) != n_cols for row in table):
        raise ValueError("the table is not rectangular")
    rows = _totals(row_totals, [sum(row) for row in table], n_rows, rows_sum_to_totals, "row")
    cols = _totals(column_totals, [sum(col) for col in zip(*table, strict=True)] or [0] * n_cols,
                   n_cols, columns_sum_to_totals, "column")
    if total is None:  # rows sum when the columns split the respondents, and vice versa
        if rows_sum_to_totals:
            total = sum(cols)
        elif columns_sum_to_totals:
            total = sum(rows)
        else:
            raise ValueError("a table of two multi-choice axes needs its total of respondents")
    total = _count(total, "total")
    if any(t > total for t in rows + cols):
        raise ValueError(f"a row or column total exceeds the total {total}")
    for i, row in enumerate(table):
        for j, v in enumerate(row):
            if v > rows[i] or v > cols[j]:
                raise ValueError(f"cell {(i, j)} exceeds its row or column total")
    values = [v for row in table for v in row]
    lines = ([_Line(tuple(i * n_cols + j for j in range(n_cols)), rows[i], rows_sum_to_totals)
              for i in range(n_rows)]
             + [_Line(tuple(i * n_cols + j for i in range(n_rows)), cols[j], columns_sum_to_totals)
                for j in range(n_cols)])
    flat = _protect(values, lines, k, protect_zeros, lambda c: divmod(c, n_cols))
    status = [flat[i * n_cols:(i + 1) * n_cols] for i in range(n_rows)]
    return ProtectedTable(
        counts=[[v if s == SHOWN else None for v, s in zip(row, srow, strict=True)]
                for row, srow in zip(table, status, strict=True)],
        status=status, row_totals=rows, column_totals=cols, total=total, k=k,
        rows_sum_to_totals=rows_sum_to_totals, columns_sum_to_totals=columns_sum_to_totals,
        protect_zeros=protect_zeros)


def protect_group_statistics(groups: Mapping[Hashable, int], *, k: int = DEFAULT_K,
                             total: int | None = None, sizes_sum_to_total: bool = True,
                             protect_zeros: bool = False) -> GroupProtection:
    """Which groups' statistics (a subgroup's Wilson interval, median, mean) may be shown.

    The group sizes are published as a distribution with the finding's total (`total`,
    default their sum; with ``sizes_sum_to_total=False`` for overlapping groups, the number
    of respondents, required), protected as by `protect_distribution`. A group's statistics
    are shown only when its size is shown and non-zero, i.e. at least `k`: a group under
    `k` is withheld, and so is a group whose size is a complement, since statistics such
    as an interval's width give its size away, and with it the small group's through the
    total. Raises `UnprotectableError` (with labels) when the total gives a small group away.
    """
    labels = tuple(groups)
    try:
        sizes = protect_distribution([groups[label] for label in labels], total, k=k,
                                     cells_sum_to_total=sizes_sum_to_total,
                                     protect_zeros=protect_zeros)
    except UnprotectableError as error:
        raise UnprotectableError([labels[i] for i in error.cells]) from None
    shown = tuple(label for label, n in zip(labels, sizes.counts, strict=True) if n)
    return GroupProtection(labels=labels, sizes=sizes, shown=shown,
                           withheld=tuple(label for label in labels if label not in shown))


def audit(published: ProtectedTable | ProtectedDistribution | GroupProtection,
          ) -> dict[Hashable, tuple[int, int]]:
    """The range (min, max) each withheld cell can take, given only what is published.

    Keys: the cell's index in a distribution, (row, column) in a table, the label for
    groups. Uses the published counts, statuses and totals only, never the true values.
    """
    if isinstance(published, GroupProtection):
        ranges = audit(published.sizes)
        return {published.labels[i]: r for i, r in ranges.items()}
    if isinstance(published, ProtectedDistribution):
        known = list(published.counts)
        status = list(published.status)
        lines = [_Line(tuple(range(len(known))), published.total, published.cells_sum_to_total)]
        cell = int
    elif isinstance(published, ProtectedTable):
        n_cols = len(published.column_totals)
        known = [v for row in published.counts for v in row]
        status = [s for row in published.status for s in row]
        n_rows = len(published.row_totals)
        lines = ([_Line(tuple(i * n_cols + j for j in range(n_cols)), published.row_totals[i],
                        published.rows_sum_to_totals) for i in range(n_rows)]
                 + [_Line(tuple(i * n_cols + j for i in range(n_rows)),
                          published.column_totals[j], published.columns_sum_to_totals)
                    for j in range(n_cols)])

        def cell(c: int) -> tuple[int, int]:
            return divmod(c, n_cols)
    else:
        raise TypeError(f"cannot audit {type(published).__name__}")
    system = _System(known, status, lines, published.k, published.protect_zeros)
    return {cell(c): system.range(c) for c in system.unknown}


# -- the computing core: cells are flat indices, lines are rows, columns or a distribution --

@dataclass(frozen=True)
class _Line:
    cells: tuple[int, ...]
    total: int
    sums: bool  # the cells sum to the total: an equation for the attacker


class _System:
    """The attacker's view: withheld cells as unknowns, bounds and the published equations."""

    def __init__(self, known: Sequence[int | None], status: Sequence[str],
                 lines: Sequence[_Line], k: int, protect_zeros: bool) -> None:
        self.unknown = [c for c, s in enumerate(status) if s != SHOWN]
        index = {c: u for u, c in enumerate(self.unknown)}
        upper: dict[int, int] = {}
        for line in lines:
            for c in line.cells:
                upper[c] = min(upper.get(c, line.total), line.total)
        self.bounds = [(0 if protect_zeros else 1, min(k - 1, upper[c]))
                       if status[c] == FEWER_THAN_K else (k, upper[c]) for c in self.unknown]
        equations, rhs = [], []
        for line in lines:
            unknown = [index[c] for c in line.cells if c in index]
            if line.sums and unknown:
                equations.append(unknown)
                rhs.append(line.total - sum(known[c] for c in line.cells if c not in index))
        self.a_eq = np.zeros((len(equations), len(self.unknown)))
        for row, unknown in enumerate(equations):
            self.a_eq[row, unknown] = 1.0
        self.b_eq = np.array(rhs, dtype=float)
        self.constrained = {u for unknown in equations for u in unknown}
        self.index = index

    def _extreme(self, cell: int, sense: int) -> int:
        """The minimum (sense 1) or maximum (sense -1) of a withheld cell."""
        u = self.index[cell]
        if u not in self.constrained:
            return self.bounds[u][0 if sense == 1 else 1]
        objective = np.zeros(len(self.unknown))
        objective[u] = sense
        result = linprog(objective, A_eq=self.a_eq, b_eq=self.b_eq, bounds=self.bounds,
                         method="highs")
        if result.status != 0:
            raise ValueError(f"the published table is inconsistent ({result.message})")
        return round(sense * result.fun)

    def range(self, cell: int) -> tuple[int, int]:
        return self._extreme(cell, 1), self._extreme(cell, -1)

    def recovered(self, cell: int, value: int) -> bool:
        """Whether the cell, truly `value`, can take no other value."""
        return self._extreme(cell, -1) == value and self._extreme(cell, 1) == value


def _protect(values: list[int], lines: list[_Line], k: int, protect_zeros: bool,
             cell_key) -> list[Status]:
    """The status of every cell (see the module docstring for the algorithm)."""
    status = _primary_suppression(values, k, protect_zeros)
    primary = [c for c, s in enumerate(status) if s == FEWER_THAN_K]
    if not primary:
        return status
    plan = _Plan(values, lines, status)
    _check_feasible(plan, primary, k, protect_zeros, cell_key)
    system = _suppress_until_audited(plan, primary, k, protect_zeros)
    _show_recovered_complements(plan, system)
    return status


def _primary_suppression(values: list[int], k: int, protect_zeros: bool) -> list[Status]:
    """Step 1: every cell of 1..k-1 (0..k-1 with `protect_zeros`) is "fewer_than_k"."""
    return [FEWER_THAN_K if v < k and (v > 0 or protect_zeros) else SHOWN for v in values]


class _Plan:
    """The statuses being decided, with the summing lines through each cell."""

    def __init__(self, values: list[int], lines: list[_Line], status: list[Status]) -> None:
        self.values = values
        self.lines = lines
        self.status = status
        self.summing = [line for line in lines if line.sums]
        self.lines_of: dict[int, list[_Line]] = {c: [] for c in range(len(values))}
        for line in self.summing:
            for c in line.cells:
                self.lines_of[c].append(line)

    def viable(self, c: int, line: _Line | None) -> bool:
        """Whether withholding cell `c` would not leave another summing line (not `line`)
        with its total minus zeros as the only value for it."""
        for other in self.lines_of[c]:
            if other is line or any(self.status[o] != SHOWN for o in other.cells if o != c):
                continue
            if not any(self.values[o] > 0 for o in other.cells if o != c):
                return False
        return True

    def candidates(self, among: list[_Line], line: _Line | None = None) -> set[int]:
        """Shown non-zero viable cells of the lines `among`."""
        return {c for ln in among for c in ln.cells
                if self.status[c] == SHOWN and self.values[c] > 0 and self.viable(c, line)}

    def suppress_smallest(self, cells: set[int]) -> None:
        """Suppress the smallest of `cells` (ties broken by position)."""
        self.status[min(cells, key=lambda c: (self.values[c], c))] = SUPPRESSED

    def withheld_lines(self) -> list[_Line]:
        return [ln for ln in self.summing if any(self.status[c] != SHOWN for c in ln.cells)]


def _check_feasible(plan: _Plan, primary: list[int], k: int, protect_zeros: bool,
                    cell_key) -> None:
    """Step 2: raise `UnprotectableError` if even withholding every non-zero cell leaves a
    small cell recovered."""
    most = [s if s == FEWER_THAN_K or plan.values[c] == 0 else SUPPRESSED
            for c, s in enumerate(plan.status)]
    system = _System(plan.values, most, plan.lines, k, protect_zeros)
    given_away = [c for c in primary if system.recovered(c, plan.values[c])]
    if given_away:
        raise UnprotectableError([cell_key(c) for c in given_away])


def _complement_lines(plan: _Plan) -> None:
    """Step 3: each summing line with exactly one withheld cell gets a complement, until
    no line changes."""
    changed = True
    while changed:
        changed = False
        for line in plan.summing:
            if sum(plan.status[c] != SHOWN for c in line.cells) == 1:
                found = plan.candidates([line], line)
                if found:
                    plan.suppress_smallest(found)
                    changed = True


def _suppress_until_audited(plan: _Plan, primary: list[int], k: int,
                            protect_zeros: bool) -> _System:
    """Steps 3 and 4: complements, then one more cell while the audit recovers a small
    cell; returns the final audit."""
    safe: set[int] = set()
    while True:
        _complement_lines(plan)
        system = _System(plan.values, plan.status, plan.lines, k, protect_zeros)
        # suppressing more only widens ranges: a cell once safe stays safe
        recovered = [c for c in primary
                     if c not in safe and system.recovered(c, plan.values[c])]
        if not recovered:
            return system
        safe.update(c for c in primary if c not in recovered)
        for among in ([ln for c in recovered for ln in plan.lines_of[c]],
                      plan.withheld_lines(), plan.summing):
            found = plan.candidates(among)
            if found:
                plan.suppress_smallest(found)
                break
        else:  # pragma: no cover - the feasibility check rules this out
            raise RuntimeError("no cell left to suppress")


def _show_recovered_complements(plan: _Plan, system: _System) -> None:
    """Step 5: a complement the audit still finds recovered is shown after all."""
    for c in system.unknown:
        if plan.status[c] == SUPPRESSED and system.recovered(c, plan.values[c]):
            plan.status[c] = SHOWN


def _check_k(k: int) -> None:
    if _count(k, "k") < 2:
        raise ValueError(f"k must be at least 2, not {k}")


def _count(value: int, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not a bool")
    value = operator.index(value)
    if value < 0:
        raise ValueError(f"{what} must not be negative, not {value}")
    return value


def _totals(given: Sequence[int] | None, sums: list[int], length: int, cells_sum: bool,
            what: str) -> list[int]:
    if given is None:
        if not cells_sum:
            raise ValueError(f"{what} totals of a multi-choice axis must be given")
        return sums
    totals = [_count(t, f"{what} total") for t in given]
    if len(totals) != length:
        raise ValueError(f"{len(totals)} {what} totals for {length} {what}s")
    if cells_sum and totals != sums:
        raise ValueError(f"the {what} totals {totals} are not the {what} sums {sums}")
    return totals
