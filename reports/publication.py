"""From a computed finding to what may be published: minimum n, then disclosure control.

The result of `publish_finding` is what a release stores and what the pages, the
API and the CSV downloads show; nothing downstream sees unprotected counts.
"""

from typing import Any

import pandas as pd

from reports.disclosure import (
    SHOWN,
    UnprotectableError,
    is_publishable,
    protect_distribution,
    protect_table,
)
from reports.findings import compute_finding
from survey.definition import SurveyDefinition
from survey.definition.model import Finding

TOO_FEW = "too_few"
UNPROTECTABLE = "unprotectable"
SUMMARY_KEYS = ("dont_know", "base", "agree_count", "agree_share", "interval")


def publish_finding(frame: pd.DataFrame, definition: SurveyDefinition, finding: Finding, *,
                    k: int, min_publish_n: int) -> dict[str, Any]:
    """The finding as it may be published, or withheld with the reason why."""
    result = compute_finding(frame, definition, finding).to_dict()
    if not is_publishable(result["n"], min_publish_n):
        return _withheld(result, TOO_FEW)
    # Zeros in a breakdown by what an attacker may know ("none of the 3 Austrians aged 65+
    # chose X") are attributes of a small group, so they are protected too. The choice rests
    # on the definition alone: switching after a failed attempt would tell an attacker that
    # the first attempt failed, which narrows the small cells.
    protect_zeros = bool(set(definition.quasi_identifiers) & {finding.question, finding.by})
    try:
        table = {**_protect(result["table"], k, protect_zeros), "zeros_protected": protect_zeros}
    except UnprotectableError:
        return _withheld(result, UNPROTECTABLE)
    n = result["n"]
    if table.get("summary_withheld"):
        # A likert summary's n is its base (scale answers): total − n would give a
        # withheld "don't know" cell away, so n becomes the table's total with the summary.
        n = table["total"]
    return {**result, "n": n, "table": table, "published": True, "withheld_reason": None}


def _withheld(result: dict[str, Any], reason: str) -> dict[str, Any]:
    kept = {key: result[key] for key in ("finding_id", "kind", "question_id", "by",
                                         "method_code", "method")}
    return {**kept, "n": None, "table": None, "published": False, "withheld_reason": reason}


def _hide(values: list, status: list) -> list:
    return [v if s == SHOWN else None for v, s in zip(values, status, strict=True)]


def _protect(table: dict[str, Any], k: int, protect_zeros: bool) -> dict[str, Any]:
    kind = table["type"]
    if kind in ("distribution", "likert_summary"):
        protected = protect_distribution(
            table["counts"], table["total"], k=k, protect_zeros=protect_zeros,
            cells_sum_to_total=table["cells_sum_to_total"])
        published = {**table, "counts": protected.counts, "status": protected.status,
                     "shares": _hide(table["shares"], protected.status), "k": k}
        if kind == "likert_summary" and any(s != SHOWN for s in protected.status):
            # The agree count, the base and "don't know" are sums of cells; with a cell
            # withheld they would give it away, so the summary is withheld with it.
            published.update(dict.fromkeys(SUMMARY_KEYS))
            published["summary_withheld"] = True
        return published
    if kind == "crosstab":
        counts, status = _protect_crosstab(table, k, protect_zeros)
        return {**table, "counts": counts, "status": status, "k": k,
                "row_shares": [_hide(row, row_status) for row, row_status in
                               zip(table["row_shares"], status, strict=True)]}
    if kind == "ranking":
        # Mean ranks and Borda scores over n ≥ MIN_PUBLISH_N are published; the
        # item-by-place counts behind them are not.
        return {key: value for key, value in table.items() if key != "counts"}
    return dict(table)  # numeric_summary: quantiles and a mean over n ≥ MIN_PUBLISH_N


def _protect_crosstab(table: dict[str, Any], k: int, protect_zeros: bool):
    """Counts and statuses of a cross-tab. Rows and columns nobody is in are left out of the
    protection and shown as zeros: their published total of 0 already says every cell is 0."""
    rows = [i for i, total in enumerate(table["row_totals"]) if total]
    columns = [j for j, total in enumerate(table["column_totals"]) if total]
    counts = [[0] * len(table["column_labels"]) for _ in table["row_labels"]]
    status = [[SHOWN] * len(table["column_labels"]) for _ in table["row_labels"]]
    if not rows or not columns:
        return counts, status
    protected = protect_table(
        [[table["counts"][i][j] for j in columns] for i in rows], k=k,
        row_totals=[table["row_totals"][i] for i in rows],
        column_totals=[table["column_totals"][j] for j in columns], total=table["total"],
        rows_sum_to_totals=table["rows_sum_to_totals"],
        columns_sum_to_totals=table["columns_sum_to_totals"], protect_zeros=protect_zeros)
    for a, i in enumerate(rows):
        for b, j in enumerate(columns):
            counts[i][j] = protected.counts[a][b]
            status[i][j] = protected.status[a][b]
    return counts, status
