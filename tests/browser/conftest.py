"""Real-browser fixtures: Debian's Chromium driven by Playwright, and the app on a live server."""

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # per action: generous on a loaded CI machine, never a measurement


def pytest_collection_modifyitems(items):
    """Every test under tests/browser drives a real browser."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def app_config():
    """Browser tests post real forms: CSRF protection stays on."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (per xdist worker)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("RESONANZ_REQUIRE_BROWSER"):
            pytest.fail(f"RESONANZ_REQUIRE_BROWSER is set but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def served(app):
    """`app` served over HTTP on a free local port, in a background thread: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def live_url(app):
    """The `app` served over HTTP on a free local port, in a background thread."""
    with served(app) as url:
        yield url


@pytest.fixture
def open_tab(browser):
    """Open a fresh browser tab with its own cookies: open_tab(javascript=False) disables JS."""
    contexts = []

    def open_(javascript=True):
        context = browser.new_context(java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_tab):
    """A fresh browser tab with JavaScript on."""
    return open_tab()
