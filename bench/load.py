"""A cheap closed-loop HTTP load generator: N client threads, one keep-alive connection each.

Each client sends its next request as soon as the previous one is answered. The
first `warmup` seconds are not measured; requests started in the measured
window count towards throughput and latency. Bodies are made by a callable that
should only join pre-encoded bytes, so the client spends its CPU on HTTP.
"""

import http.client
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

MakeBody = Callable[[int, int], bytes]  # (client number, request number) -> body
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
ERROR_SAMPLES = 5


@dataclass
class ClientRecord:
    """What one client saw."""

    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    statuses: Counter = field(default_factory=Counter)  # measured window only
    warmup_statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # exceptions, whole run
    error_samples: list[str] = field(default_factory=list)
    last_finish: float = 0.0


@dataclass
class LoadResult:
    """Throughput, latency and outcome counts of one load run."""

    clients: int
    seconds: float  # length of the measured window, up to the last answer in it
    requests: int
    latencies_ms: list[float]
    statuses: Counter
    warmup_statuses: Counter
    failures: Counter
    error_samples: list[str]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, share: float) -> float:
        """Nearest-rank percentile of the measured latencies, e.g. share=0.95."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = min(max(1, math.ceil(share * len(ordered))), len(ordered))
        return ordered[rank - 1]

    def accepted(self, status: int = 201) -> int:
        """Requests answered with `status`, warm-up included (all of them reached the server)."""
        return self.statuses[status] + self.warmup_statuses[status]

    def non_accepted(self, status: int = 201) -> int:
        """Answers other than `status` plus requests that failed without an answer."""
        everything = self.statuses + self.warmup_statuses
        return sum(n for s, n in everything.items() if s != status) + sum(self.failures.values())

    def answered(self) -> int:
        """Requests that got an answer, warm-up included."""
        return sum((self.statuses + self.warmup_statuses).values())

    def figures(self, server_cpu: float | None, wall: float) -> dict:
        """Throughput, latency percentiles, outcomes and the server's CPU, for a results file."""
        answered = self.answered()
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile_ms(0.50), 2),
            "p95_ms": round(self.percentile_ms(0.95), 2),
            "p99_ms": round(self.percentile_ms(0.99), 2),
            "measured_requests": self.requests,
            "measured_seconds": round(self.seconds, 3),
            "statuses": {str(k): v for k, v in sorted((self.statuses
                                                       + self.warmup_statuses).items())},
            "client_failures": dict(self.failures),
            "error_samples": self.error_samples,
            "server_cpu_cores": None if server_cpu is None else round(server_cpu / wall, 2),
            # Worker CPU per answered request (warm-up included): what one request costs.
            "server_cpu_ms_per_request": (None if server_cpu is None or not answered
                                          else round(server_cpu * 1000 / answered, 3)),
        }


def _client(number: int, host: str, port: int, path: str, make_body: MakeBody | None,
            expect: int, start: threading.Event, times: dict, record: ClientRecord,
            method: str = "POST", headers: dict | None = None) -> None:
    start.wait()
    measure_from, deadline = times["measure_from"], times["deadline"]
    connection = http.client.HTTPConnection(host, port, timeout=60)
    perf_counter = time.perf_counter
    headers = HEADERS if headers is None else headers
    sequence = 0
    try:
        while True:
            began = perf_counter()
            if began >= deadline:
                break
            body = None if make_body is None else make_body(number, sequence)
            sequence += 1
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as error:
                record.failures[type(error).__name__] += 1
                if len(record.error_samples) < ERROR_SAMPLES:
                    record.error_samples.append(f"{type(error).__name__}: {error}")
                connection.close()  # reconnects on the next request
                continue
            finished = perf_counter()
            status = response.status
            if began >= measure_from:
                record.latencies.append(finished - began)
                record.statuses[status] += 1
                record.last_finish = finished
            else:
                record.warmup_statuses[status] += 1
            if status != expect and len(record.error_samples) < ERROR_SAMPLES:
                record.error_samples.append(f"{status}: {payload[:300].decode(errors='replace')}")
    finally:
        connection.close()


def run_load(host: str, port: int, path: str, make_body: MakeBody | None, *, clients: int,
             warmup: float, seconds: float, expect: int = 201, method: str = "POST",
             headers: dict | None = None) -> LoadResult:
    """Drive `clients` concurrent clients for `warmup` + `seconds` and collect what they saw.

    `make_body` None sends no body (e.g. ``method="GET"``); `headers` replace `HEADERS`.
    """
    records = [ClientRecord() for _ in range(clients)]
    start = threading.Event()
    times: dict[str, float] = {}
    threads = [threading.Thread(target=_client, name=f"client-{n}", daemon=True,
                                args=(n, host, port, path, make_body, expect, start, times,
                                      records[n], method, headers))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    times["measure_from"] = began + warmup
    times["deadline"] = began + warmup + seconds
    start.set()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 120)  # bounded: requests time out after 60 s
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("load clients did not stop in time")
    latencies = [latency * 1000 for r in records for latency in r.latencies]
    last_finish = max((r.last_finish for r in records), default=times["deadline"])
    window = max(last_finish, times["deadline"]) - times["measure_from"]
    samples = [sample for r in records for sample in r.error_samples][:ERROR_SAMPLES]
    return LoadResult(
        clients=clients, seconds=window, requests=len(latencies), latencies_ms=latencies,
        statuses=sum((r.statuses for r in records), Counter()),
        warmup_statuses=sum((r.warmup_statuses for r in records), Counter()),
        failures=sum((r.failures for r in records), Counter()), error_samples=samples,
    )


def merge(results: list[LoadResult]) -> LoadResult:
    """Several load runs against one server (e.g. alternating rounds) as one result."""
    return LoadResult(
        clients=results[0].clients,
        seconds=sum(r.seconds for r in results),
        requests=sum(r.requests for r in results),
        latencies_ms=[latency for r in results for latency in r.latencies_ms],
        statuses=sum((r.statuses for r in results), Counter()),
        warmup_statuses=sum((r.warmup_statuses for r in results), Counter()),
        failures=sum((r.failures for r in results), Counter()),
        error_samples=[s for r in results for s in r.error_samples][:ERROR_SAMPLES],
    )
