"""Submission benchmark: complete API responses against Resonanz and against a bare reference.

Both servers run under gunicorn with the same worker settings, each on SQLite
in its own temporary directory, and take the same closed-loop load over
loopback. The measured time is split into rounds that alternate between the two
servers (ABBA), so that other load on the machine affects both alike. Printed
and written to bench/results/submit.json: responses per second and p50/p95
latency of each, the throughput ratio Resonanz / reference (target at least
0.6), whether every accepted (201) response was stored, and the workers' CPU
time per request.
"""

import json
import os
import platform
import secrets
import sqlite3
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import BIN, RESULTS, ROOT
from bench.answers import answer_sets, check_answer_sets
from bench.load import LoadResult, merge, run_load
from bench.reference_app import DATABASE_ENV, TABLE, create_database
from bench.servers import HOST, Server, free_port, gunicorn_command, run_checked
from survey.definition import load_definition_file

NAME = "submit"
SLUG = "xing-linkedin"
DEFINITION = ROOT / "survey" / "definitions" / f"{SLUG}.yaml"
PATH = f"/api/v1/surveys/{SLUG}/responses"
TARGET_RATIO = 0.6


def add_arguments(parser) -> None:
    """This benchmark's options (`python -m bench --help`)."""
    group = parser.add_argument_group("submit")
    group.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 20)),
                       help="measured seconds per server (default 20, env BENCH_SECONDS)")
    group.add_argument("--rounds", type=int, default=4,
                       help="alternating rounds the measured seconds are split into (default 4)")
    group.add_argument("--warmup", type=float, default=2.0,
                       help="unmeasured warm-up seconds per server (default 2)")
    group.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    group.add_argument("--workers", type=int, default=2,
                       help="gunicorn workers for both servers (default 2)")
    group.add_argument("--threads", type=int, default=4,
                       help="threads per worker (default 4)")
    group.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL",
                       help="Resonanz's SQLite synchronous setting (default FULL, its default; "
                            "NORMAL shows what durability costs); the reference keeps NORMAL")
    group.add_argument("--answer-sets", type=int, default=1000,
                       help="distinct generated answer sets, all checked up front (default 1000)")
    group.add_argument("--seed", type=int, default=2012, help="generator seed (default 2012)")


def encoded_bodies(options) -> tuple[list[bytes], int]:
    """Generate and check answer sets; the request bodies' tails after the submission id."""
    definition = load_definition_file(DEFINITION)
    sets = answer_sets(definition, options.answer_sets, options.seed)
    check_answer_sets(definition, sets)
    tails = [
        b'","language":"' + language.encode() + b'","answers":'
        + json.dumps(answers, ensure_ascii=False, separators=(",", ":")).encode() + b"}"
        for language, answers in sets
    ]
    return tails, round(sum(map(len, tails)) / len(tails))


def body_maker(tails: list[bytes], tag: str):
    """Bodies with a new submission id each (`tag` tells runs apart): pre-encoded bytes joined."""
    head = b'{"submission_id":"bench-' + tag.encode() + b"-"
    count = len(tails)

    def make_body(client: int, number: int) -> bytes:
        return head + b"%02d-%08d" % (client, number) + tails[(client * 7919 + number) % count]

    return make_body


def mix_lines(log: Path) -> list[str]:
    """The mixer's lines in a server's log (survey.mixer logs one a mix)."""
    if not log.exists():
        return []
    return [line for line in log.read_text(errors="replace").splitlines()
            if "resonanz.privacy: " in line and "mix: " in line]


def count_rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


@dataclass
class Target:
    """One server under test, what it answered, and what that cost."""

    name: str
    server: Server
    database: Path
    table: str
    results: list[LoadResult] = field(default_factory=list)
    wall_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    server_cpu_seconds: float | None = 0.0


def resonanz_target(tmp: Path, options) -> Target:
    """Resonanz migrated and loaded with the survey in `tmp`, ready to start."""
    database = tmp / "bench.sqlite3"
    env = {**os.environ,
           "RESONANZ_SECRET_KEY": secrets.token_hex(32),
           "RESONANZ_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
           "RESONANZ_RATELIMIT_ENABLED": "false",
           "RESONANZ_SQLITE_SYNCHRONOUS": options.synchronous,
           # The mixer runs in the background, as by default (survey.mixer): its cost counts.
           "RESONANZ_PRIVACY_MIX_IN_BACKGROUND": "true"}
    flask = [str(BIN / "flask"), "--app", "app"]
    run_checked([*flask, "db", "upgrade"], env, "flask db upgrade")
    run_checked([*flask, "survey", "load", str(DEFINITION)], env, "flask survey load")
    port = free_port()
    command = gunicorn_command("app:create_app()", port, workers=options.workers,
                               threads=options.threads)
    server = Server("resonanz", command, env, tmp / "resonanz.log", port, f"/api/v1/surveys/{SLUG}")
    return Target("resonanz", server, database, "response")


def reference_target(tmp: Path, options) -> Target:
    """The bare reference with its table created in `tmp`, ready to start."""
    database = tmp / "reference.sqlite3"
    create_database(str(database))
    env = {**os.environ, DATABASE_ENV: str(database)}
    port = free_port()
    command = gunicorn_command("bench.reference_app:create_app()", port,
                               workers=options.workers, threads=options.threads)
    server = Server("reference", command, env, tmp / "reference.log", port, "/health")
    return Target("reference", server, database, TABLE)


def measure(target: Target, make_body, options, *, warmup: float, seconds: float) -> None:
    """One round of load against a running server; adds its result and CPU use to `target`."""
    client_cpu, server_cpu = time.process_time(), target.server.workers_cpu_seconds()
    wall = time.perf_counter()
    result = run_load(HOST, target.server.port, PATH, make_body, clients=options.clients,
                      warmup=warmup, seconds=seconds)
    target.wall_seconds += time.perf_counter() - wall
    target.client_cpu_seconds += time.process_time() - client_cpu
    if server_cpu is None or target.server_cpu_seconds is None:
        target.server_cpu_seconds = None
    else:
        target.server_cpu_seconds += target.server.workers_cpu_seconds() - server_cpu
    target.results.append(result)


def run_rounds(targets: list[Target], tails: list[bytes], options) -> None:
    """Alternate the servers round by round (A B, B A, ...), warming each up before its first."""
    seconds = options.seconds / options.rounds
    for number in range(options.rounds):
        for target in targets if number % 2 == 0 else targets[::-1]:
            warmup = options.warmup if not target.results else 0.0
            measure(target, body_maker(tails, str(number)), options, warmup=warmup,
                    seconds=seconds)


def figures(target: Target, stored: int) -> dict:
    result = merge(target.results)
    accepted = result.accepted()
    return {
        **result.figures(target.server_cpu_seconds, target.wall_seconds),
        "accepted_201_including_warmup": accepted,
        "not_accepted": result.non_accepted(),
        "stored_rows": stored,
        "nothing_lost": stored == accepted,
        "client_cpu_cores": round(target.client_cpu_seconds / target.wall_seconds, 2),
    }


def _line(name: str, data: dict) -> str:
    return (f"{name:<10}{data['rps']:>8.1f} rps  p50 {data['p50_ms']:6.1f} ms  "
            f"p95 {data['p95_ms']:6.1f} ms  ({data['measured_requests']} requests; workers "
            f"{_number(data['server_cpu_cores'])} cores, "
            f"{_number(data['server_cpu_ms_per_request'])} ms CPU per request)")


def _number(value) -> str:
    return "?" if value is None else f"{value:.2f}"


def _problems(name: str, data: dict) -> list[str]:
    lines = []
    if data["not_accepted"]:
        lines.append(f"{name}: {data['not_accepted']} requests not accepted: "
                     f"statuses {data['statuses']}, failures {data['client_failures']}")
        lines += [f"  {sample}" for sample in data["error_samples"]]
    if not data["nothing_lost"]:
        lines.append(f"{name}: stored {data['stored_rows']} rows for "
                     f"{data['accepted_201_including_warmup']} accepted responses")
    return lines


def write_results(document: dict, name: str = NAME) -> Path:
    """Write bench/results/<name>.json (atomically)."""
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{name}.json"
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(target)
    return target


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(options) -> int:
    """Run, print the table, write the results; 1 if a response was refused or lost."""
    if options.seconds <= 0 or options.rounds < 1 or options.clients < 1:
        raise SystemExit("submit: --seconds, --rounds and --clients must be positive")
    cores = cpu_count()
    tails, body_size = encoded_bodies(options)
    print(f"submit: {options.clients} clients, {options.warmup:g} s warm-up + "
          f"{options.seconds:g} s measured per server in {options.rounds} alternating rounds; "
          f"--workers {options.workers} --threads {options.threads}; Resonanz "
          f"synchronous={options.synchronous}; "
          f"{len(tails)} checked answer sets, ~{body_size} bytes per body; {cores} cores",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="resonanz-bench-") as tmp:
        targets = [resonanz_target(Path(tmp), options), reference_target(Path(tmp), options)]
        with ExitStack() as running:  # both servers stop here, also on errors
            for target in targets:
                running.enter_context(target.server)
            run_rounds(targets, tails, options)
        # Counted after a graceful stop: every request in flight has finished.
        resonanz, reference = (figures(t, count_rows(t.database, t.table)) for t in targets)
        mixes = mix_lines(Path(tmp) / "resonanz.log")
        resonanz["mixes_during_the_run"] = len(mixes)
        resonanz["unmixed_after_the_run"] = count_rows(targets[0].database, "response "
                                                       "WHERE unmixed")
    print(_line("resonanz", resonanz))
    print(f"          with the mixer in the background: {resonanz['mixes_during_the_run']} "
          f"mixes during the run, {resonanz['unmixed_after_the_run']} responses unmixed at the "
          "end")
    print(_line("reference", reference))
    ratio = resonanz["rps"] / reference["rps"] if reference["rps"] else 0.0
    verdict = "meets the target" if ratio >= TARGET_RATIO else "BELOW the target"
    print(f"ratio     {ratio:.2f} (target ≥ {TARGET_RATIO}): {verdict}")
    cost_ratio = None
    if resonanz["server_cpu_ms_per_request"] and reference["server_cpu_ms_per_request"]:
        cost_ratio = (reference["server_cpu_ms_per_request"]
                      / resonanz["server_cpu_ms_per_request"])
        print(f"cost      {cost_ratio:.2f} (reference / Resonanz worker CPU per request: "
              "the ratio a CPU-bound server tends to)")
    for name, data in (("resonanz", resonanz), ("reference", reference)):
        lost = data["accepted_201_including_warmup"] - data["stored_rows"]
        state = ("nothing lost" if not lost else f"{lost} LOST" if lost > 0
                 else f"{-lost} more than accepted (requests that failed on the client?)")
        print(f"stored    {name}: {data['stored_rows']} of "
              f"{data['accepted_201_including_warmup']} accepted (warm-up included): {state}")
    problems = _problems("resonanz", resonanz) + _problems("reference", reference)
    for line in problems:
        print(line)
    print(f"note: client and servers share {cores} cores (the client used "
          f"~{resonanz['client_cpu_cores']:.2f} cores against Resonanz, "
          f"~{reference['client_cpu_cores']:.2f} against the reference), and so does anything "
          "else running: absolute figures understate both servers; compare the ratios.")
    document = {
        "benchmark": NAME,
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu_cores": cores, "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "settings": {
            "clients": options.clients, "warmup_seconds": options.warmup,
            "measured_seconds": options.seconds, "rounds": options.rounds,
            "server": "gunicorn -c python:survey.serving (waitress in each worker)",
            "workers": options.workers, "threads": options.threads,
            "client": "threads with http.client, keep-alive", "host": HOST,
            "database": f"SQLite (WAL; Resonanz synchronous={options.synchronous}, reference "
                        "synchronous=NORMAL) in a temporary directory",
            "rate_limits": "off", "survey": SLUG, "answer_sets": len(tails),
            "mean_body_bytes": body_size, "seed": options.seed,
        },
        "resonanz": resonanz,
        "reference": reference,
        "ratio": round(ratio, 3),
        "cost_ratio": None if cost_ratio is None else round(cost_ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "nothing_lost": resonanz["nothing_lost"] and reference["nothing_lost"],
    }
    name = NAME if options.synchronous == "FULL" else f"{NAME}-synchronous-normal"
    print(f"wrote {write_results(document, name).relative_to(ROOT)}")
    return 1 if problems else 0
