"""What an attacker knows as a linear program, and what linear programming can work out.

Unknown true counts are variables with bounds; what is published about them are linear
equalities and inequalities. `disclosed` finds the expressions (cells, differences of cells)
that every consistent point leaves certainly between 1 and k − 1, `recovered` those left a
single value. The ranges come from `scipy.optimize.linprog` (HiGHS) over sparse matrices,
so that many releases with many tables stay one small program each.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

Expression = dict[int, float]
UNBOUNDED = 10**12
EPS = 1e-6


class Knowledge:
    """Unknown true counts (variables with bounds) and the linear relations between them."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.equalities: list[tuple[Expression, float]] = []
        self.inequalities: list[tuple[Expression, float]] = []  # expression <= value
        self._compiled = None

    def variable(self, low: float, high: float) -> Expression:
        """A new unknown between `low` and `high`."""
        self.lower.append(low)
        self.upper.append(high)
        self._compiled = None
        return {len(self.lower) - 1: 1.0}

    def equal(self, expression: Expression, value: float = 0.0) -> None:
        """Known: `expression` equals `value`."""
        self.equalities.append((expression, value))
        self._compiled = None

    def at_most(self, expression: Expression, value: float = 0.0) -> None:
        """Known: `expression` is at most `value`."""
        self.inequalities.append((expression, value))
        self._compiled = None

    def at_least(self, expression: Expression, value: float = 0.0) -> None:
        """Known: `expression` is at least `value`."""
        self.at_most(negated(expression), -value)

    def bounds(self, expression: Expression) -> tuple[float, float]:
        """The range of `expression` from the variables' bounds alone (a relaxation)."""
        low = sum(c * (self.lower[v] if c > 0 else self.upper[v]) for v, c in expression.items())
        high = sum(c * (self.upper[v] if c > 0 else self.lower[v])
                   for v, c in expression.items())
        return low, high

    def _matrix(self, rows: list[tuple[Expression, float]]):
        if not rows:
            return None, None
        data, row_index, column_index = [], [], []
        for r, (expression, _value) in enumerate(rows):
            for v, c in expression.items():
                data.append(c)
                row_index.append(r)
                column_index.append(v)
        matrix = csr_matrix((data, (row_index, column_index)),
                            shape=(len(rows), len(self.lower)))  # duplicates are summed
        return matrix, np.array([value for _expression, value in rows], dtype=float)

    def _program(self):
        if self._compiled is None:
            self._compiled = (*self._matrix(self.equalities), *self._matrix(self.inequalities),
                              list(zip(self.lower, self.upper, strict=True)))
        return self._compiled

    def solve(self, objective: Expression) -> np.ndarray | None:
        """A point minimizing `objective` among the consistent ones; None if there is none."""
        costs = np.zeros(len(self.lower))
        for v, c in objective.items():
            costs[v] += c
        a_eq, b_eq, a_ub, b_ub, bounds = self._program()
        result = linprog(costs, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                         method="highs")
        return result.x if result.status == 0 else None

    def consistent(self) -> bool:
        """Whether any point satisfies everything known."""
        return self.solve({}) is not None


def value(point: np.ndarray, expression: Expression) -> float:
    """`expression` evaluated at `point`."""
    return sum(c * point[v] for v, c in expression.items())


def plus(*terms: tuple[float, Expression]) -> Expression:
    """The sum of `factor · expression` over `terms`."""
    total: Expression = {}
    for factor, expression in terms:
        for v, c in expression.items():
            total[v] = total.get(v, 0.0) + factor * c
    return total


def total(expressions: Sequence[Expression]) -> Expression:
    """The sum of `expressions`."""
    return plus(*((1.0, e) for e in expressions))


def minus(a: Expression, b: Expression) -> Expression:
    """`a − b`."""
    return plus((1.0, a), (-1.0, b))


def negated(expression: Expression) -> Expression:
    """`−expression`."""
    return {v: -c for v, c in expression.items()}


def _none(found: float) -> bool:
    """Whether an LP value allows a count of 0 (any positive value means at least 1)."""
    return found <= EPS


def disclosed(knowledge: Knowledge, cells: dict[Hashable, Expression], k: int,
              ) -> list[Hashable] | None:
    """The cells certainly between 1 and k − 1; None if the knowledge is inconsistent."""
    open_cells = {}
    for key, expression in cells.items():
        low, high = knowledge.bounds(expression)
        if low >= k or high < 1:
            continue  # settled: at least k, or certainly none
        open_cells[key] = expression
    if not open_cells:
        return [] if knowledge.consistent() else None
    low_point = knowledge.solve(total(list(open_cells.values())))
    if low_point is None:
        return None
    high_point = knowledge.solve(negated(total(list(open_cells.values()))))
    found = []
    for key, expression in open_cells.items():
        if _none(value(low_point, expression)) or value(high_point, expression) >= k - EPS:
            continue  # a consistent table where it is 0, or k or more
        if _none(value(knowledge.solve(expression), expression)):
            continue
        if value(knowledge.solve(negated(expression)), expression) >= k - EPS:
            continue
        found.append(key)  # LP: above 0, so (in integers) at least 1; below k
    return found


def recovered(knowledge: Knowledge, cells: dict[Hashable, Expression]) -> list[Hashable]:
    """The cells that everything known leaves a single value."""
    found = []
    for key, expression in cells.items():
        low, high = knowledge.bounds(expression)
        if high - low >= 1:
            low = value(knowledge.solve(expression), expression)
            high = value(knowledge.solve(negated(expression)), expression)
        if np.floor(high + EPS) <= np.ceil(low - EPS):  # one integer at most
            found.append(key)
    return found
