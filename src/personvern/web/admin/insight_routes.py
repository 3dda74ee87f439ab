"""Pages that show, never change: consent statistics, the audit log with its integrity
check, the data map, and the demo's mail outbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from personvern.audit import chain as audit
from personvern.consent import records, statistics
from personvern.mail import FileOutbox
from personvern.requests import deadlines
from personvern.store.models import AuditEntry
from personvern.web.admin import charts
from personvern.web.admin.visit import AdminVisit, Viewer, page

router = APIRouter()
CONSENT_WEEKS = 12
AUDIT_PAGE = 50
OUTBOX_PAGE = 20
PAGE_MAX = 100_000
MAIL_NAME = re.compile(r"^[0-9T]{15,30}-[0-9a-f]{8}\.eml$")  # FileOutbox's names only
MAIL_BYTES_MAX = 1024 * 1024
PageNumber = Annotated[str, Query(alias="page", max_length=8)]


def _page_number(value: str) -> int:
    try:
        number = int(value[:8])
    except ValueError:
        return 1
    return min(max(number, 1), PAGE_MAX)


@router.get("/consent")
def consent_statistics(v: Viewer) -> Response:
    manifest = v.state.manifest
    keys = records.optional_categories(manifest)
    labels = {key: manifest.consent_categories[key].name.best(v.lang) for key in keys}
    today = deadlines.receipt_day(datetime.now(UTC), v.state.country)
    with v.state.transaction() as session:
        figures = statistics.weekly_optin(session, keys, weeks=CONSENT_WEEKS, today=today)
    chart = charts.optin_chart(figures, labels)
    weeks = [figure.week for figure in next(iter(figures.values()), [])]
    table = [(week.isoformat(), [figures[key][i] for key in keys]) for i, week in
             enumerate(weeks)]
    total = sum(f.choices for series in figures.values() for f in series)
    return page(v, "consent.html", {"chart": chart, "labels": labels, "keys": keys,
                                    "table": table, "weeks": CONSENT_WEEKS,
                                    "total": total})


@router.get("/audit")
def audit_log(v: Viewer, page_number: PageNumber = "1") -> Response:
    number = _page_number(page_number)
    with v.state.transaction() as session:
        check = audit.verify(session)
        count = int(session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0)
        entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())
                                  .offset((number - 1) * AUDIT_PAGE).limit(AUDIT_PAGE)).all()
        rows = [(e.id, audit.utc(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action,
                 e.subject or "", _detail_text(e.detail), e.hash[:12]) for e in entries]
    pages = max((count + AUDIT_PAGE - 1) // AUDIT_PAGE, 1)
    return page(v, "audit.html", {"check": check, "rows": rows, "count": count,
                                  "page_number": number, "pages": pages})


def _detail_text(detail: Any) -> str:
    if not detail:
        return ""
    text = ", ".join(f"{key}={value}" for key, value in sorted(dict(detail).items()))
    return text if len(text) <= 200 else text[:199] + "…"


@router.get("/datamap")
def data_map(v: Viewer) -> Response:
    picture = charts.data_map(v.state.manifest)
    return page(v, "datamap.html", {"map": picture})


def _outbox(v: AdminVisit) -> FileOutbox:
    outbox = v.state.outbox
    if not isinstance(outbox, FileOutbox):
        raise HTTPException(404, v._("Mail goes out through SMTP here; there is no outbox "
                                     "folder to show."))
    return outbox


def _read_mail(path: Any) -> EmailMessage:
    with path.open("rb") as stream:
        message = BytesParser(policy=policy.default).parsebytes(stream.read(MAIL_BYTES_MAX))
    assert isinstance(message, EmailMessage)
    return message


def _text_body(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        return str(body.get_content())
    except (LookupError, ValueError):
        return ""


@router.get("/outbox")
def outbox(v: Viewer, page_number: PageNumber = "1") -> Response:
    """The demo's mail, newest first: what the portal sent (codes, confirmations)."""
    folder = _outbox(v)
    number = _page_number(page_number)
    paths = list(reversed(folder.messages()))
    shown = paths[(number - 1) * OUTBOX_PAGE: number * OUTBOX_PAGE]
    mails = []
    for path in shown:
        message = _read_mail(path)
        mails.append({"name": path.name, "date": str(message.get("Date", "")),
                      "to": str(message.get("To", "")),
                      "subject": str(message.get("Subject", "")),
                      "body": _text_body(message)})
    pages = max((len(paths) + OUTBOX_PAGE - 1) // OUTBOX_PAGE, 1)
    return page(v, "outbox.html", {"mails": mails, "count": len(paths),
                                   "page_number": number, "pages": pages,
                                   "folder": str(folder.folder)})


@router.get("/outbox/{name}")
def outbox_mail(v: Viewer, name: str) -> Response:
    folder = _outbox(v)
    if not MAIL_NAME.fullmatch(name) or not (folder.folder / name).is_file():
        raise HTTPException(404, v._("There is no such mail."))
    message = _read_mail(folder.folder / name)
    return page(v, "mail.html", {"mail": {
        "name": name, "date": str(message.get("Date", "")), "to": str(message.get("To", "")),
        "from": str(message.get("From", "")), "subject": str(message.get("Subject", "")),
        "body": _text_body(message)}})
