"""The measured processes of the findings benchmark (`bench.findings` starts each one).

``python -m bench.findings_probe publish SLUG INSTANCE`` publishes one release with
`reports.releases.publish_release`, the frame kept under INSTANCE (not the checkout's
instance folder), and times its stages. ``python -m bench.findings_probe reference SLUG``
computes the same findings the naive way: `pandas.read_sql` of every response,
`json.loads` per row, a DataFrame from the list of dicts, the per-option columns derived
row by row, then the same `compute_finding` + `publish_finding` for every finding.

Both take the database from RESONANZ_SQLALCHEMY_DATABASE_URI, print one JSON document
on stdout and report their own peak memory (`ru_maxrss`), so that the parent's other
children (servers, the demo-data loader) do not blur it.
"""

import argparse
import json
import sys
import time
from collections import Counter
from functools import wraps

from bench.probing import peak_rss_mb, read_naively

STAGES = (
    ("frame_update", "read new responses, parse, write Arrow parts"),
    ("frame_load", "read the frame back"),
    ("findings", "publish_findings: compute, round, audit"),
    ("protection", "of which rounding and the interval audit (reports.publication)"),
    ("charts", "render_chart (Vega-Lite through vl-convert)"),
)


def _timed(owner, name: str, stage: str, seconds: Counter, results: dict) -> None:
    """Replace owner.name by a wrapper adding its wall time to seconds[stage]."""
    original = getattr(owner, name)

    @wraps(original)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            result = original(*args, **kwargs)
        finally:
            seconds[stage] += time.perf_counter() - began
        results.setdefault(stage, result)
        return result

    setattr(owner, name, wrapper)


def publish(slug: str, instance: str) -> dict:
    began = time.perf_counter()
    from app import create_app
    from reports import releases
    from reports.frame import FrameStore
    from survey.surveys import find_survey

    app = create_app()
    app.instance_path = instance  # frames under the benchmark's own folder
    seconds: Counter = Counter()
    results: dict = {}
    _timed(FrameStore, "update", "frame_update", seconds, results)
    _timed(FrameStore, "load", "frame_load", seconds, results)
    _timed(releases, "publish_findings", "findings", seconds, results)
    from reports import publication
    _timed(publication, "protect_result", "protection", seconds, results)
    _timed(publication, "audited", "protection", seconds, results)
    _timed(releases, "render_chart", "charts", seconds, results)
    with app.app_context():
        survey = find_survey(slug)
        startup = time.perf_counter() - began
        rss_before = peak_rss_mb()
        cpu, wall = time.process_time(), time.perf_counter()
        release = releases.publish_release(survey)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        document = {
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "stages": {stage: round(seconds[stage], 3) for stage, _what in STAGES},
            "other_seconds": round(wall - sum(v for stage, v in seconds.items()
                                               if stage != "protection"), 3),
            "startup_seconds": round(startup, 3),
            "responses_read": results.get("frame_update"),
            "release": release.number,
            "responses": release.responses,
            "findings_published": sum(1 for f in release.findings if f["published"]),
            "findings": len(release.findings),
            "charts": sum(len(by_language) for by_language in release.charts.values()),
            "peak_rss_mb_before": rss_before,
        }
        document["peak_rss_mb"] = peak_rss_mb()
        document["share_difference_pp"] = share_difference(survey, release)
    return document


def share_difference(survey, release) -> dict:
    """The largest difference, in percentage points, between a published share (of every
    distribution, cross-tab row and likert summary) and the unprotected one."""
    from reports import releases
    from reports.findings import compute_findings

    source, frame = releases.current_frame(survey, findings_only=True)
    exact = {r.finding_id: r.table for r in compute_findings(frame, source.definition)}
    largest: dict = {}
    for finding in release.findings:
        if not finding["published"]:
            continue
        table, truth = finding["table"], exact[finding["finding_id"]]
        pairs = []
        if table["type"] in ("distribution", "likert_summary"):
            pairs = list(zip(table["shares"], truth["shares"], strict=True))
            if table["type"] == "likert_summary":
                pairs.append((table["agree_share"], truth["agree_share"]))
        elif table["type"] == "crosstab":
            pairs = [pair for row, exact_row in zip(table["row_shares"], truth["row_shares"],
                                                    strict=True)
                     for pair in zip(row, exact_row, strict=True)]
        gaps = [abs(a - b) * 100 for a, b in pairs if a is not None and b is not None]
        if gaps:
            largest[finding["finding_id"]] = round(max(gaps), 4)
    return {"largest": max(largest.values(), default=None), "by_finding": largest}


def _naive_frame(rows, answers: list[dict], definition):
    """The frame of `survey.definition.columns`, built the obvious way from parsed answers."""
    import numpy as np
    import pandas as pd

    from survey.definition.columns import frame_columns

    raw = pd.DataFrame(answers)
    columns = {}
    frame = pd.DataFrame({
        "response_id": rows["id"].to_numpy(),
        "version": rows["version"].to_numpy(dtype=np.int32),
        "submitted_on": pd.to_datetime(rows["submitted_on"]),
        "is_demo": rows["is_demo"].astype(bool).to_numpy(),
    })
    for spec in frame_columns(definition):
        question = definition.question(spec.question_id)
        values = raw[spec.question_id] if spec.question_id in raw else pd.Series(
            [None] * len(raw), dtype=object)
        if spec.kind == "number":
            columns[spec.question_id] = pd.to_numeric(values).astype(float).to_numpy()
        elif spec.kind == "choice":
            columns[spec.question_id] = pd.Categorical(values, categories=question.choice_ids())
        elif spec.kind == "matrix":
            for name, row in zip(spec.columns, spec.parts, strict=True):
                cells = [answer.get(row) if isinstance(answer, dict) else None
                         for answer in values]
                columns[name] = pd.Categorical(cells, categories=question.choice_ids())
        elif spec.kind == "multi":
            for name, part in zip(spec.columns, spec.parts, strict=True):
                columns[name] = pd.array([part in answer if isinstance(answer, list) else None
                                           for answer in values], dtype="boolean")
        else:  # ranking: the place, 1 = best
            for name, part in zip(spec.columns, spec.parts, strict=True):
                places = [(answer.index(part) + 1 if part in answer else None)
                          if isinstance(answer, list) else None for answer in values]
                columns[name] = pd.array(places, dtype="Int8")
    return pd.concat([frame, pd.DataFrame(columns)], axis=1)


def reference(slug: str) -> dict:
    began = time.perf_counter()

    from app import create_app
    from reports.publication import publish_findings
    from survey.extensions import db
    from survey.surveys import find_survey, newest_definition

    app = create_app()
    with app.app_context():
        survey = find_survey(slug)
        definition = newest_definition(survey)
        settings = {"k": app.config["DISCLOSURE_K"], "min_publish_n": app.config["MIN_PUBLISH_N"]}
        startup = time.perf_counter() - began
        rss_before = peak_rss_mb()
        stages = {}
        cpu, wall = time.process_time(), time.perf_counter()
        with db.engine.connect() as connection:
            rows, answers = read_naively(connection, survey, stages)
        mark = time.perf_counter()
        frame = _naive_frame(rows, answers, definition)
        stages["frame"], mark = time.perf_counter() - mark, time.perf_counter()
        findings = publish_findings(frame, definition, responses=len(frame), **settings)
        stages["findings"] = time.perf_counter() - mark
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "stages": {stage: round(value, 3) for stage, value in stages.items()},
        "startup_seconds": round(startup, 3),
        "responses": len(frame),
        "findings": json.loads(json.dumps(findings)),  # as a release stores them
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.findings_probe")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("publish")
    command.add_argument("slug")
    command.add_argument("instance")
    command = commands.add_parser("reference")
    command.add_argument("slug")
    options = parser.parse_args(argv)
    if options.command == "publish":
        document = publish(options.slug, options.instance)
    else:
        document = reference(options.slug)
    json.dump(document, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
