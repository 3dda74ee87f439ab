"""The console's pages and decisions against the demo shop: the queue by deadline with
overdue and due-soon marked, approve → run → completed, reject with a reason in the
subject's language, extend, Art. 19 tasks, the data preview, consent statistics, the audit
log with its check, the data map, the outbox and user management. Hostile input gets a
4xx and writes nothing; every action is in the audit log under the staff member's name."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from admin_console import Console, add_user, row_counts, shop_customer, verified_request

from personvern.audit import chain as audit
from personvern.consent import records, statistics
from personvern.mail import FileOutbox, compose
from personvern.requests import lifecycle
from personvern.store.database import transaction
from personvern.store.models import (
    AccessPackage,
    AuditEntry,
    RequestKind,
    RequestStatus,
    StaffUser,
)


@pytest.fixture
def officer(console: Console) -> Console:
    add_user(console.store, "kari", "privacy_officer")
    return console.logged_in_as("kari")


def _request(console: Console, request_id: str) -> tuple[RequestStatus, str | None]:
    with transaction(console.store) as session:
        request = lifecycle.get_request(session, request_id)
        return request.status, request.rejection_reason


def _audit(console: Console, action: str) -> list[AuditEntry]:
    with transaction(console.store) as session:
        entries = list(session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == action).order_by(AuditEntry.id)))
        session.expunge_all()
        return entries


def test_the_queue_is_sorted_by_deadline_with_badges(officer: Console) -> None:
    email = shop_customer(officer.shop_url)
    now = datetime.now(UTC)
    late = verified_request(officer.store, email, received_at=now - timedelta(days=45))
    soon = verified_request(officer.store, email, RequestKind.erasure,
                            received_at=now - timedelta(days=27))
    fresh = verified_request(officer.store, email, received_at=now)
    page = officer.client.get("/admin")
    assert page.status_code == 200
    order = [m.group(1) for m in re.finditer(r'href="/admin/requests/([0-9a-f-]{36})"',
                                             page.text)]
    assert order == [late, soon, fresh]
    rows = page.text.split("<tbody>")[1]
    assert rows.index("badge overdue\">Overdue") < rows.index("badge soon\">Due soon") \
        < rows.index("badge ok\">On time")
    assert "days late" in rows and "days left" in rows
    only_erasure = officer.client.get("/admin/requests?kind=erasure")
    assert soon in only_erasure.text and late not in only_erasure.text
    nothing = officer.client.get("/admin/requests?state=completed&kind=<script>")
    assert "No request matches the filter." in nothing.text and "<script>" not in nothing.text
    norwegian = officer.client.get("/admin?lang=nb")
    assert "Forfalt" in norwegian.text and '<html lang="nb">' in norwegian.text


def test_an_officer_approves_runs_and_the_answer_is_made(officer: Console) -> None:
    request_id = verified_request(officer.store, shop_customer(officer.shop_url))
    page = officer.client.get(f"/admin/requests/{request_id}")
    assert 'action="/admin/requests/' + request_id + '/approve"' in page.text
    approved = officer.post(f"/admin/requests/{request_id}/approve")
    assert approved.status_code == 303
    assert approved.headers["location"].endswith("?done=queued")  # the worker's job
    assert _request(officer, request_id)[0] is RequestStatus.approved
    ran = officer.post(f"/admin/requests/{request_id}/run")
    assert ran.status_code == 303, ran.text
    assert _request(officer, request_id)[0] is RequestStatus.completed
    with transaction(officer.store) as session:
        package = session.scalars(sa.select(AccessPackage)).one()
        assert package.summary["rows"]["shop.orders"] >= 1
    shown = officer.client.get(ran.headers["location"])
    assert "The request was carried out." in shown.text and "Package made" in shown.text
    assert [e.actor for e in _audit(officer, "request.approved")] == ["staff:kari"]
    assert [e.actor for e in _audit(officer, "request.package_created")] == ["staff:kari"]
    again = officer.post(f"/admin/requests/{request_id}/approve")
    assert again.status_code == 409 and "completed" in again.text


def test_a_rejection_tells_the_reason_in_the_subjects_language(officer: Console) -> None:
    request_id = verified_request(officer.store, shop_customer(officer.shop_url),
                                  language="sv")
    page = officer.client.get(f"/admin/requests/{request_id}")
    assert 'lang="sv"' in page.text and "artikel 12.5 b i GDPR" in page.text
    answer = officer.post(f"/admin/requests/{request_id}/reject",
                          {"ground": "excessive", "words": "Du fick svar den 3 mars."})
    assert answer.status_code == 303
    status, reason = _request(officer, request_id)
    assert status is RequestStatus.rejected
    assert reason is not None and reason.startswith("Begäran är uppenbart ogrundad")
    assert reason.endswith("Du fick svar den 3 mars.")
    timeline = officer.client.get(f"/admin/requests/{request_id}").text
    assert "rätt att lämna in klagomål till tillsynsmyndigheten" in timeline
    assert [e.actor for e in _audit(officer, "request.rejected")] == ["staff:kari"]


def test_an_extension_gives_the_new_deadline(officer: Console) -> None:
    request_id = verified_request(officer.store, shop_customer(officer.shop_url))
    page = officer.client.get(f"/admin/requests/{request_id}")
    assert "GDPR art. 12 nr. 3" in page.text  # the reason prefilled in Norwegian
    answer = officer.post(f"/admin/requests/{request_id}/extend",
                          {"reason": "Mange forespørsler denne uken."})
    assert answer.status_code == 303
    with transaction(officer.store) as session:
        request = lifecycle.get_request(session, request_id)
        assert request.extended_due_at is not None
        assert request.extension_reason == "Mange forespørsler denne uken."
    twice = officer.post(f"/admin/requests/{request_id}/extend", {"reason": "Again"})
    assert twice.status_code == 422 and "one extension" in twice.text


@pytest.mark.parametrize(("path", "data"), [
    ("reject", {"ground": "nonsense"}),
    ("reject", {"ground": "own", "words": "   "}),
    ("reject", {"ground": "own", "words": "x" * 2001}),
    ("extend", {"reason": ""}),
    ("extend", {"reason": "x" * 2001}),
    ("extend", {}),
])
def test_hostile_decision_forms_write_nothing(officer: Console, path: str,
                                              data: dict[str, str]) -> None:
    request_id = verified_request(officer.store, shop_customer(officer.shop_url))
    before = row_counts(officer.store)
    answer = officer.post(f"/admin/requests/{request_id}/{path}", data)
    assert 400 <= answer.status_code < 500, answer.status_code
    assert row_counts(officer.store) == before
    assert _request(officer, request_id)[0] is RequestStatus.identity_verified


def test_oversized_forms_and_unknown_ids_are_refused(officer: Console) -> None:
    before = row_counts(officer.store)
    request_id = "00000000-0000-0000-0000-000000000000"
    big = officer.post(f"/admin/requests/{request_id}/reject", {"words": "x" * 70_000})
    assert big.status_code == 413
    for path in (f"/admin/requests/{request_id}/approve", "/admin/requests/x%27--/run",
                 "/admin/tasks/99999999999999/done", "/admin/tasks/abc/done",
                 "/admin/users/nobody/disable"):
        answer = officer.post(path, {"note": "x"})
        assert answer.status_code in (403, 404), (path, answer.status_code)
    assert officer.client.get(f"/admin/requests/{request_id}").status_code == 404
    assert officer.client.get("/admin/outbox/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert row_counts(officer.store) == before


def test_art19_tasks_are_marked_done_and_complete_the_erasure(officer: Console) -> None:
    request_id = verified_request(officer.store, shop_customer(officer.shop_url),
                                  RequestKind.erasure)
    assert officer.post(f"/admin/requests/{request_id}/approve").status_code == 303
    assert officer.post(f"/admin/requests/{request_id}/run").status_code == 303
    page = officer.client.get(f"/admin/requests/{request_id}").text
    task_ids = re.findall(r'action="/admin/tasks/(\d+)/done"', page)
    assert task_ids, "the erasure plans one task per recipient"
    assert _request(officer, request_id)[0] is RequestStatus.running
    refused = officer.post(f"/admin/tasks/{task_ids[0]}/done", {"note": ""})
    assert refused.status_code == 422
    for task_id in task_ids:
        done = officer.post(f"/admin/tasks/{task_id}/done", {"note": "E-mailed their DPO"})
        assert done.status_code == 303
    assert _request(officer, request_id)[0] is RequestStatus.completed
    again = officer.post(f"/admin/tasks/{task_ids[0]}/done", {"note": "twice"})
    assert again.status_code == 422 and "already done" in again.text
    assert len(_audit(officer, "request.task_done")) == len(task_ids)


def test_the_preview_shows_the_data_found_and_is_audited(officer: Console) -> None:
    email = shop_customer(officer.shop_url)
    request_id = verified_request(officer.store, email)
    page = officer.client.get(f"/admin/requests/{request_id}/preview")
    assert page.status_code == 200
    assert "shop.customers" in page.text and "shop.orders" in page.text
    assert email in page.text
    assert "$2b$" not in page.text and "pbkdf2" not in page.text  # credentials withheld
    (entry,) = _audit(officer, "request.previewed")
    assert entry.actor == "staff:kari" and entry.subject == request_id
    assert entry.detail["rows"]["shop.orders"] >= 1
    with transaction(officer.store) as session:
        lifecycle.reject(session, request_id, reason="r", authority=officer.client.app.state  # type: ignore[attr-defined]
                         .personvern.manifest.organization.supervisory_authority)
    assert officer.client.get(f"/admin/requests/{request_id}/preview").status_code == 409


def test_consent_statistics_per_week(officer: Console) -> None:
    manifest = officer.client.app.state.personvern.manifest  # type: ignore[attr-defined]
    today = datetime.now(UTC)
    with transaction(officer.store) as session:
        for number, (weeks_ago, marketing) in enumerate(
                [(0, True), (0, True), (0, False), (0, True), (2, False), (2, True)]):
            records.record(session, manifest, records.visitor(f"admin-test-visitor-{number:06d}"),
                           records.validate_choices(manifest, {"marketing": marketing,
                                                               "performance": True}),
                           source=records.ConsentSource.banner, language="nb",
                           now=today - timedelta(weeks=weeks_ago))
    with transaction(officer.store) as session:
        figures = statistics.weekly_optin(session, ["marketing", "performance", "functional"],
                                      weeks=12, today=today.date())
    this_week, two_ago = figures["marketing"][-1], figures["marketing"][-3]
    assert (this_week.choices, this_week.granted) == (4, 3)
    assert (two_ago.choices, two_ago.granted) == (2, 1)
    assert figures["performance"][-1].rate == 1.0
    assert figures["functional"][-1].rate is None  # no choice: no invented zero
    assert figures["marketing"][-1].week == statistics.week_start(today.date())
    page = officer.client.get("/admin/consent")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text
    assert "75 % <span class=\"muted\">(3/4)</span>" in page.text
    assert "50 % <span class=\"muted\">(1/2)</span>" in page.text


def test_weeks_start_on_monday() -> None:
    assert statistics.week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert statistics.week_start(date(2026, 11, 23)) == date(2026, 11, 23)


def test_the_audit_log_page_shows_the_chain_check(officer: Console) -> None:
    page = officer.client.get("/admin/audit")
    assert "Intact" in page.text and "staff.login" in page.text
    with officer.store.begin() as connection:
        connection.execute(sa.text("UPDATE audit_entries SET actor = 'mallory' WHERE id = 1"))
    broken = officer.client.get("/admin/audit")
    assert "Broken" in broken.text and "entry 1" in broken.text
    assert officer.client.get("/admin/audit?page=99999").status_code == 200  # past the end
    assert officer.client.get("/admin/audit?page=abc").status_code == 200  # the first
    assert officer.client.get("/admin/audit?page=" + "9" * 50).status_code == 422


def test_the_data_map_marks_third_country_transfers(officer: Console) -> None:
    page = officer.client.get("/admin/datamap")
    assert page.status_code == 200
    flows = page.text.split("<tbody>")[1]
    mailchimp = flows[flows.index("Mailchimp"):].split("</tr>")[0]
    assert "badge overdue\">Yes" in mailchimp and "US" in mailchimp and "dpf" in mailchimp
    klarna = flows[flows.index("Klarna"):].split("</tr>")[0]
    assert "Yes" not in klarna and "SE" in klarna
    assert 'class="edge third"' in page.text and "stroke-dasharray" in page.text
    assert "third country (DPF)" in page.text  # in words, not only in red


def test_the_outbox_shows_mail_newest_first(officer: Console) -> None:
    outbox: FileOutbox = officer.client.app.state.personvern.outbox  # type: ignore[attr-defined]
    for subject in ("First", "Second <b>"):
        outbox.send(compose("shop <shop@example.no>", "guest@example.no", subject,
                            f"Your code: 123456 ({subject})"))
    page = officer.client.get("/admin/outbox").text
    assert page.index("Second &lt;b&gt;") < page.index("First")
    name = outbox.messages()[0].name
    one = officer.client.get(f"/admin/outbox/{name}")
    assert one.status_code == 200 and "Your code: 123456 (First)" in one.text


def test_admins_manage_users_and_officers_cannot(officer: Console) -> None:
    add_user(officer.store, "ola", "admin")
    assert officer.post("/admin/users", {"username": "per", "role": "admin"}).status_code == 403
    officer.logged_in_as("ola")
    made = officer.post("/admin/users", {"username": "per", "role": "read_only"})
    assert made.status_code == 200
    password = re.search(r'<code class="password">([^<]+)</code>', made.text)
    assert password is not None and len(password.group(1)) >= 24
    typed = officer.post("/admin/users", {"username": "siv", "role": "admin",
                                          "password": "a typed password!"})
    assert "a typed password!" not in typed.text  # never echoed
    before = row_counts(officer.store)
    for data in ({"username": "per", "role": "admin"}, {"username": "x@y.no", "role": "admin"},
                 {"username": "liv", "role": "root"}, {"username": "liv", "role": "admin",
                                                       "password": "short"}):
        assert officer.post("/admin/users", data).status_code == 422, data
    assert row_counts(officer.store) == before
    assert officer.post("/admin/users/per/role", {"role": "privacy_officer"}).status_code == 303
    assert officer.post("/admin/users/per/disable").status_code == 303
    assert officer.post("/admin/users/ola/disable").status_code == 422  # not yourself
    with transaction(officer.store) as session:
        per = session.scalars(sa.select(StaffUser).where(StaffUser.username == "per")).one()
        assert per.role == "privacy_officer" and per.disabled_at is not None
        assert audit.verify(session).intact
    actions = [(e.actor, e.subject) for e in _audit(officer, "staff.user_created")]
    assert ("staff:ola", "staff:per") in actions
    assert _audit(officer, "staff.user_disabled")[0].actor == "staff:ola"
