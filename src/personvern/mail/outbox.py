"""Two transports behind one ``send``: SMTP for production and tests, a folder for the demo."""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_URL_VARIABLE = "PERSONVERN_SMTP_URL"
OUTBOX_VARIABLE = "PERSONVERN_OUTBOX"
SENDER_VARIABLE = "PERSONVERN_MAIL_FROM"
DEFAULT_OUTBOX = "personvern-outbox"
DEFAULT_SENDER = "personvern <privacy@localhost>"
SMTP_TIMEOUT = 10.0  # seconds; a hung server must not hold a request thread for ever


class MailError(RuntimeError):
    """A message could not be handed to the transport."""


class Outbox(Protocol):
    @property
    def sender(self) -> str: ...

    def send(self, message: EmailMessage) -> None: ...


def compose(sender: str, to: str, subject: str, text: str, *, html: str | None = None,
            headers: Mapping[str, str] | None = None) -> EmailMessage:
    """A message with a plain-text body (and an HTML alternative when given)."""
    if any(c in value for value in (to, subject) for c in "\r\n"):
        raise MailError("a header may not contain a line break")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


@dataclass(frozen=True)
class SmtpOutbox:
    """Delivery through an SMTP server (STARTTLS or implicit TLS when asked)."""

    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    sender: str = DEFAULT_SENDER

    @classmethod
    def from_url(cls, url: str, sender: str = DEFAULT_SENDER) -> SmtpOutbox:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailError("the SMTP URL must look like smtp://user:password@host:port")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=parts.port or (465 if implicit else 25),
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
                   implicit_tls=implicit, sender=sender)

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            # The server's own words may quote the recipient: keep only the kind of failure.
            raise MailError(f"the SMTP server {self.host}:{self.port} refused the message "
                            f"({type(error).__name__})") from None

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)


@dataclass(frozen=True)
class FileOutbox:
    """Messages written as ``.eml`` files into a folder, newest last by name."""

    folder: Path
    sender: str = DEFAULT_SENDER

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        final = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = final.with_suffix(".part")
        partial.write_bytes(bytes(message))
        partial.replace(final)  # readers never see half a message

    def messages(self) -> list[Path]:
        """The stored messages, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("*.eml"))


def outbox_from_env(environ: Mapping[str, str] | None = None) -> SmtpOutbox | FileOutbox:
    env = os.environ if environ is None else environ
    sender = env.get(SENDER_VARIABLE) or DEFAULT_SENDER
    if url := env.get(SMTP_URL_VARIABLE):
        return SmtpOutbox.from_url(url, sender)
    return FileOutbox(Path(env.get(OUTBOX_VARIABLE) or DEFAULT_OUTBOX), sender)
