"""The portal's routes over HTTP: forms, codes by real SMTP, status links, downloads and
the preference centre; hostile input is refused in the page's language, writing nothing."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from portal_flow import Portal, code_in, demo_manifest_path, row_counts

from personvern.consent.records import ConsentSource
from personvern.mail import SmtpOutbox
from personvern.requests import lifecycle
from personvern.requests.access import run_access
from personvern.requests.erasure import run_erasure
from personvern.requests.limit_requests import run_limit_request
from personvern.requests.verification import CODES_PER_ADDRESS
from personvern.store.database import make_engine, session_factory, transaction, upgrade
from personvern.store.models import (
    ConsentEvent,
    DataSubjectRequest,
    RequestKind,
    RequestStatus,
    SubjectLimit,
    VerificationChallenge,
)
from personvern.web import Settings, create_app
from personvern.web.portal import signing

KINDS = ("access", "portability", "erasure", "rectification", "restriction", "objection")


def _request(portal: Portal, status_path: str) -> DataSubjectRequest:
    request_id = urlsplit(status_path).path.rsplit("/", 1)[1]
    with transaction(portal.store) as session:
        request = lifecycle.get_request(session, request_id)
        _ = request.identities, request.events
        return request


def test_the_home_page_speaks_the_visitors_language(portal: Portal) -> None:
    nb = portal.client.get("/portal")
    assert nb.status_code == 200 and '<html lang="nb">' in nb.text
    assert "Rettighetene dine" in nb.text and 'href="/privacy?lang=nb"' in nb.text
    sv = portal.client.get("/portal", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert '<html lang="sv">' in sv.text and "Dina rättigheter" in sv.text
    en = portal.client.get("/portal?lang=en")
    assert '<html lang="en">' in en.text and "Your rights" in en.text
    assert "pv_lang=en" in en.headers["set-cookie"]
    # The cookie now wins over the browser's header.
    again = portal.client.get("/portal", headers={"Accept-Language": "sv"})
    assert '<html lang="en">' in again.text
    for kind in KINDS:
        assert f'href="/portal/request/{kind}"' in nb.text
    assert 'href="/portal/preferences"' in nb.text
    assert "script" not in nb.text.lower()  # no inline (or any) JavaScript


@pytest.mark.parametrize("kind", KINDS)
def test_every_form_has_labels_and_a_csrf_token(portal: Portal, kind: str) -> None:
    page = portal.client.get(f"/portal/request/{kind}")
    assert page.status_code == 200
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page.text))
    labelled = set(re.findall(r'<label for="([^"]+)"', page.text))
    assert ids and ids <= labelled
    assert 'name="csrf_token"' in page.text
    assert page.text.count("<h1>") == 1


def test_an_unknown_form_is_a_page_in_the_visitors_language(portal: Portal) -> None:
    page = portal.client.get("/portal/request/delete-everything")
    assert page.status_code == 404
    assert "<h1>Fant ikke siden</h1>" in page.text and "Velg en rettighet" in page.text


HOSTILE = [
    ("access", {"email": ""}, "Skriv inn e-postadressen din."),
    ("access", {"email": "not-an-address"}, "Skriv inn en e-postadresse som"),
    ("access", {"email": "<script>alert(1)</script>@x.no"}, "Skriv inn en e-postadresse som"),
    ("access", {"email": "a" * 5000 + "@example.no"}, "Skriv inn en e-postadresse som"),
    ("access", {"email": "kari@example.no", "order_number": "1' OR '1'='1"},
     "Et ordrenummer har bare"),
    ("access", {"email": "kari@example.no", "order_number": "F" * 65}, "Et ordrenummer har"),
    ("restriction", {"email": "kari@example.no"}, "Velg hvorfor bruken"),
    ("restriction", {"email": "kari@example.no", "ground": "18(1)(z)"}, "Velg hvorfor bruken"),
    ("restriction", {"email": "kari@example.no", "ground": "18(1)(a)", "note": "x" * 1001},
     "Forklaringen er for lang"),
    ("objection", {"email": "kari@example.no", "purpose": "bookkeeping"},
     "Velg hvilken bruk"),
    ("objection", {"email": "kari@example.no", "purpose": "../../etc"}, "Velg hvilken bruk"),
    ("rectification", {"email": "kari@example.no"}, "Velg minst én opplysning"),
    ("rectification", {"email": "kari@example.no", "field_1": "customers.id",
                       "value_1": "1"}, "Velg hvilken opplysning som er feil."),
    ("rectification", {"email": "kari@example.no", "field_1": "customers.password_hash",
                       "value_1": "x"}, "Velg hvilken opplysning som er feil."),
    ("rectification", {"email": "kari@example.no", "field_1": "customers.phone",
                       "value_1": "   "}, "Skriv inn riktig verdi."),
    ("rectification", {"email": "kari@example.no", "field_1": "customers.phone",
                       "value_1": "9" * 1001}, "Verdien er for lang"),
]


@pytest.mark.parametrize(("kind", "data", "message"), HOSTILE)
def test_hostile_input_is_refused_in_the_pages_language_and_writes_nothing(
        portal: Portal, kind: str, data: dict[str, str], message: str) -> None:
    before = row_counts(portal.store)
    answer = portal.post(f"/portal/request/{kind}", data)
    assert answer.status_code == 422
    assert '<div class="error-summary" role="alert"' in answer.text
    assert message in answer.text
    assert "<script>alert" not in answer.text  # what was typed comes back escaped
    assert row_counts(portal.store) == before
    assert portal.received.messages == []


def test_an_oversized_body_is_refused_before_it_is_read(portal: Portal) -> None:
    before = row_counts(portal.store)
    answer = portal.post("/portal/request/access", {"email": "kari@example.no",
                                                    "note": "x" * 70_000})
    assert answer.status_code == 413
    assert row_counts(portal.store) == before


def test_forms_without_the_csrf_token_are_refused(portal: Portal) -> None:
    portal.token()
    before = row_counts(portal.store)
    for path, data in (("/portal/request/access", {"email": "kari@example.no"}),
                       ("/portal/preferences/code", {"email": "kari@example.no"}),
                       ("/portal/verify/AAAAAAAAAAAAAAAAAAAAAAAA", {"code": "123456"})):
        missing = portal.client.post(path, data=data)
        assert missing.status_code == 403 and "<h1>Ikke tillatt</h1>" in missing.text
        forged = portal.client.post(path, data={**data, "csrf_token": "f" * 43})
        assert forged.status_code == 403
        elsewhere = portal.client.post(path, data={**data, "csrf_token": portal.token()},
                                       headers={"Origin": "https://evil.example"})
        assert elsewhere.status_code == 403
    assert row_counts(portal.store) == before
    assert portal.received.messages == []


def test_bodies_that_are_not_forms_are_refused(portal: Portal) -> None:
    token = portal.token()
    before = row_counts(portal.store)
    as_json = portal.client.post("/portal/request/access",
                                 json={"csrf_token": token, "email": "kari@example.no"})
    assert as_json.status_code == 403 and "<h1>Ikke tillatt</h1>" in as_json.text
    with_file = portal.client.post("/portal/request/access", data={"email": "kari@example.no"},
                                   files={"csrf_token": ("token.txt", token.encode())})
    assert with_file.status_code == 403
    raw = portal.client.post("/portal/request/access", content=b"\xff\xfe%%%=&&=",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert raw.status_code == 403
    assert row_counts(portal.store) == before and portal.received.messages == []


def test_the_code_arrives_over_smtp_and_makes_a_verified_request(
        portal: Portal, guest: tuple[str, str]) -> None:
    email, number = guest
    path, code = portal.ask("access", email.upper(), order_number=number)
    mail = portal.received.messages[0]
    assert mail["To"] == email.lower() and mail["Content-Language"] == "nb"
    assert "Bekreftelseskoden din" in mail["Subject"]
    verify_page = portal.client.get(path)
    assert verify_page.status_code == 200 and 'autocomplete="one-time-code"' in verify_page.text
    assert email.lower() not in verify_page.text.lower()  # the page never shows the address
    done = portal.verify(path, code)
    assert done.status_code == 303
    request = _request(portal, done.headers["location"])
    assert request.kind is RequestKind.access
    assert request.status is RequestStatus.identity_verified
    assert request.email == email.lower() and request.payload == {"source": "portal"}
    assert [(i.kind, i.method) for i in request.identities] == [
        ("email", "email_code+order_number")]
    assert {e.actor for e in request.events} == {"portal"}
    status_mail = portal.received.wait_for(2)[1]
    link = status_mail.get_body(preferencelist=("plain",)).get_content()
    assert f"http://portal.test{done.headers['location']}" in link
    # The code did its work: it cannot make a second request.
    assert portal.verify(path, code).status_code == 410
    with transaction(portal.store) as session:
        challenge = session.scalars(sa.select(VerificationChallenge)).one()
        assert challenge.payload == {} and challenge.request_id == request.id
        assert challenge.email is None  # the request row keeps it; the challenge forgets


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
        portal: Portal, guest: tuple[str, str]) -> None:
    known, _number = guest
    answers = []
    for email in (known, "nobody.here@example.org"):
        answer = portal.post("/portal/request/access", {"email": email})
        answers.append(answer)
    shapes = [(a.status_code, re.sub(r"/verify/[\w-]+", "/verify/ID", a.headers["location"]),
               a.text, sorted(a.headers.keys())) for a in answers]
    assert shapes[0] == shapes[1]
    mails = portal.received.wait_for(2)
    bodies = [m.get_body(preferencelist=("plain",)).get_content().replace(code_in(m), "CODE")
              for m in mails]
    assert bodies[0] == bodies[1]
    assert [m["Subject"].replace(code_in(m), "CODE") for m in mails] == [
        mails[0]["Subject"].replace(code_in(mails[0]), "CODE")] * 2
    pages = [portal.client.get(a.headers["location"]).text for a in answers]
    assert [re.sub(r"/verify/[\w-]+", "", p) for p in pages[:1]] == [
        re.sub(r"/verify/[\w-]+", "", p) for p in pages[1:]]


def test_brute_force_over_http_is_stopped_after_five_attempts(portal: Portal) -> None:
    path, code = portal.ask("erasure", "kari@example.no")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1, 0):
        answer = portal.verify(path, wrong)
        assert answer.status_code == 422 and f"Forsøk igjen: {left}." in answer.text
    sixth = portal.verify(path, code)
    assert sixth.status_code == 410 and "kan ikke brukes lenger" in sixth.text
    assert row_counts(portal.store)["requests"] == 0
    malformed = portal.verify(path, "12ab56")
    assert malformed.status_code == 422 and "Skriv inn de 6 sifrene" in malformed.text


def test_a_purged_or_unknown_challenge_is_a_page_not_an_error(portal: Portal) -> None:
    path, code = portal.ask("access", "kari@example.no")
    with transaction(portal.store) as session:  # made more than a day ago: purged on use
        session.execute(sa.update(VerificationChallenge).values(
            created_at=datetime.now(UTC) - timedelta(days=2)))
    for target in (path, "/portal/verify/AAAAAAAAAAAAAAAAAAAAAAAA", "/portal/verify/x'\"<"):
        answer = portal.verify(target, code)
        assert answer.status_code == 404 and "Denne bekreftelsessiden finnes ikke" in answer.text
    assert row_counts(portal.store)["requests"] == 0


def test_a_wrong_order_number_counts_as_a_failed_attempt(
        portal: Portal, guest: tuple[str, str]) -> None:
    email, _number = guest
    path, code = portal.ask("access", email, order_number="FH-999999999")
    answer = portal.verify(path, code)
    assert answer.status_code == 422
    assert "Koden eller ordrenummeret er ikke riktig. Forsøk igjen: 4." in answer.text
    assert row_counts(portal.store)["requests"] == 0


def test_an_unreachable_shop_database_does_not_cost_an_attempt(
        portal: Portal, guest: tuple[str, str]) -> None:
    email, number = guest
    path, code = portal.ask("access", email, order_number=number)
    shop_file = Path(sa.make_url(portal.shop_url).database or "")
    hidden = shop_file.rename(shop_file.with_suffix(".away"))
    try:
        answer = portal.verify(path, code)
        assert answer.status_code == 503 and "Vi fikk ikke sjekket ordrenummeret" in answer.text
        with transaction(portal.store) as session:
            assert session.scalars(sa.select(VerificationChallenge.attempts)).one() == 0
    finally:
        hidden.rename(shop_file)
    assert portal.verify(path, code).status_code == 303


def test_codes_are_rate_limited_per_address(portal: Portal) -> None:
    for _ in range(CODES_PER_ADDRESS):
        portal.ask("access", "kari@example.no")
    before = row_counts(portal.store)
    limited = portal.post("/portal/request/access", {"email": "Kari@Example.no"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "Vent et kvarter" in limited.text
    assert row_counts(portal.store) == before
    assert len(portal.received.messages) == CODES_PER_ADDRESS


def test_the_status_link_refuses_tampering_and_expiry(portal: Portal) -> None:
    status = portal.request_via_portal("access", "kari@example.no")
    assert portal.client.get(status).status_code == 200
    parts = urlsplit(status)
    query = parse_qs(parts.query)
    request_id, until, sig = parts.path.rsplit("/", 1)[1], query["until"][0], query["sig"][0]
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    other_id = request_id[:-1] + ("0" if request_id[-1] != "0" else "1")
    for path in (f"/portal/status/{request_id}?until={until}&sig={flipped}",
                 f"/portal/status/{request_id}?until={int(until) + 1}&sig={sig}",
                 f"/portal/status/{other_id}?until={until}&sig={sig}",
                 f"/portal/status/{request_id}",
                 f"/portal/status/{request_id}?until=x&sig={'z' * 5000}"):
        refused = portal.client.get(path)
        assert refused.status_code == 404 and "Denne lenken er ikke gyldig" in refused.text
    old = signing.status_path(request_id, now=datetime.now(UTC) - signing.STATUS_LINK_TTL
                              - timedelta(seconds=5))
    expired = portal.client.get(old)
    assert expired.status_code == 410 and "Denne lenken er utløpt" in expired.text
    # A signed link to a request that does not exist says no more than a forged one.
    ghost = signing.status_path("00000000-0000-4000-8000-000000000000")
    assert portal.client.get(ghost).status_code == 404


def test_the_download_needs_a_fresh_code(portal: Portal, guest: tuple[str, str]) -> None:
    email, number = guest
    status = portal.request_via_portal("access", email, order_number=number)
    request_id = urlsplit(status).path.rsplit("/", 1)[1]
    waiting = portal.client.get(status)
    assert "Last ned opplysningene dine" not in waiting.text
    with session_factory(portal.store)() as session:
        lifecycle.approve(session, request_id, actor="officer@shop")
        session.commit()
        run_access(session, request_id, portal.client.app.state.personvern.loaded)
    ready = portal.client.get(status)
    assert "Besvart" in ready.text and "Last ned opplysningene dine" in ready.text
    assert "/portal/download/" not in ready.text  # no link before the fresh code
    query = parse_qs(urlsplit(status).query)
    forged = portal.post(f"/portal/status/{request_id}/download",
                         {"until": query["until"][0], "sig": "0" * 64})
    assert forged.status_code == 404
    mails_before = len(portal.received.messages)
    asked = portal.post(f"/portal/status/{request_id}/download",
                        {"until": query["until"][0], "sig": query["sig"][0]})
    assert asked.status_code == 303
    mail = portal.received.wait_for(mails_before + 1)[mails_before]
    assert mail["To"] == email.lower()
    page = portal.verify(asked.headers["location"], code_in(mail))
    assert page.status_code == 200
    link = re.search(r'href="(/portal/download/[^"]+)"', page.text)
    assert link, page.text
    guessed = portal.client.get(f"/portal/download/{request_id}/not-the-token")
    assert guessed.status_code == 410
    download = portal.client.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as package:
        data = json.loads(package.read("data.json"))
    orders = data["datastores"]["shop"]["orders"]
    assert number in {row["order_number"] for row in orders}  # the guest's orders
    assert {row["email"].lower() for row in orders} == {email.lower()}  # and no one else's
    # The token opens only this request's package.
    token = link.group(1).rsplit("/", 1)[1]
    other = portal.client.get(f"/portal/download/00000000-0000-4000-8000-000000000000/{token}")
    assert other.status_code == 410


def test_the_preference_centre_records_consent_from_the_portal(portal: Portal) -> None:
    first = portal.client.get("/portal/preferences")
    assert first.status_code == 200 and 'action="/portal/preferences/code"' in first.text
    refused = portal.post("/portal/preferences", {"purpose:newsletter": "yes"})
    assert refused.status_code == 403 and "Økten din er avsluttet" in refused.text
    asked = portal.post("/portal/preferences/code", {"email": "Kari@Example.no"})
    assert asked.status_code == 303
    verified = portal.verify(asked.headers["location"],
                             code_in(portal.received.wait_for(1)[0]))
    assert verified.status_code == 303 and verified.headers["location"] == "/portal/preferences"
    cookie = verified.headers["set-cookie"]
    assert signing.SESSION_COOKIE in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and "Path=/portal" in cookie
    assert "kari" not in cookie.lower()  # no personal data in the cookie
    page = portal.client.get("/portal/preferences")
    boxes = re.findall(r'type="checkbox" id="[^"]+" name="([^"]+)"', page.text)
    assert "purpose:newsletter" in boxes and any(b.startswith("category:") for b in boxes)
    saved = portal.post("/portal/preferences", {"purpose:newsletter": "yes"})
    assert saved.status_code == 200 and "Valgene dine er lagret." in saved.text
    assert re.search(r'name="purpose:newsletter" value="yes" checked', saved.text)
    with transaction(portal.store) as session:
        event = session.scalars(sa.select(ConsentEvent)).one()
        assert event.source == ConsentSource.portal.value
        assert event.choices["purposes"]["newsletter"] is True
        assert all(granted is False for key, granted in event.choices["purposes"].items()
                   if key != "newsletter")
        assert event.subject_kind == "email" and "kari" not in event.subject_hash
    withdrawn = portal.post("/portal/preferences", {})
    assert not re.search(r'name="purpose:newsletter" value="yes" checked', withdrawn.text)
    # Logging out ends the session on the server too: a copy of the cookie opens nothing.
    copied = portal.client.cookies.get(signing.SESSION_COOKIE)
    assert portal.post("/portal/logout", {}).status_code == 303
    portal.client.cookies.set(signing.SESSION_COOKIE, str(copied), path="/portal")
    assert portal.post("/portal/preferences", {}).status_code == 403
    # A forged session cookie is no session.
    portal.client.cookies.set(signing.SESSION_COOKIE, "x.1.0" + "0" * 63, path="/portal")
    assert portal.post("/portal/preferences", {}).status_code == 403
    assert row_counts(portal.store)["consent_events"] == 2


def test_objection_and_restriction_apply_a_limit_at_once(portal: Portal) -> None:
    status = portal.request_via_portal("objection", "kari@example.no", purpose="newsletter",
                                       note="Ikke send meg mer")
    objection = _request(portal, status)
    assert objection.payload == {"purposes": ["newsletter"], "note": "Ikke send meg mer",
                                 "source": "portal"}
    status = portal.request_via_portal("restriction", "kari@example.no", ground="18(1)(a)")
    restriction = _request(portal, status)
    with transaction(portal.store) as session:
        limits = {(row.kind, row.purpose, row.request_id)
                  for row in session.scalars(sa.select(SubjectLimit))}
    assert limits == {("objection", "newsletter", objection.id),
                      ("restriction", "*", restriction.id)}
    page = portal.client.get(status)
    assert "Begrensningen gjelder: vi bare lagrer opplysningene dine." in page.text
    # Running the approved requests later records no limit twice, and completes them.
    manifest = portal.client.app.state.personvern.manifest
    with session_factory(portal.store)() as session:
        for request in (objection, restriction):
            lifecycle.approve(session, request.id, actor="officer@shop")
            session.commit()
            done = run_limit_request(session, request.id, manifest, actor="officer@shop")
            assert done.status in (RequestStatus.completed, RequestStatus.running)
    with transaction(portal.store) as session:
        assert {(row.kind, row.purpose, row.request_id)
                for row in session.scalars(sa.select(SubjectLimit))} == limits


def test_rectification_carries_the_declared_fields(portal: Portal) -> None:
    page = portal.client.get("/portal/request/rectification")
    options = re.findall(r'<option value="([^"]+)"', page.text)
    assert "customers.phone" in options and "customers.id" not in options
    status = portal.request_via_portal(
        "rectification", "kari@example.no", field_1="customers.phone",
        value_1="+47 912 34 567", field_2="orders.delivery_address", value_2="Storgata 1")
    request = _request(portal, status)
    assert request.kind is RequestKind.rectification
    assert request.payload["changes"] == {"customers.phone": "+47 912 34 567",
                                          "orders.delivery_address": "Storgata 1"}


def test_the_status_page_explains_a_rejection(portal: Portal) -> None:
    status = portal.request_via_portal("erasure", "kari@example.no")
    request_id = urlsplit(status).path.rsplit("/", 1)[1]
    with transaction(portal.store) as session:
        authority = portal.client.app.state.personvern.manifest.organization \
            .supervisory_authority
        lifecycle.reject(session, request_id, reason="Vi fant ingen opplysninger om deg.",
                         authority=authority, actor="officer@shop")
    page = portal.client.get(status, headers={"Accept-Language": "nb"})
    assert "Avslått" in page.text and "Vi fant ingen opplysninger om deg." in page.text
    assert "Du har rett til å klage til tilsynsmyndigheten" in page.text
    sv = portal.client.get(status + "&lang=sv")
    assert "Avslagen" in sv.text and "until=" in sv.text


def test_an_erasure_answer_says_what_is_kept_why_and_until_when(
        portal: Portal, guest: tuple[str, str]) -> None:
    email, number = guest
    status = portal.request_via_portal("erasure", email, order_number=number)
    request_id = urlsplit(status).path.rsplit("/", 1)[1]
    with session_factory(portal.store)() as session:
        lifecycle.approve(session, request_id, actor="officer@shop")
        session.commit()
        run_erasure(session, request_id, portal.client.app.state.personvern.manifest,
                    actor="officer@shop")
    page = portal.client.get(status)
    assert page.status_code == 200 and "Svaret vårt" in page.text
    assert "Vi har slettet personopplysningene dine" in page.text
    kept = re.findall(r'<p class="kept">([^<]+)</p>', page.text)
    assert kept, page.text
    assert all("Oppbevares til og med" in line and "bokføring" in line.lower()
               for line in kept)
    assert "Vi slettet opplysningene dine." in page.text  # the timeline in plain words


def test_the_flow_on_a_postgresql_store_over_https(
        postgres_url: str, shop_url: str, smtp_server: tuple[str, Any]) -> None:
    """The same flow with the engine's store on PostgreSQL, as in production; behind
    https the session cookie is Secure."""
    url, received = smtp_server
    engine = make_engine(postgres_url)
    upgrade(engine)
    app = create_app(Settings(database_url=postgres_url, manifest_path=demo_manifest_path(),
                              outbox=SmtpOutbox.from_url(url)))
    try:
        with TestClient(app, base_url="https://portal.test",
                        headers={"Accept-Language": "sv"}) as client:
            portal = Portal(client, received, engine, shop_url)
            status = portal.request_via_portal("portability", "Lisa@Example.se")
            page = client.get(status)
            assert page.status_code == 200 and "Ta med dig dina uppgifter" in page.text
            assert _request(portal, status).status is RequestStatus.identity_verified
            asked = portal.post("/portal/preferences/code", {"email": "lisa@example.se"})
            verified = portal.verify(asked.headers["location"],
                                     code_in(received.wait_for(3)[2]))
            cookie = verified.headers["set-cookie"]
            assert "Secure" in cookie and "HttpOnly" in cookie
            assert "Secure" in client.get("/portal?lang=en").headers["set-cookie"]
    finally:
        app.state.personvern.engine.dispose()
        engine.dispose()
