"""Findings benchmark: publishing a release at a million responses, then reading it.

On a SQLite database of `--responses` demo responses (default 1,000,000) to the
xing-linkedin survey, measured in one run:

* publishing a release from scratch (no frame on disk), in a subprocess, against a
  naive reference in the same run (`bench.findings_probe reference`: `pandas.read_sql`,
  `json.loads` per row, a DataFrame from the dicts, then the same `compute_finding` +
  `publish_findings`); targets: at most 5 s and at least 3x faster than the reference.
  The reference's findings must equal the release's;
* publishing again after 1,000 more responses (the frame on disk is brought up to date
  incrementally); target: at most 1 s;
* a finding page and the findings API, each under `--page-clients` (20) closed-loop
  clients for `--seconds` (20) against gunicorn on the same database, rate limits off;
  target: p95 at most 50 ms;
* the peak memory (`ru_maxrss`) of each publishing process and of the reference.

The populated database is built once through `flask demo-data` (timed: responses per
second) and cached in bench/.cache/, keyed by the definition, bench settings and demo
generator; later runs copy it. Printed and written to bench/results/findings.json.
"""

import hashlib
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import BIN, ROOT
from bench.load import LoadResult, run_load
from bench.servers import HOST, Server, free_port, gunicorn_command, run_checked
from bench.submit import cpu_count, write_results

NAME = "findings"
SLUG = "xing-linkedin"
DEFINITION = ROOT / "survey" / "definitions" / f"{SLUG}.yaml"
CACHE = Path(__file__).resolve().parent / ".cache"
API_PATH = f"/api/v1/surveys/{SLUG}/findings"
TARGETS = {"scratch_seconds": 5.0, "speedup": 3.0, "incremental_seconds": 1.0, "p95_ms": 50.0}
# What the cached database depends on besides the count and seed.
CACHE_INPUTS = (DEFINITION, ROOT / "reports" / "demo.py", ROOT / "reports" / "coding.py")


def add_arguments(parser) -> None:
    """This benchmark's options (`python -m bench --help`); --seconds, --warmup, --workers
    and --threads are shared with the submit benchmark."""
    group = parser.add_argument_group("findings")
    group.add_argument("--responses", type=int,
                       default=int(os.environ.get("BENCH_RESPONSES", 1_000_000)),
                       help="demo responses in the database (default 1,000,000, "
                            "env BENCH_RESPONSES)")
    group.add_argument("--added", type=int, default=1000,
                       help="responses added before the incremental publish (default 1000)")
    group.add_argument("--demo-seed", type=int, default=2012,
                       help="seed of the demo responses (default 2012)")
    group.add_argument("--page-clients", type=int, default=20,
                       help="concurrent clients on the finding page and the API (default 20)")
    group.add_argument("--page-finding", default="own-migration-by-country",
                       help="the finding whose page is loaded (default own-migration-by-country)")
    group.add_argument("--rebuild-cache", action="store_true",
                       help="rebuild the cached demo database even if it exists")
    group.add_argument("--skip-reference", action="store_true",
                       help="skip the naive reference (no speed-up figure)")


# ------------------------------------------------------------------ the database

def _environment(database: Path) -> dict[str, str]:
    return {**os.environ,
            "RESONANZ_SECRET_KEY": secrets.token_hex(32),
            "RESONANZ_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "RESONANZ_RATELIMIT_ENABLED": "false"}


FLASK = [str(BIN / "flask"), "--app", "app"]


def _cache_file(options) -> Path:
    digest = hashlib.sha256()
    for path in CACHE_INPUTS:
        digest.update(path.read_bytes())
    return CACHE / (f"{SLUG}-{options.responses}-seed{options.demo_seed}-"
                    f"{digest.hexdigest()[:12]}.sqlite3")


def add_demo_responses(env: dict, count: int, seed: int) -> dict:
    """`flask demo-data` in a subprocess; its wall time and rate."""
    began = time.perf_counter()
    run_checked([*FLASK, "demo-data", SLUG, "--responses", str(count), "--seed", str(seed)],
                env, "flask demo-data", timeout=6 * 3600)
    seconds = time.perf_counter() - began
    return {"responses": count, "seconds": round(seconds, 2),
            "responses_per_second": round(count / seconds, 1)}


def _checkpoint(database: Path) -> None:
    """Fold the WAL into the database file, so that one file is the whole database."""
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def prepare_database(tmp: Path, options) -> tuple[Path, dict]:
    """A database with the survey and its demo responses in `tmp`: copied from the cache,
    else built (and cached). Returns it and how its demo responses were loaded."""
    database = tmp / "bench.sqlite3"
    env = _environment(database)
    cached = _cache_file(options)
    about = cached.with_suffix(".json")
    if cached.exists() and about.exists() and not options.rebuild_cache:
        shutil.copyfile(cached, database)
        run_checked([*FLASK, "db", "upgrade"], env, "flask db upgrade")  # newer migrations
        return database, {**json.loads(about.read_text()), "cached": True}
    run_checked([*FLASK, "db", "upgrade"], env, "flask db upgrade")
    run_checked([*FLASK, "survey", "load", str(DEFINITION)], env, "flask survey load")
    print(f"findings: loading {options.responses:,} demo responses through `flask demo-data` "
          "(cached afterwards) ...", flush=True)
    loading = add_demo_responses(env, options.responses, options.demo_seed)
    loading["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    _checkpoint(database)
    CACHE.mkdir(exist_ok=True)
    for stale in CACHE.glob(f"{SLUG}-{options.responses}-seed{options.demo_seed}-*"):
        stale.unlink()  # made with another definition or generator
    partial = cached.with_suffix(".partial")
    shutil.copyfile(database, partial)
    partial.replace(cached)
    about.write_text(json.dumps(loading, indent=2) + "\n")
    return database, {**loading, "cached": False}


def demo_generation_rate(count: int = 20_000) -> float:
    """Answer sets per second of the demo generator alone (no database), in this process."""
    from reports.demo import generate
    from survey.definition import load_definition_file

    definition = load_definition_file(DEFINITION)
    began = time.perf_counter()
    for _batch in generate(definition, count, 7):
        pass
    return round(count / (time.perf_counter() - began), 1)


# ------------------------------------------------------------------ measured processes

def probe(env: dict, *args: str, timeout: float = 3600) -> dict:
    """Run `bench.findings_probe` in a subprocess; its JSON document."""
    done = subprocess.run([sys.executable, "-m", "bench.findings_probe", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"findings_probe {args[0]} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def stored_findings(database: Path, number: int) -> list:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT findings FROM release WHERE number = ?",
                                 (number,)).fetchone()
    connection.close()
    return json.loads(row[0])


# ------------------------------------------------------------------ pages under load

def load_figures(result: LoadResult, server_cpu: float | None, wall: float) -> dict:
    return {**result.figures(server_cpu, wall), "not_ok": result.non_accepted(200)}


def measure_pages(tmp: Path, env: dict, options) -> dict:
    """The finding page and the API, one after the other, against one gunicorn."""
    port = free_port()
    command = gunicorn_command("app:create_app()", port, workers=options.workers,
                               threads=options.threads)
    paths = {"page": (f"/findings/{SLUG}/{options.page_finding}", "text/html"),
             "api": (API_PATH, "application/json")}
    figures = {}
    with Server("resonanz", command, env, tmp / "findings-server.log", port, API_PATH) as server:
        for name, (path, accept) in paths.items():
            server_cpu = server.workers_cpu_seconds()
            wall = time.perf_counter()
            result = run_load(HOST, port, path, None, clients=options.page_clients,
                              warmup=options.warmup, seconds=options.seconds, expect=200,
                              method="GET", headers={"Accept": accept})
            wall = time.perf_counter() - wall
            if server_cpu is not None:
                server_cpu = server.workers_cpu_seconds() - server_cpu
            figures[name] = {"path": path, **load_figures(result, server_cpu, wall)}
    return figures


# ------------------------------------------------------------------ report

def _verdict(met: bool) -> str:
    return "meets target" if met else "MISSES target"


def _stages(stages: dict) -> str:
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items())


def print_table(document: dict) -> None:
    loading, scratch = document["demo_loading"], document["publish_scratch"]
    incremental, reference = document["publish_incremental"], document["reference"]
    met = document["meets_targets"]
    source = (f"cached, built {loading.get('built_at', '?')}" if loading["cached"]
              else "built in this run")
    print(f"demo data    {loading['responses']:>9,} responses in {loading['seconds']:7.1f} s: "
          f"{loading['responses_per_second']:,.0f} responses/s through `flask demo-data` "
          f"({source}); generator alone {document['demo_generation_per_second']:,.0f}/s")
    print(f"scratch      {scratch['seconds']:7.2f} s  CPU {scratch['cpu_seconds']:.2f} s  "
          f"peak RSS {scratch['peak_rss_mb']:,.0f} MB  ({_stages(scratch['stages'])}, "
          f"other {scratch['other_seconds']:.2f})  target <= {TARGETS['scratch_seconds']:g} s: "
          f"{_verdict(met['scratch_seconds'])}")
    if reference:
        print(f"reference    {reference['seconds']:7.2f} s  CPU {reference['cpu_seconds']:.2f} s"
              f"  peak RSS {reference['peak_rss_mb']:,.0f} MB  ({_stages(reference['stages'])})"
              f"; same findings: {'yes' if document['reference_same_findings'] else 'NO'}")
        print(f"speed-up     {document['speedup']:7.1f} x  (reference / scratch release; "
              f"{document['speedup_frame_and_findings']:.1f} x for frame + findings alone)  "
              f"target >= {TARGETS['speedup']:g} x: {_verdict(met['speedup'])}")
    print(f"incremental  {incremental['seconds']:7.2f} s  CPU {incremental['cpu_seconds']:.2f} s"
          f"  peak RSS {incremental['peak_rss_mb']:,.0f} MB  (+{document['added']['responses']:,}"
          f" responses; {_stages(incremental['stages'])}, other "
          f"{incremental['other_seconds']:.2f})  target <= {TARGETS['incremental_seconds']:g} s: "
          f"{_verdict(met['incremental_seconds'])}")
    shares = scratch["share_difference_pp"]
    print(f"shares       largest difference of a published share from the unprotected one: "
          f"{shares['largest']} percentage points (target < 0.1)")
    for name, data in document["pages"].items():
        print(f"{name:<12} {data['rps']:7.1f} rps  p50 {data['p50_ms']:6.1f} ms  "
              f"p95 {data['p95_ms']:6.1f} ms  p99 {data['p99_ms']:6.1f} ms  "
              f"({data['measured_requests']} requests, {data['not_ok']} not 200, workers "
              f"{data['server_cpu_cores']} cores)  target p95 <= {TARGETS['p95_ms']:g} ms: "
              f"{_verdict(met[f'{name}_p95_ms'])}")


def run(options) -> int:
    """Run, print the table, write the results; 1 if a figure misses its target or the
    reference disagrees with the release."""
    cores = cpu_count()
    load_at_start = [round(v, 2) for v in os.getloadavg()]
    print(f"findings: {options.responses:,} demo responses; {cores} cores "
          f"(os.cpu_count() {os.cpu_count()}), load average "
          f"{' '.join(f'{v:.1f}' for v in load_at_start)}", flush=True)
    generation = demo_generation_rate()
    with tempfile.TemporaryDirectory(prefix="resonanz-findings-") as tmp_name:
        tmp = Path(tmp_name)
        database, loading = prepare_database(tmp, options)
        env = _environment(database)
        instance = str(tmp / "instance")
        scratch = probe(env, "publish", SLUG, instance)
        print(f"scratch publish: {scratch['seconds']:.2f} s", flush=True)
        reference = None
        if not options.skip_reference:
            reference = probe(env, "reference", SLUG)
            print(f"reference: {reference['seconds']:.2f} s", flush=True)
        added = add_demo_responses(env, options.added, options.demo_seed + 1)
        incremental = probe(env, "publish", SLUG, instance)
        print(f"incremental publish: {incremental['seconds']:.2f} s", flush=True)
        pages = measure_pages(tmp, env, options)
        same = None
        if reference is not None:
            same = reference.pop("findings") == stored_findings(database, scratch["release"])
    met = {"scratch_seconds": scratch["seconds"] <= TARGETS["scratch_seconds"],
           "incremental_seconds": incremental["seconds"] <= TARGETS["incremental_seconds"],
           **{f"{name}_p95_ms": data["p95_ms"] <= TARGETS["p95_ms"]
              for name, data in pages.items()}}
    speedup = speedup_core = None
    if reference is not None:
        speedup = reference["seconds"] / scratch["seconds"]
        core = scratch["stages"]["frame_update"] + scratch["stages"]["frame_load"] \
            + scratch["stages"]["findings"]
        speedup_core = reference["seconds"] / core
        met["speedup"] = speedup >= TARGETS["speedup"]
    document = {
        "benchmark": NAME,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu_cores": cores, "os_cpu_count": os.cpu_count(),
                    "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_start": load_at_start,
                    "load_average_at_end": [round(v, 2) for v in os.getloadavg()]},
        "settings": {
            "survey": SLUG, "responses": options.responses, "demo_seed": options.demo_seed,
            "added_responses": options.added, "page_clients": options.page_clients,
            "warmup_seconds": options.warmup, "measured_seconds": options.seconds,
            "workers": options.workers, "threads": options.threads,
            "page_finding": options.page_finding, "rate_limits": "off",
            "database": "SQLite (WAL), temporary directory",
            "publishing": "publish_release in a subprocess (`bench.findings_probe`); times "
                          "exclude interpreter start-up and imports (startup_seconds)",
        },
        "demo_loading": loading,
        "demo_generation_per_second": generation,
        "publish_scratch": scratch,
        "reference": reference,
        "reference_same_findings": same,
        "speedup": None if speedup is None else round(speedup, 2),
        "speedup_frame_and_findings": None if speedup_core is None else round(speedup_core, 2),
        "added": added,
        "publish_incremental": incremental,
        "pages": pages,
        "targets": TARGETS,
        "meets_targets": met,
        "meets_all_targets": all(met.values()),
    }
    print_table(document)
    print(f"wrote {write_results(document, NAME).relative_to(ROOT)}")
    return 0 if all(met.values()) and same is not False else 1
