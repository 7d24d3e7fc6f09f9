"""Real servers for tests about the server: `make run` itself, a private PostgreSQL and a
private Redis (started and stopped by the test, never the shared cluster), raw HTTP."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers.database import DATABASE_URI, ON_POSTGRES, SECRET_KEY, new_postgres_database

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PG_BIN = Path("/usr/lib/postgresql")
IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip where a tool is missing here; in CI (CI=true) the test fails instead."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must have this: {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until(check, timeout: float = 60.0, interval: float = 0.1, what: str = "it"):
    """Call `check` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


class Service:
    """Started on entering a `with` block, stopped on leaving it."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class MakeRun(Service):
    """`make run` on a free loopback port, with its own database; a context manager."""

    def __init__(self, tmp: Path, database_uri: str, workers: int = 2, **settings: str):
        self.tmp, self.database_uri = tmp, database_uri
        self.log = tmp / f"server-{id(self)}.log"
        self.instance = tmp / "instance"
        self.env = {**os.environ, "HOME": str(tmp), "XDG_RUNTIME_DIR": str(tmp),
                    "RESONANZ_SECRET_KEY": SECRET_KEY,
                    "RESONANZ_INSTANCE_PATH": str(self.instance),
                    "RESONANZ_SQLALCHEMY_DATABASE_URI": database_uri,
                    "RESONANZ_WORKERS": str(workers), **settings}
        self.env.pop("MAKEFLAGS", None)
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["make", "-s", "--no-print-directory", "run", f"HOST={HOST}", "PORT=0"],
                cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            found = wait_until(self._listening, timeout=120, what="make run to listen")
            self.port = int(found.group(1))
            wait_until(lambda: self.text().count("Booting worker") >= self.workers,
                       timeout=60, what="the workers")
            wait_until(lambda: self._answers("/healthz"), timeout=60, what="/healthz")
            self._warm_up()
        except BaseException:
            self.stop()
            raise

    def _warm_up(self) -> None:
        """Each worker imports the app when it boots; wait until every one answers."""
        seen = 0
        for _ in range(20 * self.workers):
            if self._answers("/readyz"):
                seen += 1
            if seen >= 4 * self.workers:
                return

    def _listening(self):
        if self.process.poll() is not None:
            raise AssertionError(f"make run exited {self.process.returncode}:\n{self.text()}")
        return re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.text())

    def _answers(self, path: str) -> bool:
        try:
            return request("GET", self.port, path, timeout=5).status == 200
        except OSError:
            return False

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Reply:
    """A response read off a raw socket."""

    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(method: str, port: int, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 10.0) -> Reply:
    """One request on a new connection."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                     response.read())
    finally:
        connection.close()


def post_json(port: int, path: str, document: dict, **kwargs) -> Reply:
    return request("POST", port, path, json.dumps(document).encode(),
                   {"Content-Type": "application/json"}, **kwargs)


def server_database(tmp: Path, worker_id: str, name: str = "srv") -> str:
    """A fresh database for a server of the test's own: a file, or a new PostgreSQL one."""
    if not ON_POSTGRES:
        return f"sqlite:///{tmp / f'{name}.sqlite3'}"
    return new_postgres_database(f"{sa.make_url(DATABASE_URI).database}_{worker_id}_{name}")


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (initdb in a temporary folder, run as the
    postgres user), on a free port: the test may stop and start it."""

    def __init__(self):
        versions = sorted(PG_BIN.glob("*/bin/initdb")) if PG_BIN.exists() else []
        require(bool(versions) and shutil.which("runuser") is not None,
                "PostgreSQL's initdb and runuser")
        self.bin = versions[-1].parent
        # Not under pytest's temporary folder: the postgres user could not enter it.
        self.folder = Path(tempfile.mkdtemp(prefix="resonanz-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.uri = f"postgresql+psycopg://postgres@{HOST}:{self.port}/postgres"

    def _as_postgres(self, *command: str, check: bool = True):
        return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=check,
                              capture_output=True, text=True, timeout=120)

    def __enter__(self) -> "PrivatePostgres":
        self.folder.chmod(0o755)
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "--no-sync")
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                          str(self.data / "server.log"), "-o",
                          f"-p {self.port} -k {self.data} -c listen_addresses={HOST} "
                          "-c fsync=off", "start")

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                          "-w", "stop", check=False)


class PrivateRedis(Service):
    """A redis-server of this test's own, without persistence, on a free loopback port."""

    def __init__(self, tmp: Path):
        require(shutil.which("redis-server") is not None, "redis-server (apt-get install "
                "redis-server)")
        self.tmp, self.port = tmp, free_port()
        self.uri = f"redis://{HOST}:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def answers():
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    return connection.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until(answers, timeout=20, what="redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def in_threads(work, count: int) -> list:
    """Run work(i) for i in range(count) in threads; their results, in order."""
    results = [None] * count

    def run(index):
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
