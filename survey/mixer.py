"""The mixer: runs the mix (`survey.mixing`) by itself in every serving process, no cron.

A thread per process, started by the first request (so that command-line runs of the app
start none). It wakes when this process has written `PRIVACY_MIX_RESPONSES` responses, and
every `PRIVACY_MIX_CHECK_SECONDS` anyway, and mixes when the database holds at least that
many unmixed responses or the oldest it has seen has waited `PRIVACY_MIX_MINUTES`, but not
within `PRIVACY_MIX_PAUSE_SECONDS` of its last mix. At start it mixes whatever waits (how
long it has waited is not known). Once a day, past `PRIVACY_FULL_MIX_HOUR` (UTC), the mix
is a full one. Processes meet at the mix's lock: one mixes, the others skip.
"""

import logging
import threading
import time

from flask import current_app

from survey.extensions import db
from survey.mixing import full_mix_due, mix, unmixed_count
from survey.outages import incidents, outage_kind

log = logging.getLogger("resonanz.privacy")
_EXTENSION = "resonanz_mixer"


class _Mixer:
    """The process's mixer thread and what it knows between checks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self.written = 0  # responses this process wrote since its last check
        self.waiting_since: float | None = None  # when unmixed responses were first seen
        self.last_mix = float("-inf")
        self.checks = 0  # done so far (tests wait for the first)

    def start(self, app) -> None:
        if self.thread is not None:
            return
        with self.lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._run, args=(app,), name="resonanz-mixer",
                                           daemon=True)
            self.thread.start()

    def note_written(self, enough: int) -> None:
        with self.lock:
            self.written += 1
            if self.waiting_since is None:
                self.waiting_since = time.monotonic()
            if self.written >= enough:
                self.wake.set()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join()

    def _run(self, app) -> None:
        first = True
        while not self.stopped.is_set():
            if not first:
                self.wake.wait(timeout=app.config["PRIVACY_MIX_CHECK_SECONDS"])
                if self.stopped.is_set():
                    return
            self.wake.clear()
            try:
                with app.app_context():
                    self._check(app.config, at_start=first)
            except Exception as error:  # the database may be away; try again at the next check
                kind = outage_kind(error)
                if kind:  # one line per outage, as the requests log it (survey.outages)
                    incidents.failed(kind, error)
                else:
                    log.exception("mixer: the check failed")
            first = False
            self.checks += 1

    def _check(self, config, *, at_start: bool) -> None:
        try:
            waiting = unmixed_count()
            full = full_mix_due(config["PRIVACY_FULL_MIX_HOUR"])
            # End the read snapshot before any pause: a snapshot held across it kept the
            # mix in another process from truncating the WAL for up to a second, and
            # submissions waited behind each truncation it tried meanwhile.
            db.session.remove()
            now = time.monotonic()
            with self.lock:
                self.written = 0
                if waiting == 0:
                    self.waiting_since = None
                elif self.waiting_since is None:
                    self.waiting_since = now
                waited = now - self.waiting_since if self.waiting_since is not None else 0.0
            due = waiting and (at_start or waiting >= config["PRIVACY_MIX_RESPONSES"]
                               or waited >= config["PRIVACY_MIX_MINUTES"] * 60)
            if not (due or full):
                return
            pause = config["PRIVACY_MIX_PAUSE_SECONDS"] - (now - self.last_mix)
            if pause > 0 and self.stopped.wait(pause):
                return
            result = mix(full=full)
            if result is not None:
                self.last_mix = time.monotonic()
                log.info("%s", result.summary())
                if not result.wal_truncated:
                    self.wake.set()  # try the truncation again soon
        finally:
            db.session.remove()


def note_written() -> None:
    """A response was just written: wake the mixer once enough of them wait."""
    mixer = current_app.extensions.get(_EXTENSION)
    if mixer is not None:
        mixer.note_written(current_app.config["PRIVACY_MIX_RESPONSES"])


def init_app(app) -> None:
    """Start the mixer with the first request this process serves (if configured)."""
    if not app.config["PRIVACY_MIX_IN_BACKGROUND"]:
        return
    mixer = app.extensions[_EXTENSION] = _Mixer()

    @app.before_request
    def _start_mixer():
        mixer.start(current_app._get_current_object())


def stop_mixer(app) -> None:
    """Stop the app's mixer thread, if it runs (for tests that start one)."""
    mixer = app.extensions.get(_EXTENSION)
    if mixer is not None:
        mixer.stop()
