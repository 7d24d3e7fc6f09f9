"""The production server: gunicorn's arbiter over workers that buffer requests with waitress.

    gunicorn -c python:survey.serving "app:create_app()"

Gunicorn's own workers hand a connection to a thread as soon as its first byte arrives, and
the thread then waits for the rest: eight clients sending a byte a second hold eight
threads. Here each worker process runs waitress, whose event loop reads a request's headers
and body completely (the body spills to a temporary file past 512 KiB) before a thread runs
the app, and writes the answer out while the thread goes on. Slow or stalled clients cost a
socket, not a thread. Gunicorn keeps the process management: several workers, restarts, a
heartbeat timeout for a hung worker, graceful stops and reloads.

This module is gunicorn's configuration file too (its module-level settings): no access log
(the app logs its own, without addresses), no control socket, no forwarded headers trusted
by the server (the app's `PROXY_FIX_HOPS` decides).
"""

import logging
import os
import socket
import time

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import WSGITask
from waitress.utilities import RequestEntityTooLarge

# -- gunicorn settings (read by `gunicorn -c python:survey.serving`) ----------------------
bind = [os.environ.get("RESONANZ_BIND", "127.0.0.1:5000")]
workers = int(os.environ.get("RESONANZ_WORKERS", "2"))
threads = int(os.environ.get("RESONANZ_THREADS", "4"))
worker_class = "survey.serving.BufferingWorker"
timeout = 30  # a worker whose event loop stalls this long is replaced
graceful_timeout = 20
accesslog = None
control_socket_disable = True  # gunicorn 24+ would write one per user, shared by every site
forwarded_allow_ips = ""  # waitress reads no forwarded headers; ProxyFix in the app may

# -- waitress settings inside each worker ---------------------------------------------------
CONNECTION_LIMIT = 1000  # open connections per worker before new ones wait in the backlog
CHANNEL_TIMEOUT = 30  # seconds a connection may stay silent (idle keep-alive included)
LINGER_SECONDS = 2.0  # how long a refused upload is drained so the client reads the answer
DEFAULT_MAX_BODY = 1024 * 1024

log = logging.getLogger(__name__)


class _QuietServerLog(logging.Filter):
    """Waitress names the request path in some lines (a resume link carries a token): keep
    the line, drop the path. Its queue-depth warnings would come once per request under load."""

    def filter(self, record):
        message = str(record.msg)
        if " while serving " in message:
            record.msg, record.args = message.split(" while serving ")[0] + " while serving", ()
        return True


def _quiet_waitress_logs() -> None:
    logging.getLogger("waitress").addFilter(_QuietServerLog())
    logging.getLogger("waitress").setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class TooLargeTask(WSGITask):
    """A request whose body is larger than allowed goes to the app without its body, so that
    the app answers 413 in its own format (JSON on the API, a translated page elsewhere)."""

    def __init__(self, channel, request):
        super().__init__(channel, request)
        self.set_close_on_finish()  # the body was not read: announce the close
        channel.linger = True

    def get_environment(self):
        environ = super().get_environment()
        environ["CONTENT_LENGTH"] = str(self.channel.adj.max_request_body_size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return environ


class BufferedChannel(HTTPChannel):
    """Waitress's channel, plus: an upload refused as too large is answered by the app, and
    the connection then drains what the client still sends before closing, so that closing
    does not reset the connection under the client before it has read the 413."""

    linger = False
    _drain_until = None

    def service(self):
        request = self.requests[0]
        if isinstance(request.error, RequestEntityTooLarge):
            request.error = None
            self.task_class, original = TooLargeTask, self.task_class
            try:
                return super().service()
            finally:
                self.task_class = original
        return super().service()

    def handle_close(self):
        if self.linger and self._drain_until is None and self.connected:
            self._drain_until = time.monotonic() + LINGER_SECONDS
            try:
                self.socket.shutdown(socket.SHUT_WR)
                return
            except OSError:
                pass
        super().handle_close()

    def readable(self):
        if self._drain_until is not None:
            return True
        return super().readable()

    def writable(self):
        if self._drain_until is not None:
            if time.monotonic() > self._drain_until:
                self._drain_until = -1.0  # done: close on this turn
                return True
            return False
        return super().writable()

    def handle_read(self):
        if self._drain_until is None:
            return super().handle_read()
        try:
            data = self.socket.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drain_until = -1.0
            self.linger = False
            super().handle_close()

    def handle_write(self):
        if self._drain_until is not None:
            self.linger = False
            return super().handle_close()
        return super().handle_write()


class BufferingWorker(Worker):
    """A gunicorn worker process serving its listeners with waitress (see the module)."""

    def run(self):
        _quiet_waitress_logs()
        config = getattr(self.wsgi, "config", {})
        # The largest body any route takes (admins' uploads); the app refuses more elsewhere.
        max_body = max(config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BODY,
                       config.get("MAX_UPLOAD_LENGTH") or 0)
        socket_map = {}
        for listener in self.sockets:
            listener.setblocking(False)
        BaseWSGIServer.channel_class = BufferedChannel
        server = create_server(
            self.wsgi, map=socket_map, sockets=[listener.sock for listener in self.sockets],
            threads=self.cfg.threads, connection_limit=CONNECTION_LIMIT,
            channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=min(10, CHANNEL_TIMEOUT),
            max_request_body_size=max_body + 1, asyncore_use_poll=True,
            clear_untrusted_proxy_headers=False, ident="resonanz")
        dispatcher = server.task_dispatcher
        while self.alive:
            self.notify()
            wasyncore.loop(timeout=1.0, map=socket_map, use_poll=True, count=1)
            if self.ppid != os.getppid():
                break
        self._stop(socket_map, dispatcher)

    def _stop(self, socket_map, dispatcher):
        """Stop accepting, finish the requests begun, then close what is left."""
        servers = [d for d in list(socket_map.values()) if isinstance(d, BaseWSGIServer)]
        for server in servers:
            server.accepting = False
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(
                isinstance(d, HTTPChannel) and (d.requests or d.total_outbufs_len)
                for d in list(socket_map.values())):
            self.notify()
            wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
        dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(socket_map)
