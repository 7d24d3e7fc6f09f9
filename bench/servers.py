"""Gunicorn servers for benchmarks: start on a free loopback port, wait until up, stop."""

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench import BIN, ROOT

HOST = "127.0.0.1"
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on right now, and not handed out before in this run."""
    for _attempt in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no free loopback port")


def gunicorn_command(app_spec: str, port: int, *, workers: int, threads: int) -> list[str]:
    """The gunicorn command line shared by every server of a benchmark: `make run`'s server
    (survey/serving.py, request-buffering workers), with these workers and threads."""
    return [
        str(BIN / "gunicorn"),
        "-c", "python:survey.serving",
        "--bind", f"{HOST}:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--log-level", "warning",
        "--graceful-timeout", "10",
        app_spec,
    ]


def run_checked(command: Sequence[str], env: Mapping[str, str], what: str,
                timeout: float = 300) -> str:
    """Run a setup command, raising with its output if it fails; returns its stdout."""
    done = subprocess.run(list(command), cwd=ROOT, env=dict(env), capture_output=True,
                          text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


class Server:
    """One gunicorn master (and its workers) in its own process group; a context manager."""

    def __init__(self, name: str, command: list[str], env: Mapping[str, str], log: Path,
                 port: int, ready_path: str):
        self.name, self.command, self.env, self.log = name, command, dict(env), log
        self.port, self.ready_path = port, ready_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                            stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll `ready_path` until it answers 200; fail early if gunicorn exits."""
        deadline = time.monotonic() + timeout
        last_problem = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
            try:
                connection.request("GET", self.ready_path)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    self._wait_settled(deadline)
                    return
                last_problem = f"GET {self.ready_path} answered {response.status}"
            except OSError as error:
                last_problem = f"{type(error).__name__}: {error}"
            finally:
                connection.close()
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server not ready after {timeout:.0f} s "
                           f"({last_problem}):\n{self.log_tail()}")

    def _wait_settled(self, deadline: float, interval: float = 0.25) -> None:
        """Wait until no worker is still starting (their CPU time stands still). One worker
        answers the readiness check while another may still be importing the app: load that
        began then went, connections and all, to the first worker alone."""
        before = self.workers_cpu_seconds()
        while before is not None and time.monotonic() < deadline:
            time.sleep(interval)
            now = self.workers_cpu_seconds()
            if now - before < 0.02:
                return
            before = now

    def workers_cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the master's worker processes (Linux only)."""
        if self.process is None:
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        try:
            entries = list(Path("/proc").iterdir())
        except OSError:
            return None
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile, or not ours to read
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
            if int(fields[1]) == self.process.pid:  # ppid: a worker of this master
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the master), SIGKILL to its process group if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this master leads
            process.wait(timeout=10)
