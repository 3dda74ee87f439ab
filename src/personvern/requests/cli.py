"""``personvern requests``: data-subject requests from the command line.

Each command is a thin shell over :mod:`personvern.requests.lifecycle`: it parses and
checks its input, opens one transaction, calls one domain function and prints the result.
Exit codes: 0 done, 1 refused (an illegal transition, a request not found, a late
extension), 2 wrong input (nothing is written).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from personvern.store.cli import DatabaseOption, open_engine

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from personvern.manifest.model import Manifest
    from personvern.store.models import DataSubjectRequest

app = typer.Typer(help="Data-subject requests (GDPR Art. 12-22).", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)
errors = Console(stderr=True, soft_wrap=True, highlight=False)
T = TypeVar("T")
PAYLOAD_ARGUMENT_MAX = 64 * 1024


class Kind(str, Enum):
    """The rights a request can exercise (mirrors ``RequestKind``; kept here so --help
    does not load the database layer)."""

    access = "access"
    portability = "portability"
    erasure = "erasure"
    rectification = "rectification"
    restriction = "restriction"
    objection = "objection"


class Status(str, Enum):
    """Mirrors ``RequestStatus``, for the same reason as :class:`Kind`."""

    received = "received"
    awaiting_identity = "awaiting_identity"
    identity_verified = "identity_verified"
    approved = "approved"
    running = "running"
    completed = "completed"
    rejected = "rejected"


ManifestOption = Annotated[
    Path,
    typer.Option("--manifest", "-m", envvar="PERSONVERN_MANIFEST",
                 help="The shop's manifest: the controller's country and authority."),
]
ActorOption = Annotated[
    str | None, typer.Option(help="Who acts (default: cli:<login name>).", show_default=False)
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why; kept on the timeline.")]


def _usage(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]")
    raise typer.Exit(2)


def _refused(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/]", markup=True)
    raise typer.Exit(1)


def _actor(actor: str | None) -> str:
    if actor:
        if len(actor) > 200:
            _usage("--actor is longer than 200 characters")
        return actor
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _manifest(path: Path) -> Manifest:
    from personvern.manifest.command import manifest_for_command

    return manifest_for_command(path)


@contextmanager
def _session(database: str | None) -> Iterator[Session]:
    """One transaction; domain refusals become exit 1 and roll everything back."""
    from personvern.requests.lifecycle import RequestError
    from personvern.store.database import transaction

    engine = open_engine(database)
    try:
        with transaction(engine) as session:
            yield session
    except RequestError as error:
        _refused(str(error))
    finally:
        engine.dispose()


def _checked(call: Callable[[], T]) -> T:
    """Run an input check; an invalid value is a usage error (exit 2)."""
    from personvern.requests.lifecycle import InvalidRequestError
    from personvern.requests.subject import InvalidIdentityError

    try:
        return call()
    except (InvalidIdentityError, InvalidRequestError) as error:
        _usage(str(error))


def _payload(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    if len(text) > PAYLOAD_ARGUMENT_MAX:
        _usage(f"--payload is larger than {PAYLOAD_ARGUMENT_MAX} bytes")
    try:
        value = json.loads(text)
    except ValueError:
        _usage("--payload is not valid JSON")
    if not isinstance(value, dict):
        _usage("--payload must be a JSON object")
    return value


def _received_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    if len(text) > 40:
        _usage("--received-at is not an ISO date or date-time")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _usage("--received-at is not an ISO date or date-time (2026-03-01 or "
               "2026-03-01T09:30+01:00)")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC):
        _usage("--received-at is in the future")
    return moment


def _masked(value: str | None) -> str:
    """Enough of an identifier to tell requests apart in a list, not enough to read it."""
    if not value:
        return ""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{value[:3]}***{value[-2:]}" if len(value) > 6 else "***"


def _who(request: DataSubjectRequest) -> str:
    return _masked(request.email or request.phone or request.customer_number)


def _today() -> date:
    return datetime.now(UTC).date()


@app.command("create")
def create_command(
    kind: Annotated[Kind, typer.Option("--kind", "-k", help="The right exercised.")],
    manifest: ManifestOption = Path("personvern.yaml"),
    email: Annotated[str | None, typer.Option(help="The subject's e-mail address.")] = None,
    phone: Annotated[str | None, typer.Option(help="The subject's phone number.")] = None,
    customer_number: Annotated[
        str | None, typer.Option("--customer-number", help="The shop's customer number.")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language of the answer (default: the notice's first).")
    ] = None,
    payload: Annotated[
        str | None,
        typer.Option(help='JSON details, e.g. {"changes": {"address": "..."}} for a '
                          'rectification or {"purposes": ["marketing"]} for an objection.'),
    ] = None,
    received_at: Annotated[
        str | None,
        typer.Option("--received-at", help="When it arrived, if not now (ISO date/time)."),
    ] = None,
    database: DatabaseOption = None,
    actor: ActorOption = None,
) -> None:
    """Register a request that has arrived; prints its id and deadline."""
    from personvern.requests import lifecycle
    from personvern.requests.deadlines import supported
    from personvern.requests.subject import normalise_language, subject_identity
    from personvern.store.models import RequestKind

    loaded = _manifest(manifest)
    country = loaded.organization.country
    if not supported(country):
        _usage(f"no public-holiday calendar for the manifest's country {country}")
    identity = _checked(lambda: subject_identity(
        email=email, phone=phone, customer_number=customer_number, country=country))
    answer_language = _checked(
        lambda: normalise_language(language or loaded.organization.languages[0]))
    details, arrived = _payload(payload), _received_at(received_at)
    who = _actor(actor)
    with _session(database) as session:
        request = _checked(lambda: lifecycle.create_request(
            session, kind=RequestKind(kind.value), identity=identity,
            language=answer_language, country=country, received_at=arrived,
            payload=details, actor=who))
    console.print(f"{request.id}  {request.kind.value}  due {request.due_at}")


def _transition(
    database: str | None, actor: str | None, request_id: str,
    step: Callable[..., DataSubjectRequest],
) -> None:
    """Resolve the id, run one lifecycle step (``step(session, id, actor=…)``) in one
    transaction, print the outcome."""
    from personvern.requests.lifecycle import resolve_request_id

    who = _actor(actor)
    with _session(database) as session:
        request = step(session, resolve_request_id(session, request_id), actor=who)
    console.print(f"{request.id}  {request.status.value}  due {request.deadline}")


RequestId = Annotated[
    str, typer.Argument(help="The request's id, or its first 8 characters or more.")
]


@app.command("verify")
def verify_command(
    request_id: RequestId,
    method: Annotated[str, typer.Option(help="How: email_link, order_number, in_person…")],
    identity_kind: Annotated[
        str, typer.Option("--identity", help="email, phone or customer_number.")
    ] = "email",
    database: DatabaseOption = None,
    actor: ActorOption = None,
) -> None:
    """Record that the subject proved who they are (Art. 12(6))."""
    from personvern.requests import lifecycle

    if identity_kind not in lifecycle.IDENTITY_KINDS:
        _usage("--identity must be email, phone or customer_number")
    if len(method) > 64:
        _usage("--method is longer than 64 characters")
    _transition(database, actor, request_id, partial(
        lifecycle.verify_identity, method=method, identity_kind=identity_kind))


@app.command("ask-identity")
def ask_identity_command(
    request_id: RequestId, reason: ReasonOption,
    database: DatabaseOption = None, actor: ActorOption = None,
) -> None:
    """Ask for proof of identity; the deadline clock stops until it comes (Art. 12(6))."""
    from personvern.requests import lifecycle

    _transition(database, actor, request_id, partial(
        lifecycle.request_identity, reason=reason))


@app.command("approve")
def approve_command(
    request_id: RequestId, database: DatabaseOption = None, actor: ActorOption = None,
    run: Annotated[
        bool, typer.Option("--run/--no-run",
                           help="Queue its run for `personvern worker`; --no-run: run it "
                                "later with `requests run`.")
    ] = True,
) -> None:
    """Decide to carry out a request whose subject is verified, and queue its run."""
    from personvern.jobs.requests import approve_and_schedule
    from personvern.requests.lifecycle import resolve_request_id

    who = _actor(actor)
    with _session(database) as session:
        request, queued = approve_and_schedule(
            session, resolve_request_id(session, request_id), actor=who, run=run)
    console.print(f"{request.id}  {request.status.value}  due {request.deadline}")
    if queued is not None:
        where = f"job {queued.job}" if queued.job is not None else "already queued"
        console.print(f"run queued for `personvern worker` ({queued.queue}: {where})")


@app.command("start")
def start_command(
    request_id: RequestId, database: DatabaseOption = None, actor: ActorOption = None,
) -> None:
    """Mark an approved request as being carried out."""
    from personvern.requests import lifecycle

    _transition(database, actor, request_id, lifecycle.start)


@app.command("complete")
def complete_command(
    request_id: RequestId, database: DatabaseOption = None, actor: ActorOption = None,
) -> None:
    """Mark a request as answered."""
    from personvern.requests import lifecycle

    _transition(database, actor, request_id, lifecycle.complete)


@app.command("reject")
def reject_command(
    request_id: RequestId, reason: ReasonOption,
    manifest: ManifestOption = Path("personvern.yaml"),
    database: DatabaseOption = None, actor: ActorOption = None,
) -> None:
    """Decline a request, with reasons and the right to complain (Art. 12(4))."""
    from personvern.requests import lifecycle

    authority = _manifest(manifest).organization.supervisory_authority
    if authority is None:
        _usage("the manifest names no supervisory authority (organization."
               "supervisory_authority); Art. 12(4) requires it in a rejection")
    _checked(lambda: lifecycle.required_text(reason, "the reason for rejecting"))
    _transition(database, actor, request_id, partial(
        lifecycle.reject, reason=reason, authority=authority))


@app.command("extend")
def extend_command(
    request_id: RequestId, reason: ReasonOption,
    database: DatabaseOption = None, actor: ActorOption = None,
) -> None:
    """Extend the deadline to three months from receipt (Art. 12(3), first month only)."""
    from personvern.requests import lifecycle

    _checked(lambda: lifecycle.required_text(reason, "the reason for the extension"))
    _transition(database, actor, request_id, partial(
        lifecycle.extend, reason=reason))


@app.command("list")
def list_command(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue requests.")] = False,
    due_within: Annotated[
        int | None,
        typer.Option("--due-within", min=0, max=3660, help="Only those due within N days."),
    ] = None,
    status: Annotated[
        Status | None, typer.Option(help="Only requests in this state.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    database: DatabaseOption = None,
) -> None:
    """Requests by deadline, soonest first (identifiers masked)."""
    from personvern.requests import lifecycle
    from personvern.store.models import RequestStatus

    today = _today()
    with _session(database) as session:
        found = lifecycle.list_requests(
            session, today=today, overdue=overdue, due_within=due_within, limit=limit,
            status=RequestStatus(status.value) if status else None)
    title = "overdue requests" if overdue else "requests"
    table = Table(title=f"{title} ({len(found)}) as of {today}", box=box.SIMPLE_HEAD,
                  caption="* extended (Art. 12(3)); left: days until the deadline")
    for column in ("id", "kind", "status", "subject", "due", "left"):
        table.add_column(column, no_wrap=column in ("id", "due", "left"),
                         justify="right" if column == "left" else "left")
    for request in found:
        table.add_row(*_row(request, today), style=_style(request, today))
    console.print(table)


def _left(request: DataSubjectRequest, today: date) -> str:
    from personvern.requests import lifecycle
    from personvern.requests.deadlines import days_left

    if request.status not in lifecycle.OPEN:
        return "-"
    return "paused" if request.paused_since else str(days_left(request.deadline, today))


def _style(request: DataSubjectRequest, today: date) -> str | None:
    left = _left(request, today)
    return "red" if left.startswith("-") and left != "-" else None


def _row(request: DataSubjectRequest, today: date) -> tuple[str, ...]:
    due = f"{request.deadline}{'*' if request.extended_due_at else ''}"
    return (request.id[:8], request.kind.value, request.status.value, _who(request), due,
            _left(request, today))


def _details(detail: dict[str, Any]) -> str:
    """One ``key: value`` per line; the Art. 12(4) notice is printed in full below."""
    return "\n".join(
        f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in detail.items() if key != "notice"
    )


@app.command("show")
def show_command(request_id: RequestId, database: DatabaseOption = None) -> None:
    """A request with its identifiers, deadlines and timeline."""
    from personvern.audit.chain import utc
    from personvern.requests import lifecycle

    with _session(database) as session:
        request = lifecycle.get_request(
            session, lifecycle.resolve_request_id(session, request_id))
        events, tasks = list(request.events), list(request.tasks)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = {
        "id": request.id, "kind": request.kind.value, "status": request.status.value,
        "e-mail": request.email, "phone": request.phone,
        "customer number": request.customer_number, "language": request.language,
        "received": f"{request.received_on} ({request.controller_country})",
        "due": str(request.due_at), "extended to": request.extended_due_at and
        f"{request.extended_due_at}: {request.extension_reason}",
        "paused": request.paused_since and f"since {request.paused_since}",
        "paused days": str(request.paused_days) if request.paused_days else None,
        "rejected because": request.rejection_reason,
        "payload": json.dumps(request.payload, ensure_ascii=False) if request.payload else None,
    }
    for label, value in rows.items():
        if value:
            facts.add_row(label, str(value))
    console.print(facts)
    timeline = Table(title="timeline", box=box.SIMPLE_HEAD)
    for column in ("at (UTC)", "event", "actor", "detail"):
        timeline.add_column(column, overflow="fold", no_wrap=column == "at (UTC)")
    for event in events:
        timeline.add_row(utc(event.at).strftime("%Y-%m-%d %H:%M"), event.kind, event.actor,
                         _details(event.detail))
    console.print(timeline)
    notices = [event.detail for event in events if event.kind == "rejected"]
    if notices:
        console.print("\n[bold]Answer to the subject (Art. 12(4)):[/]")
        console.print(f"{notices[-1].get('reason', '')}\n{notices[-1].get('notice', '')}",
                      markup=False)
    for task in tasks:
        console.print(f"task {task.id}: {task.kind} {task.recipient or ''} — {task.status.value}")


# --- access and portability -----------------------------------------------------------
# Art. 15 and 20: ``run`` answers an approved request with an encrypted package and a
# download token; ``export`` opens the package with its token. Neither prints a value
# from the shop's rows: only counts, the package id and the token the subject is sent.


def _loaded_manifest(path: Path) -> Any:
    """The manifest with its taxonomy (the access report names categories with it)."""
    from personvern.manifest.errors import ManifestError
    from personvern.manifest.load import load_manifest

    if not path.exists():
        _usage(f"no manifest at {path}; give --manifest PATH or set $PERSONVERN_MANIFEST")
    try:
        return load_manifest(path)
    except ManifestError as error:
        for problem in error.problems:
            errors.print(str(problem), markup=False)
        _usage(f"the manifest {path} does not load")


@contextmanager
def _plain_session(database: str | None) -> Iterator[Session]:
    """A session whose commits the domain function makes itself (``run_access`` commits
    twice: running, then completed with its package); every failure is exit 1."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session as OrmSession

    from personvern.datastores.connect import DatastoreError
    from personvern.keys import SecretError
    from personvern.requests.lifecycle import RequestError

    engine = open_engine(database)
    try:
        with OrmSession(engine, expire_on_commit=False) as session:
            yield session
    except (RequestError, DatastoreError, SecretError) as error:
        _refused(str(error))
    except SQLAlchemyError as error:
        # The driver's message may quote rows or identities: name the kind of failure only.
        _refused(f"a database error stopped the work ({type(error).__name__}); "
                 "nothing was completed, run it again")
    finally:
        engine.dispose()


@app.command("run")
def run_command(
    request_id: RequestId,
    manifest: ManifestOption = Path("personvern.yaml"),
    ttl_days: Annotated[
        int, typer.Option("--ttl-days", min=1, max=30, help="Days the download link works.")
    ] = 7,
    max_uses: Annotated[
        int, typer.Option("--max-uses", min=1, max=20, help="Downloads the link allows.")
    ] = 3,
    database: DatabaseOption = None,
    actor: ActorOption = None,
) -> None:
    """Carry out an approved request here and now, whatever its kind: access and
    portability (package, encrypt, issue a link), erasure, rectification, restriction and
    objection (record the payload's limits)."""
    from personvern.requests import lifecycle
    from personvern.store.models import RequestKind

    loaded = _loaded_manifest(manifest)
    with _session(database) as session:
        full_id = lifecycle.resolve_request_id(session, request_id)
        kind = lifecycle.get_request(session, full_id).kind
    if kind in (RequestKind.access, RequestKind.portability):
        _answer_access(full_id, loaded, ttl_days, max_uses, database, actor)
    elif kind is RequestKind.erasure:
        _erase(full_id, loaded.manifest, database, actor)
    elif kind is RequestKind.rectification:
        _rectify(full_id, loaded.manifest, database, actor)
    else:
        _record_limits(full_id, loaded.manifest, database, actor)


def _record_limits(full_id: str, loaded: Manifest, database: str | None,
                   actor: str | None) -> None:
    from personvern.requests import limit_requests

    who = _actor(actor)
    with _resumable_session(database) as session:
        outcome = limit_requests.run_limit_request(session, full_id, loaded, actor=who)
    console.print(f"limits recorded: {', '.join(map(str, outcome.limits))}")
    if outcome.recipients:
        console.print("Art. 19 tasks: " + ", ".join(outcome.recipients))
    console.print(f"{outcome.request_id}  {outcome.status.value}")


def _answer_access(full_id: str, loaded: Any, ttl_days: int, max_uses: int,
                   database: str | None, actor: str | None) -> None:
    from datetime import timedelta

    from personvern.requests import access

    who = _actor(actor)
    with _plain_session(database) as session:
        package = access.run_access(session, full_id, loaded, actor=who)
        token = access.issue_download_token(
            session, package.id, timedelta(days=ttl_days), max_uses=max_uses)
        expires = access.token_expiry(session, token)
        session.commit()
    rows: dict[str, int] = package.summary.get("rows", {})
    table = Table(title=f"package {package.id} ({package.size_bytes} bytes)",
                  box=box.SIMPLE_HEAD)
    table.add_column("collection")
    table.add_column("rows", justify="right")
    for name, count in sorted(rows.items()):
        table.add_row(name, str(count))
    console.print(table)
    console.print(f"{full_id}  completed")
    _print_token(token, expires, max_uses)


def _print_token(token: str, expires: datetime | None, max_uses: int) -> None:
    console.print(f"token: {token}")
    console.print(f"expires: {expires.isoformat() if expires else '-'}  uses: {max_uses}")


@app.command("link")
def link_command(
    request_id: RequestId,
    ttl_days: Annotated[
        int, typer.Option("--ttl-days", min=1, max=30, help="Days the download link works.")
    ] = 7,
    max_uses: Annotated[
        int, typer.Option("--max-uses", min=1, max=20, help="Downloads the link allows.")
    ] = 3,
    database: DatabaseOption = None,
) -> None:
    """A new download token for the package of an answered access or portability request
    (e.g. one a worker ran); never longer than the package lives."""
    from datetime import timedelta

    import sqlalchemy as sa

    from personvern.requests import access, lifecycle
    from personvern.store.models import AccessPackage

    with _plain_session(database) as session:
        full_id = lifecycle.resolve_request_id(session, request_id)
        lifecycle.get_request(session, full_id)
        package_id = session.scalar(sa.select(AccessPackage.id).where(
            AccessPackage.request_id == full_id).order_by(AccessPackage.created_at.desc())
            .limit(1))
        if package_id is None:
            _refused(f"request {full_id} has no package: it was not run yet, or its package "
                     "expired and was deleted (a new request makes a new one)")
        try:
            token = access.issue_download_token(
                session, package_id, timedelta(days=ttl_days), max_uses=max_uses)
        except access.AccessError as error:
            _refused(str(error))
        expires = access.token_expiry(session, token)
        if expires is not None and expires <= datetime.now(UTC):
            _refused(f"the package of request {full_id} has expired; nothing was issued")
        session.commit()
    _print_token(token, expires, max_uses)


@app.command("export")
def export_command(
    request_id: RequestId,
    token: Annotated[
        str, typer.Option("--token", envvar="PERSONVERN_DOWNLOAD_TOKEN",
                          help="The download token `requests run` printed.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the ZIP.")],
    database: DatabaseOption = None,
) -> None:
    """Write the decrypted package of a request to a ZIP file (counts one use of the token)."""
    import hashlib

    from personvern.requests import access, lifecycle

    if output.exists() and output.is_dir():
        _usage(f"{output} is a folder; give a file name such as answer.zip")
    if not output.parent.exists():
        _usage(f"the folder {output.parent} does not exist")
    with _plain_session(database) as session:
        full_id = lifecycle.resolve_request_id(session, request_id)
        content = access.open_download(session, token, request_id=full_id)
        session.commit()
    try:
        output.write_bytes(content)
    except OSError as error:
        _refused(f"cannot write {output}: {error.strerror}")
    console.print(f"wrote {output} ({len(content)} bytes, sha256 "
                  f"{hashlib.sha256(content).hexdigest()})")


# --- erasure and rectification ----------------------------------------------------------
# Art. 17 and 16: ``erase`` and ``rectify`` carry out an approved request in the shop's
# datastores, committing datastore by datastore so that running the command again resumes
# a run that failed. Output: counts per datastore, the Art. 19 tasks, and (for erasure) the
# answer to the subject, which names laws, fields and dates, never a stored value.


@contextmanager
def _resumable_session(database: str | None) -> Iterator[Session]:
    """A session the domain function commits itself, step by step; failures are exit 1
    (what was committed stays done, and running the command again goes on from there)."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session as OrmSession

    from personvern.datastores.connect import DatastoreError
    from personvern.keys import SecretError
    from personvern.requests.lifecycle import RequestError

    engine = open_engine(database)
    try:
        with OrmSession(engine, expire_on_commit=False) as session:
            yield session
    except (RequestError, DatastoreError, SecretError) as error:
        _refused(str(error))
    except SQLAlchemyError as error:
        # The driver's message may quote rows or identities: name the kind of failure only.
        _refused(f"a database error stopped the work ({type(error).__name__}); "
                 "what was done stays done: run the command again to go on")
    finally:
        engine.dispose()


def _counts_table(title: str, rows: list[tuple[str, ...]], columns: tuple[str, ...]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index else "left")
    for row in rows:
        table.add_row(*row)
    return table


@app.command("erase")
def erase_command(
    request_id: RequestId,
    manifest: ManifestOption = Path("personvern.yaml"),
    database: DatabaseOption = None,
    actor: ActorOption = None,
) -> None:
    """Carry out an approved erasure request (Art. 17); run again to resume or complete."""
    from personvern.requests import lifecycle

    loaded = _manifest(manifest)
    with _session(database) as session:
        full_id = lifecycle.resolve_request_id(session, request_id)
    _erase(full_id, loaded, database, actor)


def _erase(full_id: str, loaded: Manifest, database: str | None, actor: str | None) -> None:
    from personvern.requests import erasure

    who = _actor(actor)
    with _resumable_session(database) as session:
        outcome = erasure.run_erasure(session, full_id, loaded, actor=who)
    rows: list[tuple[str, ...]] = [
        (name, str(sum(counts.get("deleted", {}).values())),
         str(sum(counts.get("masked", {}).values())), str(sum(counts.get("held", {}).values())))
        for name, counts in sorted(outcome.datastores.items())
    ]
    console.print(_counts_table(f"erasure {outcome.request_id}", rows,
                                ("datastore", "deleted", "masked", "kept under a hold")))
    for kept in outcome.kept:
        console.print(f"kept: {kept.datastore}.{kept.collection} {', '.join(kept.fields)} "
                      f"({kept.rows} rows) under {kept.law} until {kept.until}")
    if outcome.recipients:
        console.print("Art. 19 tasks: " + ", ".join(outcome.recipients))
    console.print(f"{outcome.request_id}  {outcome.status.value}")
    if outcome.answer:
        console.print("\n[bold]Answer to the subject:[/]")
        console.print(outcome.answer, markup=False)


@app.command("rectify")
def rectify_command(
    request_id: RequestId,
    manifest: ManifestOption = Path("personvern.yaml"),
    database: DatabaseOption = None,
    actor: ActorOption = None,
) -> None:
    """Apply an approved rectification request (Art. 16): the payload's ``changes``."""
    from personvern.requests import lifecycle

    loaded = _manifest(manifest)
    with _session(database) as session:
        full_id = lifecycle.resolve_request_id(session, request_id)
    _rectify(full_id, loaded, database, actor)


def _rectify(full_id: str, loaded: Manifest, database: str | None, actor: str | None
             ) -> None:
    from personvern.requests import rectification

    who = _actor(actor)
    with _resumable_session(database) as session:
        outcome = rectification.run_rectification(session, full_id, loaded, actor=who)
    rows: list[tuple[str, ...]] = [(f"{store}.{collection}", str(count))
            for store, per_collection in sorted(outcome.rows.items())
            for collection, count in sorted(per_collection.items())]
    console.print(_counts_table(f"rectification {outcome.request_id}", rows,
                                ("collection", "rows changed")))
    if outcome.recipients:
        console.print("Art. 19 tasks: " + ", ".join(outcome.recipients))
    console.print(f"{outcome.request_id}  {outcome.status.value}")


# --- Art. 19 tasks ------------------------------------------------------------------------
# After an erasure, rectification or restriction each recipient of the data is told
# (Art. 19). ``tasks`` lists what is still to do; ``task-done`` records how it was done.


@app.command("tasks")
def tasks_command(
    request_id: Annotated[
        str | None, typer.Argument(help="Only this request's tasks (id or its first 8+).",
                                   show_default=False)
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only tasks still to do.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    database: DatabaseOption = None,
) -> None:
    """Art. 19 notification tasks: which recipient to tell of which request."""
    from personvern.audit.chain import utc
    from personvern.requests import lifecycle, tasks

    with _session(database) as session:
        full_id = lifecycle.resolve_request_id(session, request_id) if request_id else None
        found = tasks.list_tasks(session, request_id=full_id, open_only=open_only,
                                 limit=limit)
    title = ("open tasks" if open_only else "tasks") + (f" of {full_id}" if full_id else "")
    table = Table(title=f"{title} ({len(found)})", box=box.SIMPLE_HEAD)
    for column in ("task", "request", "kind", "recipient", "status", "done (UTC)", "by",
                   "note"):
        table.add_column(column, overflow="fold", justify="right" if column == "task"
                         else "left")
    for view in found:
        table.add_row(str(view.id), view.request_id[:8], view.request_kind.value,
                      view.recipient or "", view.status.value,
                      utc(view.done_at).strftime("%Y-%m-%d %H:%M") if view.done_at else "",
                      view.done_by or "", view.note or "")
    console.print(table)


@app.command("task-done")
def task_done_command(
    task_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The task's number.")],
    note: Annotated[str, typer.Option("--note", help="How the recipient was told.")],
    database: DatabaseOption = None,
    actor: ActorOption = None,
) -> None:
    """Record that a recipient was told (Art. 19), and how; the last task of a running
    erasure, rectification or restriction completes it."""
    from personvern.requests import lifecycle, tasks

    _checked(lambda: lifecycle.required_text(note, "the note"))
    who = _actor(actor)
    with _session(database) as session:
        view = tasks.mark_done(session, task_id, note=note, actor=who)
        status = lifecycle.get_request(session, view.request_id).status
    console.print(f"task {view.id}  done  ({view.recipient or view.kind})")
    console.print(f"{view.request_id}  {status.value}")


# --- expired packages ---------------------------------------------------------------------


@app.command("purge-packages")
def purge_packages_command(database: DatabaseOption = None) -> None:
    """Delete access packages and download links past their lifetime (Art. 5(1)(e)); the
    worker does this every hour."""
    from personvern.requests.expiry import purge_all

    with _plain_session(database) as session:
        purged = purge_all(session, actor=_actor(None))
    console.print(f"purged {purged.packages} package(s) ({purged.bytes} bytes) and "
                  f"{purged.tokens} download token(s)")
