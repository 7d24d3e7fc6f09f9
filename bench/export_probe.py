"""The measured processes of the export benchmark (`bench.export` starts each one).

``python -m bench.export_probe export SLUG FORMAT OUT`` runs `reports.export.run_export`
(demo responses included, free text dropped, k = 5) and times its two passes.
``python -m bench.export_probe reference SLUG FOLDER`` makes the same export the naive way:
`pandas.read_sql` of every response, `json.loads` per row, a DataFrame from the dicts, the
export's columns derived from it with pandas, the same k-anonymity decision
(`reports.export.anonymity` on the in-memory DataFrame) applied with pandas, random ids and
months, then `to_csv` and `to_parquet` of that one frame (each write timed on its own).

Both take the database from RESONANZ_SQLALCHEMY_DATABASE_URI, print one JSON document on
stdout and report their own peak memory (`ru_maxrss`).
"""

import argparse
import json
import sys
import time
import uuid
from functools import wraps
from pathlib import Path

from bench.probing import peak_rss_mb, read_naively


def _timed(owner, name: str, seconds: dict) -> None:
    original = getattr(owner, name)

    @wraps(original)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - began

    setattr(owner, name, wrapper)


def export(slug: str, fmt: str, out: str) -> dict:
    began = time.perf_counter()
    from app import create_app
    from reports.export import run_export, service
    from survey.surveys import find_survey

    app = create_app()
    seconds: dict = {}
    _timed(service, "_read_and_spill", seconds)
    _timed(service, "_write_released", seconds)
    with app.app_context():
        survey = find_survey(slug)
        startup = time.perf_counter() - began
        rss_before = peak_rss_mb()
        cpu, wall = time.process_time(), time.perf_counter()
        result = run_export(survey, fmt, out, k=5, text="drop", include_demo=True)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "stages": {"read_parse_convert_spill": round(seconds["_read_and_spill"], 3),
                   "finish_and_write": round(seconds["_write_released"], 3)},
        "startup_seconds": round(startup, 3),
        "rows": result.rows,
        "records": result.disclosure["records"],
        "levels": {q["question_id"]: q["level"]
                   for q in result.disclosure["quasi_identifiers"]},
        "file_mb": round(Path(out).stat().st_size / 2**20, 1),
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def _naive_columns(rows, answers: list[dict], layout):
    """The export's columns, built the obvious way from parsed answers."""
    import pandas as pd

    raw = pd.DataFrame(answers)
    data = {"respondent_id": [str(uuid.uuid4()) for _ in range(len(raw))],
            "version": rows["version"].to_numpy(),
            "submitted_month": rows["submitted_on"].astype(str).str[:7].to_numpy(),
            "is_demo": rows["is_demo"].astype("int8").to_numpy()}
    for column in layout.columns:
        if column.kind == "meta":
            continue
        values = raw[column.question_id] if column.question_id in raw else pd.Series(
            [None] * len(raw), dtype=object)
        if column.kind == "choice":
            data[column.name] = values.where(values.notna(), None)
        elif column.kind == "matrix":
            data[column.name] = [a.get(column.part) if isinstance(a, dict) else None
                                 for a in values]
        elif column.kind == "multi":
            data[column.name] = pd.array([int(column.part in a) if isinstance(a, list)
                                          else None for a in values], dtype="Int8")
        elif column.kind == "ranking":
            data[column.name] = pd.array([(a.index(column.part) + 1 if column.part in a
                                           else None) if isinstance(a, list) else None
                                          for a in values], dtype="Int64")
        elif column.kind == "number":
            numbers = pd.to_numeric(values).astype(float)
            data[column.name] = numbers.round().astype("Int64") \
                if column.data_type == "integer" else numbers
        elif column.kind == "consent":
            data[column.name] = pd.array([1 if a is True else None for a in values],
                                         dtype="Int8")
    return pd.DataFrame(data)


def reference(slug: str, folder: str) -> dict:
    began = time.perf_counter()
    import numpy as np

    from app import create_app
    from reports.export.anonymity import build_hierarchies, cell_counts, plan_generalization
    from reports.export.codebook import apply_plan
    from reports.export.layout import export_layout
    from reports.export.service import quasi_identifiers
    from survey.extensions import db
    from survey.surveys import definition_of, find_survey

    app = create_app()
    with app.app_context():
        survey = find_survey(slug)
        definitions = {v.number: definition_of(v) for v in survey.versions}
        layout = export_layout(definitions, text="drop", include_demo=True)
        quasi = quasi_identifiers(layout)
        startup = time.perf_counter() - began
        rss_before = peak_rss_mb()
        stages = {}
        cpu, wall = time.process_time(), time.perf_counter()
        with db.engine.connect() as connection:
            rows, answers = read_naively(connection, survey, stages)
        mark = time.perf_counter()
        frame = _naive_columns(rows, answers, layout)
        del answers
        stages["columns"], mark = time.perf_counter() - mark, time.perf_counter()
        names = [qi.question_id for qi in quasi]
        cells = cell_counts(frame[names], quasi)
        plan = plan_generalization(cells, build_hierarchies(quasi, cells), 5)
        released = apply_plan(layout, plan)
        keep = np.ones(len(frame), dtype=bool)
        if names:
            codes = [frame[qi.question_id].map({o: i for i, o in enumerate(qi.options)})
                     .fillna(len(qi.options)).astype(np.int64).to_numpy() for qi in quasi]
            keep = plan.keep(codes)
            for index, qi in enumerate(quasi):
                groups = plan.generalize(index, codes[index])
                values = plan.hierarchies[index].group_codes(plan.levels[index])
                frame[qi.question_id] = [values[g] for g in groups]
        frame = frame[keep].sample(frac=1).reset_index(drop=True)
        frame = frame[[c.name for c in released.columns]]
        stages["anonymize"], mark = time.perf_counter() - mark, time.perf_counter()
        build_cpu = time.process_time() - cpu
        build_seconds = mark - wall
        writes = {}
        for fmt in ("csv", "parquet"):
            write_cpu, write_wall = time.process_time(), time.perf_counter()
            path = Path(folder) / f"reference.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False)
            else:
                frame.to_parquet(path, index=False)
            writes[fmt] = {"write_seconds": round(time.perf_counter() - write_wall, 3),
                           "write_cpu_seconds": round(time.process_time() - write_cpu, 3),
                           "file_mb": round(path.stat().st_size / 2**20, 1)}
    return {
        "build_seconds": round(build_seconds, 3),
        "build_cpu_seconds": round(build_cpu, 3),
        "stages": {stage: round(value, 3) for stage, value in stages.items()},
        "writes": writes,
        "seconds": {fmt: round(build_seconds + w["write_seconds"], 3)
                    for fmt, w in writes.items()},
        "startup_seconds": round(startup, 3),
        "rows": len(frame),
        "levels": dict(zip(names, plan.levels, strict=True)),
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export_probe")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("export")
    command.add_argument("slug")
    command.add_argument("format")
    command.add_argument("out")
    command = commands.add_parser("reference")
    command.add_argument("slug")
    command.add_argument("folder")
    options = parser.parse_args(argv)
    if options.command == "export":
        document = export(options.slug, options.format, options.out)
    else:
        document = reference(options.slug, options.folder)
    json.dump(document, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
