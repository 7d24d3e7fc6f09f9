"""From computed findings to what may be published: rounding, minimum n, then the audit.

`publish_findings` is what a release stores and what the pages, the API and the CSV
downloads show; nothing downstream sees unprotected counts. Every count is rounded
(`reports.rounding`); a finding is then published only if its rounded n reaches the
minimum, and only if the interval audit (`reports.audit`) finds nothing disclosed when
all tables of this release and of every earlier release are read together: no count of
this release, and no difference from any earlier one. A finding the audit objects to is
withheld from this release (`withheld_reason` "unprotectable", or "differencing" when an
earlier release takes part); withholding a table only takes figures away, so the audit is
repeated until it passes.
"""

from collections.abc import Sequence
from typing import Any

import pandas as pd

from reports.audit import CELL, Published, audit
from reports.disclosure import is_publishable
from reports.findings import compute_finding
from reports.rounding import protect_table, round_count, rounding_base
from survey.definition import SurveyDefinition
from survey.definition.model import Finding

TOO_FEW = "too_few"
UNPROTECTABLE = "unprotectable"  # the tables of this release together would disclose it
DIFFERENCING = "differencing"  # with an earlier release it would disclose new answers


def publish_finding(frame: pd.DataFrame, definition: SurveyDefinition, finding: Finding, *,
                    k: int, min_publish_n: int) -> dict[str, Any]:
    """The finding rounded as it may be published, or withheld because of its n (the
    release-wide audit is `publish_findings`'s)."""
    return protect_result(compute_finding(frame, definition, finding).to_dict(), k=k,
                          min_publish_n=min_publish_n)


def protect_result(result: dict[str, Any], *, k: int, min_publish_n: int) -> dict[str, Any]:
    """A computed finding (`FindingResult.to_dict()`) rounded, or withheld for its n."""
    # "Fewer than MIN_PUBLISH_N people answered" stays a true statement: the exact n
    # decides (that a finding is published tells only that its n reached the minimum).
    if not is_publishable(result["n"], min_publish_n):
        return withheld(result, TOO_FEW)
    table = protect_table(result["table"], rounding_base(k))
    # A likert summary's n is its base (scale answers); the rounded one, like every count.
    n = table["base"] if table["type"] == "likert_summary" else table["total"]
    return {**result, "n": n, "table": table, "published": True, "withheld_reason": None}


def withheld(result: dict[str, Any], reason: str) -> dict[str, Any]:
    """A finding as published when it is withheld, with the reason."""
    kept = {key: result[key] for key in ("finding_id", "kind", "question_id", "by",
                                         "method_code", "method")}
    return {**kept, "n": None, "table": None, "published": False, "withheld_reason": reason}


def publish_findings(frame: pd.DataFrame, definition: SurveyDefinition, *, k: int,
                     min_publish_n: int, responses: int,
                     earlier: Sequence[Published] = ()) -> list[dict[str, Any]]:
    """Every finding of the definition as a release publishes it (see the module)."""
    results = [compute_finding(frame, definition, finding).to_dict()
               for finding in definition.findings]
    published = [protect_result(result, k=k, min_publish_n=min_publish_n)
                 for result in results]
    return audited(published, results, k=k, responses=responses, earlier=earlier)


def audited(published: list[dict[str, Any]], results: list[dict[str, Any]], *, k: int,
            responses: int, earlier: Sequence[Published] = ()) -> list[dict[str, Any]]:
    """`published` with every finding the audit objects to withheld."""
    published = list(published)
    by_id = {result["finding_id"]: index for index, result in enumerate(results)}
    base = rounding_base(k)
    while True:
        objections = audit(Published(published, round_count(responses, base), base), results,
                           k, earlier)
        if not objections:
            return published
        # One finding at a time, the one with most disclosed counts: withholding it may
        # settle the others.
        worst = max(sorted(objections), key=lambda finding_id: len(objections[finding_id]))
        reason = (UNPROTECTABLE if all(kind == CELL for kind, *_rest in objections[worst])
                  else DIFFERENCING)
        published[by_id[worst]] = withheld(results[by_id[worst]], reason)


def release_view(findings: list[dict[str, Any]], responses: int, settings: dict[str, Any],
                 ) -> Published:
    """A stored release as the audit reads it (older releases published exact counts)."""
    base = settings.get("rounding_base")
    return Published(findings, round_count(responses, base) if base else responses, base)
