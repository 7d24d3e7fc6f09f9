"""Interval audit of published findings: what linear programming can work out from them.

The attacker knows every published figure of every release of a survey, how it was
protected (`reports.rounding`: each rounded count lies in its rounding interval; older
releases published exact counts and "fewer than k" / "withheld" cells), which totals the
cells sum to, and, across releases, that responses are only ever added (no cell, margin or
total shrinks from one release to a later one, and a finding gains at most as many
respondents as the survey gained responses). Within a release, tables that count the same
question over the same respondents (a distribution and the columns of a cross-tab of it,
two cross-tabs by the same breakdown) have equal margins, or one's respondents include the
other's; the attacker is granted that whenever it is true of the release being published,
and in every earlier release too (where it may not have held, granting it only narrows
what seems possible, so the audit errs towards withholding; if it makes the releases
inconsistent it is dropped there).

All of this is one linear program (`reports.knowledge`): every table of every release at
once. A count is **disclosed** when it leaves certainly between 1 and k − 1: a cell,
margin or total of the release being published, the difference of one between that
release and any earlier one (how many of the new respondents gave that answer), and a
cell an older release withheld is disclosed when it is left a single value. `audit`
returns the disclosures by finding of the release being published (none: nothing is).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.knowledge import (
    UNBOUNDED,
    Expression,
    Knowledge,
    disclosed,
    minus,
    recovered,
    total,
)
from reports.rounding import interval

CELL, DIFFERENCE, RECOVERED = "cell", "difference", "recovered"


@dataclass(frozen=True)
class Published:
    """One release as an attacker reads it: its findings and its number of responses."""

    findings: list[dict[str, Any]]
    responses: int
    rounding_base: int | None  # None: an older release, its responses exact


@dataclass
class TableKnowledge:
    """One published table's unknowns: its cells (by label), totals and margins."""

    kind: str
    cells: dict[Hashable, Expression]
    total: Expression
    margins: dict[str, dict[str, Expression]] = field(default_factory=dict)
    withheld: dict[Hashable, Expression] = field(default_factory=dict)  # older releases

    def counts(self) -> dict[Hashable, Expression]:
        """Every count of the table an attacker can name: cells, a cross-tab's margins
        (its row and column totals), and the total."""
        counts = dict(self.cells)
        if self.kind == "crosstab":
            for question, margin in self.margins.items():
                counts.update({("margin", question, label): line
                               for label, line in margin.items()})
        counts[("total",)] = self.total
        return counts


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
            return total(cells)
        line = self.count(value)
        if sums:
            self.knowledge.equal(minus(total(cells), line))
        else:
            for cell in cells:
                self.knowledge.at_most(minus(cell, line))
        return line


def read_table(knowledge: Knowledge, finding: dict[str, Any], k: int) -> TableKnowledge:
    """Add a published finding's counts to `knowledge`."""
    table = finding["table"]
    kind = table["type"]
    reader = _Reader(knowledge, table, k)
    if kind in ("distribution", "likert_summary"):
        status = table.get("status") or [None] * len(table["labels"])
        cells = {label: reader.count(value, state, label) for label, value, state in zip(
            table["labels"], table["counts"], status, strict=True)}
        line = reader.total(list(cells.values()), table["total"], table["cells_sum_to_total"])
        return TableKnowledge(kind, cells, line, {finding["question_id"]: cells},
                              reader.withheld)
    if kind == "crosstab":
        return _read_crosstab(reader, finding)
    if kind == "ranking":
        line = reader.count(table["total"])
        cells = {}
        for label, ranked in zip(table["labels"], table["ranked_by"], strict=True):
            cells[("ranked_by", label)] = reader.count(ranked)
            knowledge.at_most(minus(cells[("ranked_by", label)], line))
        return TableKnowledge(kind, cells, line)
    return TableKnowledge(kind, {}, reader.count(table["total"]))  # numeric_summary: its n


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
        line = total(list(row_totals.values()))
    elif reader.base is not None and table["rows_sum_to_totals"]:
        line = total(list(column_totals.values()))
    else:
        line = reader.count(table["total"])
        if table["columns_sum_to_totals"]:
            knowledge.equal(minus(total(list(row_totals.values())), line))
        elif table["rows_sum_to_totals"]:
            knowledge.equal(minus(total(list(column_totals.values())), line))
        for margin in (*row_totals.values(), *column_totals.values()):
            knowledge.at_most(minus(margin, line))
    margins = {finding["question_id"]: column_totals, finding["by"]: row_totals}
    return TableKnowledge("crosstab", cells, line, margins, reader.withheld)


# -- how tables of one release relate ---------------------------------------------------------

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


@dataclass(frozen=True)
class Relation:
    """Finding `a`'s margin of `question` equals (0), is at least (1) or at most (−1)
    finding `b`'s, label by label."""

    a: str
    b: str
    question: str
    sign: int


def margin_relations(truths: Sequence[dict[str, Any]]) -> list[Relation]:
    """How the margins of the same question in two tables truly relate: equal, or the one
    at least the other in every label (one table's respondents include the other's)."""
    margins = {result["finding_id"]: true_margins(result) for result in truths
               if result.get("table") is not None}
    relations = []
    ids = list(margins)
    for index, a in enumerate(ids):
        for b in ids[index + 1:]:
            for question in sorted(set(margins[a]) & set(margins[b])):
                true_a, true_b = margins[a][question], margins[b][question]
                if set(true_a) != set(true_b):
                    continue
                gaps = [true_a[label] - true_b[label] for label in true_a]
                if all(g == 0 for g in gaps):
                    relations.append(Relation(a, b, question, 0))
                elif all(g >= 0 for g in gaps):
                    relations.append(Relation(a, b, question, 1))
                elif all(g <= 0 for g in gaps):
                    relations.append(Relation(a, b, question, -1))
    return relations


def _link(knowledge: Knowledge, tables: dict[str, TableKnowledge],
          relations: Sequence[Relation]) -> None:
    for relation in relations:
        if relation.a not in tables or relation.b not in tables:
            continue
        margin_a = tables[relation.a].margins.get(relation.question)
        margin_b = tables[relation.b].margins.get(relation.question)
        if margin_a is None or margin_b is None or set(margin_a) != set(margin_b):
            continue
        for label in margin_a:
            difference = minus(margin_a[label], margin_b[label])
            if relation.sign == 0:
                knowledge.equal(difference)
            elif relation.sign > 0:
                knowledge.at_least(difference)
            else:
                knowledge.at_most(difference)


# -- every release at once --------------------------------------------------------------------

def _published(release: Published) -> dict[str, dict[str, Any]]:
    return {finding["finding_id"]: finding for finding in release.findings
            if finding["published"] and finding.get("table") is not None}


def _responses(knowledge: Knowledge, release: Published) -> Expression:
    if release.rounding_base is None:
        return knowledge.variable(release.responses, release.responses)
    return knowledge.variable(*interval(release.responses, release.rounding_base))


def _model(releases: Sequence[Published], relations: Sequence[Relation], k: int, *,
           earlier_links: bool, monotone: bool):
    """Every release's tables in one Knowledge; returns it and the tables by release and
    finding."""
    knowledge = Knowledge()
    tables = [{finding_id: read_table(knowledge, finding, k)
               for finding_id, finding in _published(release).items()} for release in releases]
    responses = [_responses(knowledge, release) for release in releases]
    for index, read in enumerate(tables):
        if earlier_links or index == len(tables) - 1:
            _link(knowledge, read, relations)
    if monotone:
        _only_added(knowledge, tables, responses)
    return knowledge, tables


def _only_added(knowledge: Knowledge, tables: list[dict[str, TableKnowledge]],
                responses: list[Expression]) -> None:
    """Responses are only added: from each release to the next that publishes a finding,
    none of its counts shrinks, and its total grows at most as the responses do."""
    for before, after in zip(responses, responses[1:], strict=False):
        knowledge.at_least(minus(after, before))
    last: dict[str, int] = {}
    for index, read in enumerate(tables):
        for finding_id, table in read.items():
            previous = last.get(finding_id)
            last[finding_id] = index
            if previous is None or tables[previous][finding_id].kind != table.kind:
                continue
            old, new = tables[previous][finding_id].counts(), table.counts()
            for key in new.keys() & old.keys():
                knowledge.at_least(minus(new[key], old[key]))
            knowledge.at_most(minus(minus(new[("total",)], old[("total",)]),
                                    minus(responses[index], responses[previous])))


def audit(later: Published, truths: Sequence[dict[str, Any]] | None, k: int,
          earlier: Sequence[Published] = ()) -> dict[str, list[tuple]]:
    """What every release together discloses, by finding of `later` (the release being
    published; `truths`: its unprotected results, which tell how its tables relate; None:
    not related). Each disclosure is `("cell", key)`, `("difference", i, key)` with the
    earlier release `earlier[i]`, or `("recovered", i, key)`, a cell `earlier[i]` withheld."""
    releases = [*earlier, later]
    relations = margin_relations(truths) if truths is not None else []
    for earlier_links, monotone in ((True, True), (False, True), (False, False)):
        if not earlier and (earlier_links, monotone) != (True, True):
            break
        knowledge, tables = _model(releases, relations, k, earlier_links=earlier_links,
                                   monotone=monotone)
        candidates = _candidates(tables)
        found = disclosed(knowledge, candidates, k)
        if found is None:
            continue  # a relation granted in an earlier release did not hold, or responses
            # were deleted in between: read without that
        withheld = {(finding_id, RECOVERED, index, key): expression
                    for index, read in enumerate(tables[:-1])
                    for finding_id, table in read.items() if finding_id in tables[-1]
                    for key, expression in table.withheld.items()}
        by_finding: dict[str, list[tuple]] = {}
        for finding_id, *disclosure in [*found, *recovered(knowledge, withheld)]:
            by_finding.setdefault(finding_id, []).append(tuple(disclosure))
        return by_finding
    raise ValueError("the published tables are inconsistent")


def _candidates(tables: list[dict[str, TableKnowledge]]) -> dict[tuple, Expression]:
    """The counts of the last release, and their differences from every earlier one."""
    latest = tables[-1]
    candidates = {}
    for finding_id, table in latest.items():
        counts = table.counts()
        candidates.update({(finding_id, CELL, key): line for key, line in counts.items()})
        for index, read in enumerate(tables[:-1]):
            old = read.get(finding_id)
            if old is None or old.kind != table.kind:
                continue
            before = old.counts()
            candidates.update({(finding_id, DIFFERENCE, index, key): minus(counts[key],
                                                                          before[key])
                               for key in counts.keys() & before.keys()})
    return candidates


# -- the audits as questions ------------------------------------------------------------------

def audit_release(published: list[dict[str, Any]], truths: list[dict[str, Any]], k: int,
                  ) -> dict[str, list]:
    """The disclosed counts of each published finding when all tables of one release are
    read together (`truths`: the unprotected results, for which margins are equal)."""
    found = audit(Published(published, 0, None), truths, k)
    return {finding_id: [key for kind, key in disclosures]
            for finding_id, disclosures in found.items()}


def audit_difference(earlier: Published, later: Published, finding_id: str, k: int,
                     ) -> list:
    """The disclosed counts of one finding published in two releases: differences certainly
    in 1..k−1, and cells withheld by the earlier release that are left one value (the
    finding's tables read on their own)."""
    only = [finding for finding in later.findings if finding["finding_id"] == finding_id]
    before = [finding for finding in earlier.findings if finding["finding_id"] == finding_id]
    found = audit(Published(only, later.responses, later.rounding_base), None, k,
                  [Published(before, earlier.responses, earlier.rounding_base)])
    return [disclosure[-1] for disclosure in found.get(finding_id, [])
            if disclosure[0] != CELL]
