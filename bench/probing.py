"""What the probes (the processes whose time and memory a benchmark measures) share."""

import json
import resource
import time

import pandas as pd
from sqlalchemy import text

ALL_RESPONSES = text(
    "SELECT r.id, r.survey_version_id, r.submitted_on, r.is_demo, r.answers "
    "FROM response r JOIN survey_version v ON v.id = r.survey_version_id "
    "WHERE v.survey_id = :survey ORDER BY r.id")


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def read_naively(connection, survey, stages: dict) -> tuple[pd.DataFrame, list[dict]]:
    """The naive references' first steps: `pandas.read_sql` of every response of the survey,
    then `json.loads` of each answer document. Times go into `stages`."""
    mark = time.perf_counter()
    rows = pd.read_sql(ALL_RESPONSES, connection, params={"survey": survey.id})
    stages["read_sql"], mark = time.perf_counter() - mark, time.perf_counter()
    answers = [json.loads(document) for document in rows.pop("answers")]
    rows["version"] = rows["survey_version_id"].map({v.id: v.number for v in survey.versions})
    stages["json_loads"] = time.perf_counter() - mark
    return rows, answers
