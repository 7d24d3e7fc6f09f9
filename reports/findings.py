"""Findings: the published statistics of a survey, computed from its tidy frame.

Pure functions over a pandas DataFrame in the format of `survey.definition.columns` (one row per
response) and the definition objects; no Flask, no database. The caller chooses the rows
(e.g. leaves out demo responses) before calling. `compute_finding` dispatches on
`finding.kind`; `compute_findings` computes every finding of a definition. Results are
language-independent: labels are option ids, which the UI localizes from the definition;
`method` is an English sentence and `method_code` a stable code the UI can translate.

Who counts
    A respondent *answered* a single_choice or likert question when the column holds one
    of the question's option ids (values that are not options of this definition, e.g.
    from an earlier version, are left out); a multi_choice question when any of its option
    columns is not NA; a ranking when any item has a place in 1..m (other places are
    ignored); a number question when the value is not NaN. Everyone else is left out of
    the finding, and of its n.

FindingResult (`to_dict()` gives exactly these keys; `from_dict()` reads them back)
    finding_id   str       the finding's id
    kind         str       the finding's kind, as in the definition
    question_id  str
    by           str|None  the breakdown question (crosstab, distribution with `by`)
    n            int       respondents the result rests on (see each table)
    method_code  str       one of METHOD_CODES
    method       str       the method as one English sentence or two
    table        dict      JSON-friendly (ints, floats, str, None, lists; never NaN);
                           `table["type"]` says which shape follows

The flags `cells_sum_to_total`, `rows_sum_to_totals` and `columns_sum_to_totals` carry the
names of `reports.disclosure`'s parameters, so a table's counts and totals can be handed to
`protect_distribution` / `protect_table` as they are. A ranking's `counts` sum, row by
row, to `ranked_by`.

The table shapes. Counts are ints; a share whose base is 0 is None. Every table has
`total`, the number of respondents of the whole table. A statistic computed over a group
names the group's size next to it, so that small groups can be withheld.

    "distribution"  (distribution without `by`)
        labels   [option id]      definition order, with "other" or "dont_know" where the
                                  question has them
        counts   [int]            respondents who chose each option
        total    int              respondents who answered (= n)
        shares   [float|None]     counts[i] / total
        cells_sum_to_total  bool  whether sum(counts) == total; False for multi_choice, where
                                  a respondent counts once for every option chosen, so
                                  shares may add up to more than 1

    "crosstab"  (crosstab; distribution with `by`)
        row_labels     [option id]    options of `by`
        column_labels  [option id]    options of the question
        counts         [[int]]        counts[i][j]: respondents who answered both, chose `by`
                                      option i and question option j
        row_totals     [int]          respondents with `by` option i who answered the question
        column_totals  [int]          respondents with question option j who answered `by`
        total          int            respondents who answered both (= n)
        row_shares     [[float|None]] counts[i][j] / row_totals[i]
        column_shares  [float|None]   column_totals[j] / total (the question's distribution
                                      among those who answered both)
        rows_sum_to_totals     bool   each row's counts sum to its row total (the question is
                                      not multi_choice); when False a respondent counts in
                                      every column chosen and totals are respondents, not sums
        columns_sum_to_totals  bool   the same for columns (`by` is not multi_choice)

    "likert_summary"
        labels       [option id]   the scale, then "dont_know" if the question has it
        counts       [int]
        total        int           respondents who answered, "don't know" included
        shares       [float|None]  counts[i] / total
        cells_sum_to_total  true
        dont_know    int|None      "don't know" answers (None: the question has no such option)
        base         int           respondents who gave a scale answer (= n; the agree share's n)
        agree        [option id]   the agreeing answers (`finding.agree`, else the top two)
        agree_count  int
        agree_share  float|None    agree_count / base
        interval     [float, float]|None   Wilson score interval for agree_share
        confidence   0.95

    "numeric_summary"
        total        int           respondents who gave a number (= n)
        median, q1, q3  float|None quantiles by linear interpolation (numpy/pandas default)
        mean         float|None
        sd           float|None    sample standard deviation (n - 1), None for n < 2
        interval     [float, float]|None   Student t interval for the mean, None for n < 2
        confidence   0.95
        quantile_method "linear"
        The smallest and largest answers are deliberately absent (single people's answers).

    "ranking"
        labels         [item id]     ordered by Borda total, highest first (ties: definition order)
        places         int           m, the number of items
        counts         [[int]]       counts[i][p]: respondents who put item i at place p + 1
        ranked_by      [int]         respondents who placed item i (the mean rank's n)
        mean_rank      [float|None]  mean place of item i among ranked_by[i] (1 = best)
        borda_total    [int]         sum over respondents of m - place (unplaced: 0 points)
        borda_average  [float|None]  borda_total[i] / total
        total          int           respondents who placed at least one item (= n)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from survey.definition.columns import part_column
from survey.definition.model import DONT_KNOW, Finding, SurveyDefinition

CONFIDENCE = 0.95
QUANTILE_METHOD = "linear"
METHOD_CODES = (
    "distribution/single",      # single_choice: one answer per respondent
    "distribution/likert",      # likert scale as a plain distribution
    "distribution/multi",       # multi_choice: shares per respondent
    "crosstab/single-single",   # question-by (question first): neither is multi_choice
    "crosstab/multi-single",    # the question is multi_choice
    "crosstab/single-multi",    # `by` is multi_choice
    "crosstab/multi-multi",     # both are
    "likert_summary/wilson",
    "numeric_summary/t",
    "ranking/borda",
)
RESULT_FIELDS = ("finding_id", "kind", "question_id", "by", "n", "method_code", "method",
                 "table")


class FindingError(ValueError):
    """A finding that cannot be computed from this frame and definition."""


@dataclass(frozen=True)
class FindingResult:
    """One computed finding; see the module docstring for the shape of `table`."""

    finding_id: str
    kind: str
    question_id: str
    by: str | None
    n: int
    method_code: str
    method: str
    table: dict[str, Any] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FindingResult:
        """The result stored by `to_dict` (e.g. read back from a release)."""
        missing = [key for key in RESULT_FIELDS if key not in data]
        if missing:
            raise ValueError(f"a finding result needs {', '.join(missing)}")
        return cls(**{key: data[key] for key in RESULT_FIELDS})


# ------------------------------------------------------------------ entry points

def compute_finding(frame: pd.DataFrame, definition: SurveyDefinition,
                    finding: Finding) -> FindingResult:
    """Compute one finding of `definition` over the responses in `frame`."""
    compute = _KINDS.get(finding.kind)
    if compute is None:
        raise FindingError(f"finding {finding.id!r}: unknown kind {finding.kind!r}")
    return compute(frame, definition, finding)


def compute_findings(frame: pd.DataFrame, definition: SurveyDefinition,
                     findings: Iterable[Finding] | None = None) -> list[FindingResult]:
    """Every finding of the definition (or the ones given), in order."""
    chosen = definition.findings if findings is None else findings
    return [compute_finding(frame, definition, finding) for finding in chosen]


# ------------------------------------------------------------------ kinds

def distribution(frame: pd.DataFrame, definition: SurveyDefinition,
                 finding: Finding) -> FindingResult:
    """Respondents per option and their shares (a cross-tab when the finding has `by`)."""
    if finding.by is not None:
        return crosstab(frame, definition, finding)
    question = _question(definition, finding.question, ("single_choice", "multi_choice",
                                                        "likert"))
    choices = _read_choices(frame, question)
    counts = choices.counts()
    total = choices.answered_count()
    if choices.multiple:
        code = "distribution/multi"
        method = ("Share of respondents who chose each option, among those who answered the "
                  "question; several options could be chosen, so shares may add up to more "
                  "than 100%.")
    else:
        code = "distribution/likert" if question.type == "likert" else "distribution/single"
        method = ("Share of respondents who chose each option, among those who answered the "
                  "question.")
    table = {
        "type": "distribution",
        "labels": list(choices.ids),
        "counts": _ints(counts),
        "total": total,
        "shares": _shares(counts, total),
        "cells_sum_to_total": not choices.multiple,
    }
    return _result(finding, total, code, method, table)


def crosstab(frame: pd.DataFrame, definition: SurveyDefinition,
             finding: Finding) -> FindingResult:
    """Respondents by their answer to `by` (rows) and to the question (columns)."""
    kinds = ("single_choice", "multi_choice", "likert")
    question = _question(definition, finding.question, kinds)
    if finding.by is None:
        raise FindingError(f"finding {finding.id!r}: a crosstab needs `by`")
    by_question = _question(definition, finding.by, kinds)
    columns = _read_choices(frame, question)
    rows = _read_choices(frame, by_question)

    counts = _cross_counts(rows, columns)
    row_totals = rows.counts(within=columns.answered)
    column_totals = columns.counts(within=rows.answered)
    total = int(np.count_nonzero(rows.answered & columns.answered))

    code = (f"crosstab/{'multi' if columns.multiple else 'single'}-"
            f"{'multi' if rows.multiple else 'single'}")
    method = ("Respondents who answered both questions, counted by their answer to the "
              "breakdown question (rows) and to the question (columns); shares are within "
              "each row.")
    if columns.multiple:
        method += (" Several answers to the question could be chosen, so a respondent counts "
                   "in each column chosen, row shares may add up to more than 100% and row "
                   "totals count respondents, not answers.")
    if rows.multiple:
        method += (" Several answers to the breakdown question could be chosen, so a "
                   "respondent counts in each row chosen and column totals count "
                   "respondents, not answers.")
    table = {
        "type": "crosstab",
        "row_labels": list(rows.ids),
        "column_labels": list(columns.ids),
        "counts": [_ints(row) for row in counts],
        "row_totals": _ints(row_totals),
        "column_totals": _ints(column_totals),
        "total": total,
        "row_shares": [_shares(row, row_total) for row, row_total in zip(counts, row_totals,
                                                                           strict=True)],
        "column_shares": _shares(column_totals, total),
        "rows_sum_to_totals": not columns.multiple,
        "columns_sum_to_totals": not rows.multiple,
    }
    return _result(finding, total, code, method, table)


def likert_summary(frame: pd.DataFrame, definition: SurveyDefinition,
                   finding: Finding) -> FindingResult:
    """Share agreeing among scale answers, with a Wilson score interval."""
    question = _question(definition, finding.question, ("likert",))
    choices = _read_choices(frame, question)
    counts = choices.counts()
    total = choices.answered_count()
    scale = [option.id for option in question.scale]
    agree = list(finding.agree) if finding.agree else scale[-2:]
    unknown = [option for option in agree if option not in scale]
    if unknown:
        raise FindingError(f"finding {finding.id!r}: {', '.join(unknown)} not on the scale")
    by_id = dict(zip(choices.ids, (int(c) for c in counts), strict=True))
    dont_know = by_id[DONT_KNOW] if question.dont_know else None
    base = total - (dont_know or 0)
    agree_count = sum(by_id[option] for option in agree)
    agreeing = "the top two points of the scale" if not finding.agree else "the agreeing answers"
    method = (f"Share of respondents who chose {agreeing}, among those who answered on the "
              "scale (\"don't know\" is left out of the base and counted separately), with a "
              "95% Wilson score interval.")
    table = {
        "type": "likert_summary",
        "labels": list(choices.ids),
        "counts": _ints(counts),
        "total": total,
        "shares": _shares(counts, total),
        "cells_sum_to_total": True,
        "dont_know": dont_know,
        "base": base,
        "agree": agree,
        "agree_count": agree_count,
        "agree_share": agree_count / base if base else None,
        "interval": list(wilson_interval(agree_count, base)) if base else None,
        "confidence": CONFIDENCE,
    }
    return _result(finding, base, "likert_summary/wilson", method, table)


def numeric_summary(frame: pd.DataFrame, definition: SurveyDefinition,
                    finding: Finding) -> FindingResult:
    """Median and quartiles, mean with a Student t interval; no minimum or maximum."""
    question = _question(definition, finding.question, ("number",))
    values = _numbers(_column(frame, question.id, question.id))
    values = values[~np.isnan(values)]
    n = int(values.size)
    median = q1 = q3 = mean = sd = None
    interval = None
    if n:
        q1, median, q3 = (float(v) for v in np.quantile(values, [0.25, 0.5, 0.75],
                                                        method=QUANTILE_METHOD))
        mean = float(values.mean())
    if n >= 2:
        sd = float(values.std(ddof=1))
        half = t_quantile(0.5 + CONFIDENCE / 2, n - 1) * sd / math.sqrt(n)
        interval = [mean - half, mean + half]
    method = ("Median and quartiles (linear interpolation between the sorted answers, the "
              "numpy and pandas default) and the mean with a 95% confidence interval from "
              "Student's t distribution (mean ± t(0.975, n−1)·sd/√n). The smallest and "
              "largest answers are not published: each is a single person's answer.")
    table = {
        "type": "numeric_summary",
        "total": n,
        "median": median,
        "q1": q1,
        "q3": q3,
        "mean": mean,
        "sd": sd,
        "interval": interval,
        "confidence": CONFIDENCE,
        "quantile_method": QUANTILE_METHOD,
    }
    return _result(finding, n, "numeric_summary/t", method, table)


def ranking(frame: pd.DataFrame, definition: SurveyDefinition,
            finding: Finding) -> FindingResult:
    """Mean place and Borda score per item, items by Borda score."""
    question = _question(definition, finding.question, ("ranking",))
    items = question.choice_ids()
    m = len(items)
    answered = np.zeros(len(frame), dtype=bool)
    counts = np.zeros((m, m), dtype=np.int64)  # counts[i, p]: item i at place p + 1
    for i, item in enumerate(items):  # one vectorized pass per item (m <= 10)
        places = _numbers(_column(frame, question.id, part_column(question.id, item)))
        placed = (places >= 1) & (places <= m) & (places == np.floor(places))
        answered |= placed
        counts[i] = np.bincount(np.where(placed, places, 0).astype(np.intp), minlength=m + 1)[1:]
    total = int(np.count_nonzero(answered))
    ranked_by = counts.sum(axis=1)
    place_sums = counts @ np.arange(1, m + 1)
    borda = ranked_by * m - place_sums
    order = sorted(range(m), key=lambda i: -int(borda[i]))  # stable: ties keep definition order
    method = ("Mean place (1 = first) among respondents who placed the item, and Borda "
              "score: an item placed r-th of m items scores m − r points, an unplaced item "
              "none; items are ordered by total score, and the average is per respondent who "
              "ranked.")
    table = {
        "type": "ranking",
        "labels": [items[i] for i in order],
        "places": m,
        "counts": [_ints(counts[i]) for i in order],
        "ranked_by": [int(ranked_by[i]) for i in order],
        "mean_rank": [float(place_sums[i] / ranked_by[i]) if ranked_by[i] else None
                      for i in order],
        "borda_total": [int(borda[i]) for i in order],
        "borda_average": [float(borda[i] / total) if total else None for i in order],
        "total": total,
    }
    return _result(finding, total, "ranking/borda", method, table)


_KINDS = {
    "distribution": distribution,
    "crosstab": crosstab,
    "likert_summary": likert_summary,
    "numeric_summary": numeric_summary,
    "ranking": ranking,
}


# ------------------------------------------------------------------ statistics

_Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def wilson_interval(successes: int, n: int, z: float = _Z) -> tuple[float, float]:
    """The Wilson score interval for a proportion (95% by default)."""
    if n <= 0:
        raise ValueError("a proportion needs n > 0")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t distribution with `df` (whole) degrees of freedom."""
    if df < 1 or int(df) != df:
        raise ValueError("df must be a whole number >= 1")
    if not 0 < p < 1:
        raise ValueError("p must be between 0 and 1")
    return float(student_t.ppf(p, df))


# ------------------------------------------------------------------ reading the frame

@dataclass(frozen=True)
class _Choices:
    """The answers to one choice question as arrays over the frame's rows."""

    ids: tuple[str, ...]
    multiple: bool
    answered: np.ndarray              # bool, per row
    codes: np.ndarray | None = None   # single: option index per row, -1 where none
    chosen: np.ndarray | None = None  # multi: bool, rows × options (column-major)

    def answered_count(self) -> int:
        return int(np.count_nonzero(self.answered))

    def counts(self, within: np.ndarray | None = None) -> np.ndarray:
        """Respondents per option, optionally only among the rows in `within`."""
        if self.multiple:
            chosen = self.chosen if within is None else self.chosen[within]
            return np.count_nonzero(chosen, axis=0)
        codes = self.codes if within is None else self.codes[within]
        return np.bincount(codes[codes >= 0], minlength=len(self.ids))


def _cross_counts(rows: _Choices, columns: _Choices) -> np.ndarray:
    """counts[i, j]: respondents who chose row option i and column option j."""
    r, c = len(rows.ids), len(columns.ids)
    if not rows.multiple and not columns.multiple:
        both = (rows.codes >= 0) & (columns.codes >= 0)
        cells = rows.codes[both] * c + columns.codes[both]
        return np.bincount(cells, minlength=r * c).reshape(r, c)
    if not rows.multiple:  # one pass per option of the multi_choice question
        return np.column_stack([rows.counts(within=columns.chosen[:, j]) for j in range(c)])
    if not columns.multiple:
        return np.vstack([columns.counts(within=rows.chosen[:, i]) for i in range(r)])
    both = rows.answered & columns.answered
    product = rows.chosen[both].T.astype(np.float64) @ columns.chosen[both].astype(np.float64)
    return np.rint(product).astype(np.int64)  # exact: integer sums far below 2**53


def _read_choices(frame: pd.DataFrame, question) -> _Choices:
    ids = tuple(question.choice_ids())
    if question.type == "multi_choice":
        given, chosen = zip(*(
            _booleans(_column(frame, question.id, part_column(question.id, option)))
            for option in ids
        ), strict=True)
        matrix = np.empty((len(frame), len(ids)), dtype=bool, order="F")  # fast columns
        for index, column in enumerate(chosen):
            matrix[:, index] = column
        return _Choices(ids, True, np.logical_or.reduce(given), chosen=matrix)
    codes = _codes(_column(frame, question.id, question.id), ids)
    return _Choices(ids, False, codes >= 0, codes=codes)


def _column(frame: pd.DataFrame, question_id: str, name: str) -> pd.Series:
    try:
        return frame[name]
    except KeyError:
        raise FindingError(f"the frame has no column {name!r} (question "
                           f"{question_id!r})") from None


def _codes(series: pd.Series, ids: tuple[str, ...]) -> np.ndarray:
    """The index of each row's value in `ids`, -1 where missing or not an option."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # the frame's own format: recode
        lookup = pd.Index(ids).get_indexer(pd.Index(series.cat.categories, dtype=object))
        return np.append(lookup, -1)[series.cat.codes.to_numpy()]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.append(pd.Index(ids).get_indexer(pd.Index(uniques, dtype=object)), -1)
    return lookup[codes]


def _booleans(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(given, true) per row of a nullable bool column."""
    given = series.notna().to_numpy()
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        chosen = series.to_numpy(dtype=bool, na_value=False)
    else:  # object or other: map the few distinct values instead of converting each row
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        lookup = np.array([value is True or value == 1 for value in uniques] + [False],
                          dtype=bool)
        chosen = lookup[codes]
    return given, chosen & given


def _numbers(series: pd.Series) -> np.ndarray:
    """The column as float64, NaN where missing."""
    if not pd.api.types.is_numeric_dtype(series.dtype):
        series = pd.to_numeric(series, errors="coerce")
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _question(definition: SurveyDefinition, question_id: str, types: tuple[str, ...] = ()):
    question = definition.question(question_id)
    if question is None:
        raise FindingError(f"unknown question {question_id!r}")
    if types and question.type not in types:
        raise FindingError(f"question {question_id!r} is {question.type}; this finding needs "
                           f"{' or '.join(types)}")
    return question


# ------------------------------------------------------------------ JSON helpers

def _ints(values) -> list[int]:
    return [int(v) for v in values]


def _shares(counts, total) -> list[float | None]:
    total = int(total)
    return [int(c) / total if total else None for c in counts]


def _result(finding: Finding, n: int, code: str, method: str,
            table: dict[str, Any]) -> FindingResult:
    return FindingResult(finding_id=finding.id, kind=finding.kind, question_id=finding.question,
                         by=finding.by, n=int(n), method_code=code, method=method, table=table)
