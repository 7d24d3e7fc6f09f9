"""A real SMTP server on loopback for tests (aiosmtpd, on a free port), and reading the mails
it received: their text and HTML parts, and the links in them."""

import email
import re
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class ReceivedMail:
    """One mail as the server received it."""

    envelope_to: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.message["To"]

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    def part(self, subtype: str) -> str:
        """The text of the text/plain ("plain") or text/html ("html") part."""
        found = self.message.get_body(preferencelist=(subtype,))
        assert found is not None and found.get_content_subtype() == subtype, (
            f"no text/{subtype} part")
        return found.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def links(self) -> list[str]:
        """The links of the plain text part, in order."""
        return LINK.findall(self.text)


class _Inbox:
    """aiosmtpd's handler: keeps every mail it is given."""

    def __init__(self):
        self.mails: list[ReceivedMail] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self.arrived:
            self.mails.append(ReceivedMail(list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class _FreePortController(Controller):
    """aiosmtpd's controller, bound to port 0: it learns its port once listening."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """A running SMTP server on 127.0.0.1 and a free port; `mails` holds what it received."""

    def __init__(self):
        self._inbox = _Inbox()
        self._controller = _FreePortController(self._inbox, hostname="127.0.0.1", port=0)

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._inbox.arrived:
            return list(self._inbox.mails)

    def config(self) -> dict:
        """The app settings that send mail to this server."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                "MAIL_DEFAULT_SENDER": "Resonanz <noreply@resonanz.test>"}

    def wait_for(self, count: int, timeout: float = 30.0) -> list[ReceivedMail]:
        """The mails once `count` have arrived (fails after `timeout`; this is not a measure)."""
        with self._inbox.arrived:
            if not self._inbox.arrived.wait_for(lambda: len(self._inbox.mails) >= count,
                                                timeout):
                raise AssertionError(f"{len(self._inbox.mails)} mails arrived, not {count}")
            return list(self._inbox.mails)

    def mails_to(self, address: str) -> list[ReceivedMail]:
        """The mails received for `address`."""
        return [mail for mail in self.mails if address in mail.envelope_to]


def sent_mails(app, smtp: SmtpServer) -> list[ReceivedMail]:
    """Every mail the app has handed over so far, once the server has them all."""
    app.extensions["resonanz_outbox"].drain()
    return smtp.mails
