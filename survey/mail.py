"""Mail: rendered in the recipient's language as plain text and HTML with absolute links, sent
through SMTP (Flask-Mailman) in the background, or written to a mail log file of its own when
no server is configured (the embedded default), so that `make run` works end to end.

Sending happens after the request has answered, in a thread: a visitor cannot tell from the
time an answer takes whether a mail went out (whether an address has an account). The mail
log (instance/mail.log unless MAIL_LOG_PATH says otherwise) holds whole mails, reset and
invitation links included, and is readable by its owner only; the application log, which
`make run` shows next to the access log, only says that a mail was written there, never to
whom, about what or with which link.
"""

import os
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from flask import current_app, has_request_context, render_template, request, url_for
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends.base import BaseEmailBackend

from survey.extensions import mail
from survey.models import utcnow

_log_lock = threading.Lock()


def site_url(endpoint: str, **values) -> str:
    """An absolute link to this site: PUBLIC_URL when set (mail links must not follow a
    request's Host header), else the address the request came to."""
    path = url_for(endpoint, **values)
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        base = request.url_root if has_request_context() else "http://localhost/"
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))


def default_language() -> str:
    """The language of mails to someone whose language we do not know."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def send_mail(to: str, language: str | None, template: str, subject: Callable[[], str],
              **context) -> None:
    """Render `templates/mail/<template>.txt` and `.html` in `language` and send them to `to`
    (after this call returns; see the module's docstring)."""
    language = language if language in current_app.config["LANGUAGES"] else default_language()
    with force_locale(language):
        message = EmailMultiAlternatives(
            subject=str(subject()), to=[to],
            body=render_template(f"mail/{template}.txt", language=language, **context))
        message.attach_alternative(
            render_template(f"mail/{template}.html", language=language, **context), "text/html")
    current_app.extensions["resonanz_outbox"].put(message)


class Outbox:
    """Sends each mail in a thread of its own, with an app context; `drain` waits for them."""

    def __init__(self, app):
        self.app = app
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def put(self, message: EmailMultiAlternatives) -> None:
        """Send `message` in the background (at once, in this thread, if MAIL_IN_BACKGROUND
        is off)."""
        if not self.app.config["MAIL_IN_BACKGROUND"]:
            self._send(message)
            return
        thread = threading.Thread(target=self._send, args=(message,), name="mail", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _send(self, message: EmailMultiAlternatives) -> None:
        with self.app.app_context():
            try:
                message.send()
            except Exception as error:  # a failed mail must not end the thread silently
                # The error's text may name the recipient; its kind is enough to act on.
                self.app.logger.error("a mail could not be sent: %s", type(error).__name__)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every mail handed over so far has been sent (or has failed)."""
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout)


def mail_log_path(app) -> Path:
    """Where mails are written when no server is configured."""
    return Path(app.config.get("MAIL_LOG_PATH") or Path(app.instance_path) / "mail.log")


class LogBackend(BaseEmailBackend):
    """Flask-Mailman backend of the embedded default: each mail's recipient, subject and
    plain text go to the mail log file (mode 0600), and the application log says only that."""

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        path = mail_log_path(current_app)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _log_lock:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as log:
                for message in email_messages:
                    log.write(f"==== {utcnow().isoformat(timespec='seconds')}\n"
                              f"To: {', '.join(message.to)}\nSubject: {message.subject}\n\n"
                              f"{message.body.rstrip()}\n\n")
        current_app.logger.warning(
            "No mail server is configured (RESONANZ_MAIL_SERVER): %d mail(s) written to %s",
            len(email_messages), path)
        return len(email_messages)


def init_app(app):
    """SMTP when MAIL_SERVER is set, else the mail log; and the outbox."""
    if not app.config.get("MAIL_BACKEND"):
        app.config["MAIL_BACKEND"] = "smtp" if app.config.get("MAIL_SERVER") else LogBackend
    mail.init_app(app)
    app.extensions["resonanz_outbox"] = Outbox(app)
