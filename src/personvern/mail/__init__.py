"""Outgoing e-mail: what the engine sends (verification codes, confirmations, answers) and how.

``outbox_from_env()`` picks the transport: a real SMTP server when ``$PERSONVERN_SMTP_URL``
is set (``smtp://user:password@host:587?starttls=1`` or ``smtps://…``), otherwise a folder
of ``.eml`` files (``$PERSONVERN_OUTBOX``, default ``personvern-outbox``) that the demo's
admin console can show. Nothing here logs addresses or bodies.
"""

from personvern.mail.outbox import (
    FileOutbox,
    MailError,
    Outbox,
    SmtpOutbox,
    compose,
    outbox_from_env,
)

__all__ = ["FileOutbox", "MailError", "Outbox", "SmtpOutbox", "compose", "outbox_from_env"]
