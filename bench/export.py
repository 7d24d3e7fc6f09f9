"""Export benchmark: an anonymized export of a million responses as CSV and as Parquet.

On the findings benchmark's cached SQLite database of `--responses` demo responses
(default 1,000,000; `bench.findings.prepare_database`, so it is built once and shared),
measured in one run, each in a subprocess of its own (`bench.export_probe`):

* `run_export` to CSV and to Parquet (demo responses included, free text dropped, k = 5),
  `--export-runs` times each (default 3; the fastest counts, as the machine may be shared):
  wall time, CPU time and peak memory (`ru_maxrss`, the app's imports included);
  targets: CSV at most 15 s, Parquet at most 10 s, peak memory at most 1 GiB, and faster
  than the reference;
* a naive reference in the same run: `pandas.read_sql` of every response, `json.loads` per
  row, the same columns and the same k-anonymity decision with pandas, then `to_csv` and
  `to_parquet` (its time for a format = building the frame + writing that format).

Both outputs are checked against each other: the same columns, rows and generalization.
When the million-response database is not cached yet (and `--responses` was not given),
it runs at 200,000 responses instead and says so. Printed and written to
bench/results/export.json.
"""

import json
import os
import platform
import subprocess
import sys
import tempfile
from argparse import Namespace
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from bench import ROOT
from bench.findings import SLUG, _cache_file, _environment, prepare_database
from bench.submit import cpu_count, write_results

NAME = "export"
FORMATS = ("csv", "parquet")
TARGETS = {"csv_seconds": 15.0, "parquet_seconds": 10.0, "peak_rss_mb": 1024.0}
FALLBACK_RESPONSES = 200_000


def add_arguments(parser) -> None:
    """This benchmark's options; --responses, --demo-seed, --rebuild-cache and
    --skip-reference are the findings benchmark's, and mean the same here."""
    group = parser.add_argument_group("export")
    group.add_argument("--export-runs", type=int, default=3,
                       help="runs of each export; the fastest counts (default 3: the machine "
                            "is shared, and one run can be slowed by other work)")


def probe(env: dict, *args: str, timeout: float = 3600) -> dict:
    """Run `bench.export_probe` in a subprocess; its JSON document."""
    done = subprocess.run([sys.executable, "-m", "bench.export_probe", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"export_probe {args[0]} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _responses(options) -> tuple[int, str | None]:
    """How many responses to run at, and why if not the asked number."""
    if _cache_file(options).exists() or os.environ.get("BENCH_RESPONSES") \
            or options.responses != 1_000_000:
        return options.responses, None
    return FALLBACK_RESPONSES, (f"the {options.responses:,}-response database is not cached "
                                f"yet (bench/.cache); ran at {FALLBACK_RESPONSES:,}")


def same_output(ours: Path, reference: Path) -> dict:
    """Whether two Parquet exports hold the same columns and the same rows (ids aside)."""
    mine, theirs = pq.read_table(ours), pq.read_table(reference)
    columns = mine.schema.names == theirs.schema.names
    rows = mine.num_rows == theirs.num_rows
    differing = []
    if columns and rows:
        for name in mine.schema.names:  # the values of each column, counted
            if name != "respondent_id" and Counter(mine[name].to_pylist()) \
                    != Counter(theirs[name].to_pylist()):
                differing.append(name)
    return {"same_columns": columns, "same_rows": rows, "columns_differing": differing,
            "same": columns and rows and not differing}


def print_table(document: dict) -> None:
    met = document["meets_targets"]
    if document["note"]:
        print(f"NOTE: {document['note']}")
    for fmt in FORMATS:
        ours = document["exports"][fmt]
        line = (f"{fmt:<8} {ours['seconds']:7.2f} s  CPU {ours['cpu_seconds']:6.2f} s  peak RSS "
                f"{ours['peak_rss_mb']:6,.0f} MB  ({ours['rows']:,} rows, {ours['file_mb']} MB)"
                f"  target <= {TARGETS[f'{fmt}_seconds']:g} s: "
                f"{'meets' if met[f'{fmt}_seconds'] else 'MISSES'}")
        reference = document["reference"]
        if reference:
            line += (f"; reference {reference['seconds'][fmt]:.2f} s "
                     f"({document['speedup'][fmt]:.1f}x)")
        print(line)
    if document["reference"]:
        reference = document["reference"]
        print(f"reference peak RSS {reference['peak_rss_mb']:,.0f} MB, stages "
              + ", ".join(f"{k} {v:.2f}" for k, v in reference["stages"].items())
              + f"; same output as the export: "
                f"{'yes' if document['same_as_reference']['same'] else 'NO'}")


def run(options) -> int:
    """Run, print the table, write the results; 1 if a target is missed or the outputs
    differ from the reference."""
    responses, note = _responses(options)
    cores = cpu_count()
    print(f"export: {responses:,} demo responses; {cores} cores, load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)
    settings = Namespace(**{**vars(options), "responses": responses})
    with tempfile.TemporaryDirectory(prefix="resonanz-export-") as tmp_name:
        tmp = Path(tmp_name)
        database, loading = prepare_database(tmp, settings)
        env = _environment(database)
        exports = {}
        for fmt in FORMATS:
            runs = [probe(env, "export", SLUG, fmt, str(tmp / f"export.{fmt}"))
                    for _run in range(max(1, options.export_runs))]
            exports[fmt] = {**min(runs, key=lambda r: r["seconds"]),
                            "runs_seconds": [r["seconds"] for r in runs],
                            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
            print(f"{fmt}: {', '.join(f'{r:.2f}' for r in exports[fmt]['runs_seconds'])} s",
                  flush=True)
        reference = same = None
        if not options.skip_reference:
            reference = probe(env, "reference", SLUG, str(tmp))
            print(f"reference: build {reference['build_seconds']:.2f} s", flush=True)
            same = same_output(tmp / "export.parquet", tmp / "reference.parquet")
    met = {f"{fmt}_seconds": exports[fmt]["seconds"] <= TARGETS[f"{fmt}_seconds"]
           for fmt in FORMATS}
    met["peak_rss_mb"] = max(e["peak_rss_mb"] for e in exports.values()) \
        <= TARGETS["peak_rss_mb"]
    speedup = None
    if reference:
        speedup = {fmt: round(reference["seconds"][fmt] / exports[fmt]["seconds"], 2)
                   for fmt in FORMATS}
        for fmt in FORMATS:
            met[f"{fmt}_faster_than_reference"] = speedup[fmt] > 1
    document = {
        "benchmark": NAME,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": note,
        "machine": {"cpu_cores": cores, "os_cpu_count": os.cpu_count(),
                    "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_start": [round(v, 2) for v in os.getloadavg()]},
        "settings": {"survey": SLUG, "responses": responses, "demo_seed": options.demo_seed,
                     "k": 5, "text": "drop", "include_demo": True,
                     "database": "SQLite (WAL), temporary copy of the cached database",
                     "measured": "run_export in a subprocess (`bench.export_probe`), the "
                                 "fastest of export_runs runs (all in runs_seconds; peak "
                                 "memory the largest of them); times exclude interpreter "
                                 "start-up and imports",
                     "export_runs": max(1, options.export_runs)},
        "demo_loading": loading,
        "exports": exports,
        "reference": reference,
        "same_as_reference": same,
        "speedup": speedup,
        "targets": TARGETS,
        "meets_targets": met,
        "meets_all_targets": all(met.values()),
    }
    print_table(document)
    print(f"wrote {write_results(document, NAME).relative_to(ROOT)}")
    return 0 if all(met.values()) and (same is None or same["same"]) else 1
