"""The shapes of the JSON API: what it accepts (unknown fields refused) and answers.

Bounds here are the first line against hostile input: every string has a maximum length,
every list a maximum size, so nothing is parsed at length before it is refused. The
domain functions check meaning (a valid e-mail address, a known purpose) again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from personvern.requests.limits import RestrictionGround
from personvern.requests.subject import InvalidIdentityError, SubjectIdentity, subject_identity
from personvern.store.models import (
    CUSTOMER_NUMBER_MAX,
    EMAIL_MAX,
    TEXT_MAX,
    RequestKind,
    RequestStatus,
    TaskStatus,
)

BULK_MAX = 1000
# A manifest purpose key, "*" (all purposes) or an Art. 18(2) exemption ("art18:storage").
PURPOSE_PATTERN = r"^(\*|art18:[a-z_]+|[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*)$"

Text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=TEXT_MAX)]
PurposeKey = Annotated[
    str, StringConstraints(strict=True, pattern=PURPOSE_PATTERN, max_length=100)
]


class Input(BaseModel):
    """A request body: unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Identities(Input):
    """How the subject is known; at least one, normalised by the engine."""

    email: Annotated[str, StringConstraints(strict=True, max_length=EMAIL_MAX)] | None = None
    phone: Annotated[str, StringConstraints(strict=True, max_length=40)] | None = None
    customer_number: Annotated[
        str, StringConstraints(strict=True, max_length=CUSTOMER_NUMBER_MAX)
    ] | None = None


class NewRequest(Input):
    kind: RequestKind
    identities: Identities
    language: Annotated[str, StringConstraints(strict=True, max_length=8)] | None = Field(
        None, description="Language of the answer (default: the notice's first language).")
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description='Details, e.g. {"purposes": ["newsletter"]} for an objection.')


class Reason(Input):
    reason: Text


class Verification(Input):
    method: Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_]*$",
                                             max_length=64)] = Field(
        description="How the subject proved it: logged_in, email_link, order_number…")
    identity_kind: Literal["email", "phone", "customer_number"] = "email"


class TaskNote(Input):
    note: Text = Field(description="How the recipient was told (Art. 19), e.g. "
                                   "'e-mailed the DPO of Klarna, ticket 4711'.")


class Restriction(Input):
    identities: Identities
    ground: RestrictionGround = Field(description="Art. 18(1)(a)-(d).")
    purpose: PurposeKey = "*"
    note: Text | None = None
    request_id: Annotated[str, StringConstraints(strict=True, max_length=36)] | None = None


class Objection(Input):
    identities: Identities
    purpose: PurposeKey
    note: Text | None = None
    request_id: Annotated[str, StringConstraints(strict=True, max_length=36)] | None = None


class Lift(Input):
    reason: Text
    subject_informed_at: datetime | None = Field(
        None, description="When the subject was told (required for a restriction, Art. 18(3)).")
    withdrawn_by_subject: StrictBool = False


class Check(Input):
    identities: Identities
    purpose: PurposeKey


class BulkCheck(Input):
    purpose: PurposeKey
    subjects: Annotated[list[Identities], Field(min_length=1, max_length=BULK_MAX)]


# --- answers --------------------------------------------------------------------------


class RequestCreated(BaseModel):
    id: str
    kind: RequestKind
    status: RequestStatus
    due_at: date


class TimelineEvent(BaseModel):
    at: datetime
    event: str
    actor: str
    status_from: str | None = None


class RequestSummary(BaseModel):
    id: str
    kind: RequestKind
    status: RequestStatus
    language: str
    received_at: datetime
    due_at: date
    extended_due_at: date | None
    deadline: date
    paused: bool


class RequestDetail(RequestSummary):
    timeline: list[TimelineEvent]


class RequestList(BaseModel):
    requests: list[RequestSummary]


class TaskView(BaseModel):
    """An Art. 19 notification task: tell ``recipient`` (a manifest key) of the change."""

    id: int
    request_id: str
    kind: str
    recipient: str | None
    status: TaskStatus
    done_at: datetime | None
    done_by: str | None
    note: str | None


class TaskList(BaseModel):
    tasks: list[TaskView]


class LimitView(BaseModel):
    id: int
    kind: str
    purpose: str
    article: str
    absolute: bool
    created_at: datetime
    identifiers: int
    lifted_at: datetime | None


class Decision(BaseModel):
    purpose: str
    allowed: bool
    reason: str
    restricted: bool
    objected: bool
    absolute: bool
    articles: list[str]
    limits: list[int]


class BulkDecision(BaseModel):
    purpose: str
    results: list[Decision]


class Health(BaseModel):
    status: str
    database: str


def subject_of(identities: Identities, country: str) -> SubjectIdentity:
    """The checked, normalised identity (raises ``InvalidIdentityError``, no value echoed)."""
    return subject_identity(email=identities.email, phone=identities.phone,
                            customer_number=identities.customer_number, country=country)


def subjects_of(subjects: list[Identities], country: str) -> list[SubjectIdentity]:
    """Each subject of a bulk call, checked; an error names the position of the bad one."""
    checked = []
    for index, identities in enumerate(subjects):
        try:
            checked.append(subject_of(identities, country))
        except InvalidIdentityError as error:
            raise InvalidIdentityError(f"subjects[{index}]: {error}") from None
    return checked
