"""The real `make run` server: slow clients starve nobody, a refused upload answers cleanly,
no control socket, no access log of the server's own."""

import http.client
import json
import socket
import time

import pytest

from tests.helpers.servers import HOST, MakeRun, request, server_database

SLOW_BODIES = 64
SLOW_HEADERS = 64
ORDINARY_REQUESTS = 40
SURVEY = "/api/v1/surveys/xing-linkedin"


@pytest.fixture(scope="module")
def server(tmp_path_factory, worker_id):
    tmp = tmp_path_factory.mktemp("serving")
    with MakeRun(tmp, server_database(tmp, worker_id, "serving")) as running:
        yield running


def open_slow_clients(port: int) -> list[socket.socket]:
    """64 connections that sent headers announcing 100,000 bytes and then 3 of them, and 64
    that sent part of their headers: what a slow or stalled client looks like."""
    sockets = []
    for _ in range(SLOW_BODIES):
        slow = socket.create_connection((HOST, port))
        slow.sendall(f"POST {SURVEY}/responses HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"a"
                     .encode())
        sockets.append(slow)
    for _ in range(SLOW_HEADERS):
        slow = socket.create_connection((HOST, port))
        slow.sendall(f"GET {SURVEY} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
        sockets.append(slow)
    return sockets


def test_slow_clients_do_not_starve_ordinary_requests(server):
    slow = open_slow_clients(server.port)
    try:
        latencies = []
        for number in range(ORDINARY_REQUESTS):
            if number % 10 == 0:
                for connection in slow:  # still trickling: one more byte each
                    connection.sendall(b"x")
            started = time.perf_counter()
            # A starved request would wait until the slow clients give up (or forever).
            reply = request("GET", server.port, SURVEY, timeout=10)
            latencies.append(time.perf_counter() - started)
            assert reply.status == 200
            assert reply.json()["slug"] == "xing-linkedin"
        latencies.sort()
        print(f"p95 with {len(slow)} slow connections open: "
              f"{latencies[int(0.95 * len(latencies)) - 1] * 1000:.0f} ms")
        # The slow connections are still open: nothing was refused to make room.
        for connection in slow:
            connection.sendall(b"y")
    finally:
        for connection in slow:
            connection.close()


def _head(received: bytes) -> tuple[str, dict, bytes]:
    head, _, payload = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, payload


def test_an_upload_larger_than_any_route_takes_is_refused_and_the_connection_closed_cleanly(
        server):
    # Over MAX_UPLOAD_LENGTH (11 MB, admins' survey uploads), the most the server buffers.
    body = b"{" + b" " * (12 * 1024 * 1024) + b"}"
    connection = socket.create_connection((HOST, server.port), timeout=30)
    try:
        connection.sendall(f"POST {SURVEY}/responses HTTP/1.1\r\nHost: x\r\n"
                           f"Content-Type: application/json\r\nContent-Length: {len(body)}"
                           "\r\n\r\n".encode())
        connection.sendall(body)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    finally:
        connection.close()
    status, headers, payload = _head(received)
    assert status.startswith("HTTP/1.1 413")
    assert headers["connection"].lower() == "close"
    assert json.loads(payload)["error"]["code"] == "request_entity_too_large"


def test_a_body_over_the_routes_limit_gets_413_and_the_connection_stays_usable(server):
    """Over the API's 1 MB but under what the server buffers: the server reads the whole
    body, the app refuses it, and the next request on the same connection is answered."""
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        connection.request("POST", f"{SURVEY}/responses", body=body,
                           headers={"Content-Type": "application/json"})
        refused = connection.getresponse()
        payload = refused.read()
        connection.request("GET", SURVEY)
        after = connection.getresponse()
        after.read()
    finally:
        connection.close()
    assert refused.status == 413
    assert json.loads(payload)["error"]["code"] == "request_entity_too_large"
    assert after.status == 200


def test_a_too_large_form_gets_the_translated_page(server):
    connection = http.client.HTTPConnection(HOST, server.port, timeout=15)
    try:
        connection.request("POST", "/login?lang=de", body=b"e" * (2 * 1024 * 1024),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        page = response.read().decode()
    finally:
        connection.close()
    assert response.status == 413
    assert '<html lang="de">' in page and "Zu viele Daten" in page


def test_keep_alive_carries_several_requests(server):
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            assert response.status == 200 and response.read()
    finally:
        connection.close()


def test_make_run_writes_no_control_socket_and_no_access_log(server):
    assert not list(server.tmp.rglob("*.ctl")), "gunicorn's control socket was written"
    request("GET", server.port, SURVEY)
    log = server.text()
    # The server logs no requests of its own (they would hold the path and the address);
    # the app's line has the route's template only (survey.access_log).
    assert f"GET {SURVEY}" not in log and '"GET ' not in log
    assert "GET /api/v1/surveys/<slug> 200" in log
    assert "Booting worker" in log
