"""Double opt-in by e-mail and one-click unsubscribe (RFC 8058), through the whole app:
the confirmation mail goes through a real SMTP server and the test follows its link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from consent_shop import SHOP
from fastapi.testclient import TestClient

from personvern.consent import decisions, optin, records
from personvern.consent.version import notice_version
from personvern.mail import SmtpOutbox, compose
from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.requests.apikeys import create_api_key
from personvern.store.database import transaction
from personvern.store.models import ConsentEvent
from personvern.web import Settings, create_app

SECRET = "double-opt-in-tests-secret-0123456789"
BASE = "http://testserver"
ADDRESS = "Kari.Nordmann@Example.NO"
NORMALISED = "kari.nordmann@example.no"
SENDER = "Fjellsko AS <post@fjellsko.example>"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


@pytest.fixture
def mail(smtp_server: tuple[str, Any]) -> tuple[SmtpOutbox, Any]:
    url, received = smtp_server
    return SmtpOutbox.from_url(url, SENDER), received


@pytest.fixture
def client(engine: sa.Engine, store_url: str, mail: tuple[SmtpOutbox, Any]
           ) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=store_url, manifest_path=SHOP, public_url=BASE,
                              outbox=mail[0]))
    with TestClient(app) as made:
        yield made


@pytest.fixture
def auth(engine: sa.Engine) -> dict[str, str]:
    with transaction(engine) as session:
        key, _row = create_api_key(session, "shop-backend")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def shop() -> Manifest:
    return load_manifest(SHOP).manifest


def events(engine: sa.Engine) -> list[ConsentEvent]:
    with transaction(engine) as session:
        found = list(session.scalars(sa.select(ConsentEvent).order_by(ConsentEvent.id)))
        session.expunge_all()
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    found = re.findall(r"http://testserver(/double-opt-in/confirm/[A-Za-z0-9_.-]+)",
                       text_of(message))
    assert len(found) == 1
    return str(found[0])


def newsletter_decision(engine: sa.Engine, manifest: Manifest) -> decisions.ConsentDecision:
    with transaction(engine) as session:
        return decisions.decide(session, manifest, records.email(ADDRESS), "newsletter")


# --- the whole way -------------------------------------------------------------------------------


def test_consent_is_recorded_only_when_the_mailed_link_is_confirmed(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any], auth: dict[str, str],
    shop: Manifest,
) -> None:
    _, received = mail
    asked = client.post("/api/v1/double-opt-in", headers=auth,
                        json={"email": ADDRESS, "purpose": "newsletter", "language": "nb-NO"})
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "confirmation_sent"
    [message] = received.wait_for(1)
    assert message["To"] == NORMALISED
    assert message["Subject"] == "Bekreft påmeldingen: Nyhetsbrev"
    assert message["Content-Language"] == "nb"
    body = text_of(message)
    assert "Fjellsko AS" in body and "trekke samtykket tilbake" in body
    path = link_in(message)
    # The link never shows the address, in any case or encoding of it.
    assert "kari" not in path.lower() and "nordmann" not in path.lower()
    assert events(engine) == []  # a request is not consent

    page = client.get(path)  # what a mail scanner does: it must record nothing
    assert page.status_code == 200
    assert "k***@example.no" in page.text and 'method="post"' in page.text
    assert page.headers["content-language"] == "nb"
    assert events(engine) == []

    confirmed = client.post(path, data={"confirm": "yes"})
    assert confirmed.status_code == 200
    assert "bekreftet" in confirmed.text
    [event] = events(engine)
    assert event.source == "double_opt_in" and event.subject_kind == "email"
    assert event.choices == {"categories": {}, "purposes": {"newsletter": True}}
    assert event.subject_hash == records.subject_hash(records.email(ADDRESS))
    assert event.notice_version == notice_version(shop).id and event.language == "nb"
    decision = newsletter_decision(engine, shop)
    assert decision.allowed and decision.reason is decisions.DecisionReason.consent_given

    again = client.post(path, data={"confirm": "yes"})  # confirming twice is harmless
    assert again.status_code == 200 and "allerede bekreftet" in again.text
    assert len(events(engine)) == 1


def test_the_signup_form_sends_the_mail_in_the_chosen_language(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any],
) -> None:
    _, received = mail
    answer = client.post("/double-opt-in", data={"email": ADDRESS, "purpose": "newsletter",
                                                "language": "sv"})
    assert answer.status_code == 200 and "Kolla din e-post" in answer.text
    [message] = received.wait_for(1)
    assert message["Subject"] == "Bekräfta din anmälan: Nyhetsbrev"
    confirmed = client.post(link_in(message), data={"confirm": "yes"})
    assert confirmed.status_code == 200 and "Tack" in confirmed.text
    [event] = events(engine)
    assert event.language == "sv" and event.source == "double_opt_in"


def test_one_click_unsubscribe_from_a_newsletter_mail(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any], shop: Manifest,
) -> None:
    outbox, received = mail
    with transaction(engine) as session:
        records.record(session, shop, records.email(ADDRESS),
                       records.Choices(purposes={"newsletter": True}),
                       source=records.ConsentSource.double_opt_in, language="en")
    headers = optin.unsubscribe_headers(BASE, ADDRESS, "newsletter", language="en")
    outbox.send(compose(SENDER, NORMALISED, "News from Fjellsko", "New boots are in.",
                        headers=headers))
    [newsletter] = received.wait_for(1)
    # RFC 8058 section 3.1: an HTTPS (here: the test server's) URI in angle brackets, and
    # the exact List-Unsubscribe-Post value.
    assert newsletter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = re.fullmatch(r"<http://testserver(/unsubscribe/[A-Za-z0-9_.-]+)>",
                         str(newsletter["List-Unsubscribe"]))
    assert match is not None
    path = match.group(1)
    assert "kari" not in path.lower()

    page = client.get(path)  # a GET shows a button; it never unsubscribes
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert len(events(engine)) == 1

    client.cookies.clear()
    done = client.post(path, content=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "unsubscribed" in done.text
    assert "set-cookie" not in done.headers
    withdrawal = events(engine)[-1]
    assert withdrawal.source == "unsubscribe"
    assert withdrawal.choices == {"categories": {}, "purposes": {"newsletter": False}}
    decision = newsletter_decision(engine, shop)
    assert not decision.allowed
    assert decision.reason is decisions.DecisionReason.consent_withdrawn

    # RFC 8058 prefers multipart/form-data; a second click changes nothing.
    again = client.post(path, files={"List-Unsubscribe": (None, "One-Click")})
    assert again.status_code == 200 and "already unsubscribed" in again.text
    assert len(events(engine)) == 2


def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any], auth: dict[str, str],
    shop: Manifest,
) -> None:
    _, received = mail
    client.post("/api/v1/double-opt-in", headers=auth,
                json={"email": ADDRESS, "purpose": "newsletter", "language": "en"})
    path = link_in(received.wait_for(1)[0])
    assert client.post(path, data={"confirm": "yes"}).status_code == 200
    token = optin.unsubscribe_headers(BASE, ADDRESS, "newsletter")["List-Unsubscribe"]
    unsubscribe_path = token.strip("<>").removeprefix(BASE)
    assert client.post(unsubscribe_path,
                       data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.post(path, data={"confirm": "yes"}).status_code == 200
    assert [e.source for e in events(engine)] == ["double_opt_in", "unsubscribe"]
    assert not newsletter_decision(engine, shop).allowed


# --- hostile input: a 4xx, nothing written, no mail ------------------------------------------


def _confirm_token(**overrides: Any) -> str:
    given: dict[str, Any] = {"now": None, "key": None, **overrides}
    return optin.sign_link(optin.LinkKind.confirm, NORMALISED, "newsletter", "en", **given)


def _tampered(token: str) -> str:
    body, _, tag = token.partition(".")
    middle = len(body) // 2
    flipped = "B" if body[middle] != "B" else "C"
    return f"{body[:middle]}{flipped}{body[middle + 1:]}.{tag}"


@pytest.mark.parametrize(("make", "status"), [
    (lambda: "A" * 60, 400),  # forged: not ours at all
    (lambda: _tampered(_confirm_token()), 400),
    (lambda: _confirm_token().rsplit(".", 1)[0] + "." + "A" * 43, 400),  # a made-up tag
    (lambda: _confirm_token(key=b"another installation's key 32by"), 400),
    (lambda: _confirm_token(now=datetime.now(UTC) - timedelta(hours=49)), 410),
    (lambda: optin.sign_link(optin.LinkKind.unsubscribe, NORMALISED, "newsletter", "en"),
     400),  # the wrong kind of link
    (lambda: "A" * 5000, 400),
])
def test_bad_confirmation_links_are_refused(
    client: TestClient, engine: sa.Engine, make: Any, status: int,
) -> None:
    path = f"/double-opt-in/confirm/{make()}"
    assert client.get(path).status_code == status
    answer = client.post(path, data={"confirm": "yes"})
    assert answer.status_code == status
    assert "<h1>" in answer.text and NORMALISED not in answer.text
    assert events(engine) == []


@pytest.mark.parametrize(("make", "status"), [
    (lambda: "A" * 60, 400),
    (lambda: _tampered(optin.unsubscribe_headers(BASE, ADDRESS, "newsletter")[
        "List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]), 400),
    (lambda: optin.sign_link(optin.LinkKind.unsubscribe, NORMALISED, "newsletter", "en",
                             now=datetime.now(UTC) - timedelta(days=6 * 365)), 410),
    (lambda: _confirm_token(), 400),  # a confirmation link does not unsubscribe
    (lambda: optin.sign_link(optin.LinkKind.unsubscribe, NORMALISED, "gone", "en"), 410),
])
def test_bad_unsubscribe_links_are_refused(
    client: TestClient, engine: sa.Engine, make: Any, status: int,
) -> None:
    answer = client.post(f"/unsubscribe/{make()}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == status
    assert events(engine) == []


def _unsubscribe_path() -> str:
    url = optin.unsubscribe_headers(BASE, ADDRESS, "newsletter")["List-Unsubscribe"]
    return url.strip("<>").removeprefix(BASE)


@pytest.mark.parametrize(("content", "content_type", "status"), [
    (b"List-Unsubscribe=One-Click" + b"&x=" + b"y" * 5000,
     "application/x-www-form-urlencoded", 413),
    (b'{"List-Unsubscribe": "One-Click"}', "application/json", 415),
    (b"List-Unsubscribe=One-Click", "text/plain", 415),
    (b"List-Unsubscribe=Yes", "application/x-www-form-urlencoded", 400),
    (b"", "application/x-www-form-urlencoded", 400),
    (b"--x\r\nbroken", "multipart/form-data; boundary=x", 400),
])
def test_bad_unsubscribe_bodies_are_refused(
    client: TestClient, engine: sa.Engine, content: bytes, content_type: str, status: int,
) -> None:
    answer = client.post(_unsubscribe_path(), content=content,
                         headers={"Content-Type": content_type})
    assert answer.status_code == status
    assert events(engine) == []


@pytest.mark.parametrize(("body", "status"), [
    ({"email": ADDRESS, "purpose": "no_such_purpose"}, 422),
    ({"email": ADDRESS, "purpose": "order_fulfilment"}, 422),  # on contract, not consent
    ({"email": ADDRESS, "purpose": "statistics"}, 422),  # consent through the banner only
    ({"email": "not an address", "purpose": "newsletter"}, 422),
    ({"email": ADDRESS, "purpose": "newsletter", "admin": True}, 422),
    ({"email": ["a@b.no"], "purpose": "newsletter"}, 422),
    ({"email": ADDRESS, "purpose": "newsletter", "language": "x" * 100}, 422),
])
def test_bad_subscription_requests_are_refused(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any], auth: dict[str, str],
    body: dict[str, Any], status: int,
) -> None:
    answer = client.post("/api/v1/double-opt-in", headers=auth, json=body)
    assert answer.status_code == status
    assert "error" in answer.json() and NORMALISED not in answer.text
    assert mail[1].messages == [] and events(engine) == []


def test_the_subscription_api_needs_a_key_json_and_a_small_body(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any], auth: dict[str, str],
) -> None:
    good = {"email": ADDRESS, "purpose": "newsletter"}
    assert client.post("/api/v1/double-opt-in", json=good).status_code == 401
    assert client.post("/api/v1/double-opt-in", headers=auth, data=good).status_code == 415
    big = client.post("/api/v1/double-opt-in", headers={**auth, "Content-Type":
                      "application/json"}, content=b'{"email": "' + b"a" * 9000 + b'"}')
    assert big.status_code == 413
    assert mail[1].messages == [] and events(engine) == []


def test_the_signup_form_refuses_bad_input_with_a_page(
    client: TestClient, engine: sa.Engine, mail: tuple[SmtpOutbox, Any],
) -> None:
    for data, status in (({"email": ADDRESS}, 422),
                         ({"email": ADDRESS, "purpose": "no_such_purpose"}, 422),
                         ({"email": "x" * 400, "purpose": "newsletter"}, 422)):
        answer = client.post("/double-opt-in", data=data)
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
    as_json = client.post("/double-opt-in", json={"email": ADDRESS, "purpose": "newsletter"})
    assert as_json.status_code == 415
    with_file = client.post("/double-opt-in", data={"purpose": "newsletter"},
                            files={"email": ("a.txt", b"kari@example.no")})
    assert with_file.status_code == 400
    assert mail[1].messages == [] and events(engine) == []


def test_one_address_gets_at_most_three_confirmation_mails_an_hour(
    client: TestClient, mail: tuple[SmtpOutbox, Any],
) -> None:
    form = {"email": ADDRESS, "purpose": "newsletter"}
    assert [client.post("/double-opt-in", data=form).status_code for _ in range(4)] == [
        200, 200, 200, 429]
    assert len(mail[1].wait_for(3)) == 3


# --- the links themselves --------------------------------------------------------------------


def test_a_link_expires_exactly_at_its_end() -> None:
    issued = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    token = _confirm_token(now=issued)
    end = issued + optin.CONFIRM_LIFETIME
    claims = optin.read_link(token, optin.LinkKind.confirm, now=end - timedelta(seconds=1))
    assert claims.email == NORMALISED and claims.purpose == "newsletter"
    assert claims.expires_at == end
    with pytest.raises(optin.LinkExpiredError):
        optin.read_link(token, optin.LinkKind.confirm, now=end)


def test_the_address_is_sealed_not_encoded_in_the_link() -> None:
    import base64

    token = _confirm_token()
    body = token.split(".")[0]
    decoded = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    assert "kari" not in decoded and "example" not in decoded
    # Two links for the same address differ (a fresh nonce), so links cannot be matched up.
    assert _confirm_token() != token
