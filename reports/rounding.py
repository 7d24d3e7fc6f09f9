"""Published figures rounded to a base: the same count gives the same figure everywhere.

Every count a release publishes (a table's cells, totals of respondents, a finding's n,
the release's number of responses) is rounded conventionally to a multiple of the base
`b` (default 2·k = 10): 0..4 become 0, 5..14 become 10, 15..24 become 20, and so on (a
half rounds up). A total that is the sum of published cells (the cells of a single-choice
question split its respondents) is published as the sum of the rounded cells, so that it
tells nothing the cells do not; a total of respondents that the cells do not sum to (a
multi-choice question, where a respondent counts once for every option chosen) is rounded
itself. Shares, a likert summary's agree count, base and Wilson interval, a ranking's
mean place and Borda average are computed from the rounded figures; a numeric summary's
quantiles, mean and standard deviation are rounded to `DECIMALS` places and its interval is
computed from the rounded mean, deviation and n.

Why rounding (and what `reports.audit` adds): the published value depends on the count
alone, so a count that did not change between two releases, or that two tables share,
is published identically, and a change of fewer than `b` respondents may leave it
unchanged. Every published count is only known to lie in its rounding interval
(`interval`): a published 0 means 0..4, so a cell of one to four respondents is never
shown as such, and a difference between two releases is only known within 2·b − 1. With
b ≥ k + 1, no single figure or difference of two can be certain to lie in 1..k−1; only
combinations of figures can narrow that, and `reports.audit` checks every combination
linear programming can find before a release is stored.
"""

from __future__ import annotations

import math
from typing import Any

from reports.findings import t_quantile, wilson_interval

DECIMALS = 2


def rounding_base(k: int) -> int:
    """The base counts are rounded to: 2·k (10 for k = 5), so that b ≥ k + 1."""
    return 2 * k


def round_count(count: int, base: int) -> int:
    """`count` rounded to the nearest multiple of `base` (a half rounds up)."""
    count = int(count)
    if count < 0:
        raise ValueError(f"a count must not be negative, not {count}")
    return (count + base // 2) // base * base


def interval(published: int, base: int) -> tuple[int, int]:
    """Every count that `round_count` publishes as `published`."""
    return max(0, published - base // 2), published + base - 1 - base // 2


def protect_table(table: dict[str, Any], base: int) -> dict[str, Any]:
    """A finding's table (`reports.findings`) as published, rounded to `base`."""
    protect = _PROTECT.get(table["type"])
    if protect is None:
        raise ValueError(f"no protection for tables of type {table['type']!r}")
    return {**protect(table, base), "rounding_base": base}


def _rounded(values, base: int) -> list[int]:
    return [round_count(v, base) for v in values]


def _shares(counts: list[int], total: int) -> list[float | None]:
    return [c / total if total else None for c in counts]


def _distribution(table: dict, base: int) -> dict:
    counts = _rounded(table["counts"], base)
    total = sum(counts) if table["cells_sum_to_total"] else round_count(table["total"], base)
    return {**table, "counts": counts, "total": total, "shares": _shares(counts, total)}


def _likert_summary(table: dict, base: int) -> dict:
    published = _distribution(table, base)
    by_label = dict(zip(table["labels"], published["counts"], strict=True))
    dont_know = None if table["dont_know"] is None else by_label["dont_know"]
    total_base = published["total"] - (dont_know or 0)
    agree = sum(by_label[option] for option in table["agree"])
    return {**published, "dont_know": dont_know, "base": total_base, "agree_count": agree,
            "agree_share": agree / total_base if total_base else None,
            "interval": list(wilson_interval(agree, total_base)) if total_base else None}


def _crosstab(table: dict, base: int) -> dict:
    counts = [_rounded(row, base) for row in table["counts"]]
    rows = ([sum(row) for row in counts] if table["rows_sum_to_totals"]
            else _rounded(table["row_totals"], base))
    if table["columns_sum_to_totals"]:
        columns = [sum(row[j] for row in counts) for j in range(len(table["column_labels"]))]
    else:
        columns = _rounded(table["column_totals"], base)
    if table["columns_sum_to_totals"]:  # each respondent in one row
        total = sum(rows)
    elif table["rows_sum_to_totals"]:
        total = sum(columns)
    else:
        total = round_count(table["total"], base)
    return {**table, "counts": counts, "row_totals": rows, "column_totals": columns,
            "total": total,
            "row_shares": [_shares(row, row_total) for row, row_total in zip(
                counts, rows, strict=True)],
            "column_shares": _shares(columns, total)}


def _decimals(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def _numeric_summary(table: dict, base: int) -> dict:
    n = round_count(table["total"], base)
    mean, sd = _decimals(table["mean"]), _decimals(table["sd"])
    interval_ = None
    if mean is not None and sd is not None and n >= 2:
        half = t_quantile(0.5 + table["confidence"] / 2, n - 1) * sd / math.sqrt(n)
        interval_ = [round(mean - half, DECIMALS), round(mean + half, DECIMALS)]
    return {**table, "total": n, "median": _decimals(table["median"]),
            "q1": _decimals(table["q1"]), "q3": _decimals(table["q3"]), "mean": mean,
            "sd": sd, "interval": interval_}


def _ranking(table: dict, base: int) -> dict:
    # The item-by-place counts behind the scores are not published.
    m = table["places"]
    total = round_count(table["total"], base)
    ranked = _rounded(table["ranked_by"], base)
    borda = _rounded(table["borda_total"], base)
    order = sorted(range(len(borda)), key=lambda i: -borda[i])  # stable: ties keep order
    return {
        **{key: value for key, value in table.items() if key != "counts"},
        "labels": [table["labels"][i] for i in order],
        "ranked_by": [ranked[i] for i in order],
        "borda_total": [borda[i] for i in order],
        "mean_rank": [min(m, max(1.0, m - borda[i] / ranked[i])) if ranked[i] else None
                      for i in order],
        "borda_average": [borda[i] / total if total else None for i in order],
        "total": total,
    }


_PROTECT = {"distribution": _distribution, "likert_summary": _likert_summary,
            "crosstab": _crosstab, "numeric_summary": _numeric_summary, "ranking": _ranking}
