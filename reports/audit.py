"""Interval audit of published findings: what linear programming can work out from them.

The attacker knows every published figure, how it was protected (`reports.rounding`: each
rounded count lies in its rounding interval; older releases published exact counts and
"fewer than k" / "withheld" cells), which totals the cells sum to, and, between two
releases, that responses are only ever added (each cell counts at least as many in the
later one, and a finding gains at most as many respondents as the survey gained
responses). Within one release, tables that count the same question over the same
respondents (a distribution and the columns of a cross-tab of it, two cross-tabs by the
same breakdown) have equal margins, and the attacker is granted that whenever it is true.

A count is **disclosed** when everything published leaves it certainly between 1 and
k − 1: in one release, a cell; between two releases, the difference of a cell (how many of
the new respondents gave that answer); and a cell withheld by an older release is
disclosed when it is left a single value. `audit_release` and `audit_difference` return
the disclosed cells (none: nothing is disclosed). Each candidate cell's range comes from
`scipy.optimize.linprog` (HiGHS); cells whose bounds alone settle it, or that a first LP
over all candidates shows at 0 (or at k or more), need no LP of their own.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog

from reports.rounding import interval

Expression = dict[int, float]
UNBOUNDED = 10**12


class Knowledge:
    """Unknown true counts (variables with bounds) and the linear relations between them."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.equalities: list[tuple[Expression, float]] = []
        self.inequalities: list[tuple[Expression, float]] = []  # expression <= value

    def variable(self, low: float, high: float) -> Expression:
        self.lower.append(low)
        self.upper.append(high)
        return {len(self.lower) - 1: 1.0}

    def equal(self, expression: Expression, value: float = 0.0) -> None:
        self.equalities.append((expression, value))

    def at_most(self, expression: Expression, value: float = 0.0) -> None:
        self.inequalities.append((expression, value))

    def bounds(self, expression: Expression) -> tuple[float, float]:
        """The range of `expression` from the variables' bounds alone (a relaxation)."""
        low = sum(c * (self.lower[v] if c > 0 else self.upper[v]) for v, c in expression.items())
        high = sum(c * (self.upper[v] if c > 0 else self.lower[v])
                   for v, c in expression.items())
        return low, high

    def _matrix(self, rows: list[tuple[Expression, float]]):
        if not rows:
            return None, None
        matrix = np.zeros((len(rows), len(self.lower)))
        for r, (expression, _value) in enumerate(rows):
            for v, c in expression.items():
                matrix[r, v] += c
        return matrix, np.array([value for _expression, value in rows], dtype=float)

    def solve(self, objective: Expression) -> np.ndarray | None:
        """A point minimizing `objective` among the consistent ones; None if there is none."""
        costs = np.zeros(len(self.lower))
        for v, c in objective.items():
            costs[v] += c
        a_eq, b_eq = self._matrix(self.equalities)
        a_ub, b_ub = self._matrix(self.inequalities)
        result = linprog(costs, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                         bounds=list(zip(self.lower, self.upper, strict=True)),
                         method="highs")
        return result.x if result.status == 0 else None


def _value(point: np.ndarray, expression: Expression) -> float:
    return sum(c * point[v] for v, c in expression.items())


def _plus(*terms: tuple[float, Expression]) -> Expression:
    total: Expression = {}
    for factor, expression in terms:
        for v, c in expression.items():
            total[v] = total.get(v, 0.0) + factor * c
    return total


def _sum(expressions: Sequence[Expression]) -> Expression:
    return _plus(*((1.0, e) for e in expressions))


def disclosed(knowledge: Knowledge, cells: dict[Hashable, Expression], k: int,
              ) -> list[Hashable]:
    """The cells certainly between 1 and k − 1; None if the knowledge is inconsistent."""
    open_cells = {}
    for key, expression in cells.items():
        low, high = knowledge.bounds(expression)
        if low >= k or high < 1:
            continue  # settled: at least k, or certainly none
        open_cells[key] = expression
    if not open_cells:
        return []
    low_point = knowledge.solve(_sum(list(open_cells.values())))
    if low_point is None:
        return None  # type: ignore[return-value]
    high_point = knowledge.solve(_plus(*((-1.0, e) for e in open_cells.values())))
    found = []
    for key, expression in open_cells.items():
        if _none(_value(low_point, expression)) or _value(high_point, expression) >= k - EPS:
            continue  # a consistent table where it is 0, or k or more
        if _none(_value(knowledge.solve(expression), expression)):
            continue
        most = knowledge.solve({v: -c for v, c in expression.items()})
        if _value(most, expression) >= k - EPS:
            continue
        found.append(key)  # LP: above 0, so (in integers) at least 1; below k
    return found


EPS = 1e-6


def _none(value: float) -> bool:
    """Whether an LP value allows a count of 0 (any positive value means at least 1)."""
    return value <= EPS


def recovered(knowledge: Knowledge, cells: dict[Hashable, Expression]) -> list[Hashable]:
    """The cells that everything known leaves a single value."""
    found = []
    for key, expression in cells.items():
        low, high = knowledge.bounds(expression)
        if high - low >= 1:
            least = knowledge.solve(expression)
            most = knowledge.solve({v: -c for v, c in expression.items()})
            low, high = _value(least, expression), _value(most, expression)
        if np.floor(high + EPS) <= np.ceil(low - EPS):  # one integer at most
            found.append(key)
    return found


# -- published tables as knowledge ----------------------------------------------------------

@dataclass
class TableKnowledge:
    """One published table's unknowns: its cells (by label), totals and margins."""

    cells: dict[Hashable, Expression]
    total: Expression
    margins: dict[str, dict[str, Expression]] = field(default_factory=dict)
    withheld: dict[Hashable, Expression] = field(default_factory=dict)  # older releases


class _Reader:
    """Adds one published table's figures to `knowledge` as an attacker reads them."""

    def __init__(self, knowledge: Knowledge, table: dict[str, Any], k: int) -> None:
        self.knowledge = knowledge
        self.base = table.get("rounding_base")
        self.k = k
        self.zeros = bool(table.get("zeros_protected"))
        self.withheld: dict[Hashable, Expression] = {}

    def count(self, value: int | None, status: str | None = None,
              key: Hashable = None) -> Expression:
        """A published count: its rounding interval, or (older releases) the exact value or
        what its status says."""
        if self.base is not None:
            return self.knowledge.variable(*interval(value, self.base))
        if status in (None, "shown"):
            return self.knowledge.variable(value, value)
        if status == "fewer_than_k":
            expression = self.knowledge.variable(0 if self.zeros else 1, self.k - 1)
        else:
            expression = self.knowledge.variable(self.k, UNBOUNDED)
        self.withheld[key] = expression
        return expression

    def total(self, cells: list[Expression], value: int, sums: bool) -> Expression:
        """A line's total: the sum of its cells where they sum to it and it is published as
        their sum (rounded tables); else a count of its own bounding (or equal to) them."""
        if sums and self.base is not None:
            return _sum(cells)
        total = self.count(value)
        for cell in cells:
            if sums:
                continue
            self.knowledge.at_most(_plus((1.0, cell), (-1.0, total)))
        if sums:
            self.knowledge.equal(_plus((1.0, _sum(cells)), (-1.0, total)))
        return total


def read_table(knowledge: Knowledge, finding: dict[str, Any], k: int) -> TableKnowledge:
    """Add a published finding's counts to `knowledge`."""
    table = finding["table"]
    kind = table["type"]
    reader = _Reader(knowledge, table, k)
    if kind in ("distribution", "likert_summary"):
        status = table.get("status") or [None] * len(table["labels"])
        cells = {label: reader.count(value, state, label) for label, value, state in zip(
            table["labels"], table["counts"], status, strict=True)}
        total = reader.total(list(cells.values()), table["total"], table["cells_sum_to_total"])
        return TableKnowledge(cells, total, {finding["question_id"]: cells}, reader.withheld)
    if kind == "crosstab":
        return _read_crosstab(reader, finding)
    if kind == "ranking":
        total = reader.count(table["total"])
        cells = {}
        for label, ranked in zip(table["labels"], table["ranked_by"], strict=True):
            cells[("ranked_by", label)] = reader.count(ranked)
            knowledge.at_most(_plus((1.0, cells[("ranked_by", label)]), (-1.0, total)))
        return TableKnowledge(cells, total)
    return TableKnowledge({}, reader.count(table["total"]))  # numeric_summary: its n


def _read_crosstab(reader: _Reader, finding: dict[str, Any]) -> TableKnowledge:
    table = finding["table"]
    knowledge = reader.knowledge
    rows, columns = table["row_labels"], table["column_labels"]
    status = table.get("status") or [[None] * len(columns) for _ in rows]
    cells = {(r, c): reader.count(table["counts"][i][j], status[i][j], (r, c))
             for i, r in enumerate(rows) for j, c in enumerate(columns)}
    row_totals = {r: reader.total([cells[(r, c)] for c in columns], table["row_totals"][i],
                                  table["rows_sum_to_totals"]) for i, r in enumerate(rows)}
    column_totals = {c: reader.total([cells[(r, c)] for r in rows], table["column_totals"][j],
                                     table["columns_sum_to_totals"])
                     for j, c in enumerate(columns)}
    if reader.base is not None and table["columns_sum_to_totals"]:
        total = _sum(list(row_totals.values()))
    elif reader.base is not None and table["rows_sum_to_totals"]:
        total = _sum(list(column_totals.values()))
    else:
        total = reader.count(table["total"])
        if table["columns_sum_to_totals"]:
            knowledge.equal(_plus((1.0, _sum(list(row_totals.values()))), (-1.0, total)))
        elif table["rows_sum_to_totals"]:
            knowledge.equal(_plus((1.0, _sum(list(column_totals.values()))), (-1.0, total)))
        for line in (*row_totals.values(), *column_totals.values()):
            knowledge.at_most(_plus((1.0, line), (-1.0, total)))
    margins = {finding["question_id"]: column_totals, finding["by"]: row_totals}
    return TableKnowledge(cells, total, margins, reader.withheld)


# -- the two audits ---------------------------------------------------------------------------

def true_margins(result: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The unprotected margins of a computed finding, as `read_table` names them."""
    table = result["table"]
    if table["type"] in ("distribution", "likert_summary"):
        return {result["question_id"]: dict(zip(table["labels"], table["counts"], strict=True))}
    if table["type"] == "crosstab":
        return {result["question_id"]: dict(zip(table["column_labels"], table["column_totals"],
                                                strict=True)),
                result["by"]: dict(zip(table["row_labels"], table["row_totals"], strict=True))}
    return {}


def audit_release(published: list[dict[str, Any]], truths: list[dict[str, Any]], k: int,
                  ) -> dict[str, list]:
    """The disclosed cells of each published finding when all tables of one release are
    read together (`truths`: the unprotected results, for which margins are equal)."""
    knowledge = Knowledge()
    tables = {finding["finding_id"]: read_table(knowledge, finding, k)
              for finding in published if finding["published"]}
    margins = {result["finding_id"]: true_margins(result) for result in truths
               if result.get("table") is not None}
    _link_margins(knowledge, tables, margins)
    cells = {(finding_id, key): expression for finding_id, read in tables.items()
             for key, expression in read.cells.items()}
    found: dict[str, list] = {}
    for finding_id, key in disclosed(knowledge, cells, k) or []:
        found.setdefault(finding_id, []).append(key)
    return found


def _link_margins(knowledge: Knowledge, tables: dict[str, TableKnowledge],
                  margins: dict[str, dict[str, dict[str, int]]]) -> None:
    """Margins of one question in two tables: equal where they truly are, the larger one at
    least the smaller where one table's respondents truly include the other's."""
    ids = list(tables)
    for a_index, a in enumerate(ids):
        for b in ids[a_index + 1:]:
            for question in set(tables[a].margins) & set(tables[b].margins):
                true_a = margins.get(a, {}).get(question)
                true_b = margins.get(b, {}).get(question)
                if true_a is None or true_b is None or set(true_a) != set(true_b):
                    continue
                gaps = {label: true_a[label] - true_b[label] for label in true_a}
                for label in gaps:
                    difference = _plus((1.0, tables[a].margins[question][label]),
                                       (-1.0, tables[b].margins[question][label]))
                    if all(g == 0 for g in gaps.values()):
                        knowledge.equal(difference)
                    elif all(g >= 0 for g in gaps.values()):
                        knowledge.at_most({v: -c for v, c in difference.items()})
                    elif all(g <= 0 for g in gaps.values()):
                        knowledge.at_most(difference)


@dataclass(frozen=True)
class Published:
    """One release as an attacker reads it: its findings and its number of responses."""

    findings: list[dict[str, Any]]
    responses: int
    rounding_base: int | None  # None: an older release, its responses exact


def _responses(knowledge: Knowledge, release: Published) -> Expression:
    if release.rounding_base is None:
        return knowledge.variable(release.responses, release.responses)
    return knowledge.variable(*interval(release.responses, release.rounding_base))


def audit_difference(earlier: Published, later: Published, finding_id: str, k: int,
                     ) -> list:
    """The disclosed cells of one finding published in two releases: differences certainly
    in 1..k−1, and cells withheld by the earlier release that are left one value."""
    old = _finding(earlier, finding_id)
    new = _finding(later, finding_id)
    if old is None or new is None or old["table"]["type"] != new["table"]["type"]:
        return []
    for monotone in (True, False):
        knowledge = Knowledge()
        before, after = read_table(knowledge, old, k), read_table(knowledge, new, k)
        common = [key for key in after.cells if key in before.cells]
        differences = {key: _plus((1.0, after.cells[key]), (-1.0, before.cells[key]))
                       for key in common}
        if monotone:  # responses are only added: no cell shrinks, n grows at most as they do
            for difference in differences.values():
                knowledge.at_most({v: -c for v, c in difference.items()})
            grown = _plus((1.0, after.total), (-1.0, before.total),
                          (-1.0, _responses(knowledge, later)),
                          (1.0, _responses(knowledge, earlier)))
            knowledge.at_most(grown)
            knowledge.at_most({v: -c for v, c in _plus((1.0, after.total),
                                                       (-1.0, before.total)).items()})
        found = disclosed(knowledge, differences, k)
        if found is not None:  # else responses were deleted in between: read without that
            return found + recovered(knowledge, before.withheld)
    raise ValueError(f"the published tables of {finding_id!r} are inconsistent")


def _finding(release: Published, finding_id: str) -> dict[str, Any] | None:
    for finding in release.findings:
        if finding["finding_id"] == finding_id and finding["published"]:
            return finding
    return None
