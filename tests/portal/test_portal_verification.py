"""One-time codes (Art. 12(6)): expiry, attempts, rate limits, storage, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from portal_flow import SECRET, demo_manifest_path, guest_order, make_shop

from personvern.manifest.load import load_manifest
from personvern.requests import verification as v
from personvern.requests.subject import InvalidIdentityError
from personvern.store.database import make_engine, session_factory, transaction, upgrade
from personvern.store.models import VerificationChallenge

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
KEY = SECRET.encode()


def issue(engine: sa.Engine, email: str = "kari@example.no", client: str = "192.0.2.1",
          at: datetime = T0, **payload: str) -> v.Issued:
    with transaction(engine) as session:
        return v.issue(session, email=email, client=client, purpose=v.Purpose.request,
                       language="nb", payload=payload, now=at, secret=KEY)


def check(engine: sa.Engine, challenge_id: str, code: str, at: datetime = T0,
          second_factor: v.SecondFactor | None = None) -> v.Check:
    with transaction(engine) as session:
        return v.check(session, challenge_id, code, now=at, secret=KEY,
                       second_factor=second_factor)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % v.CODE_SPACE:06d}"


@pytest.fixture
def sqlite_store(tmp_path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    return engine


def test_a_right_code_verifies_once(sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store)
    assert len(issued.code) == 6 and issued.code.isdigit()
    first = check(sqlite_store, issued.challenge_id, issued.code)
    assert first.outcome is v.Outcome.verified and first.attempts_left == 4
    assert first.challenge.email == "kari@example.no"
    again = check(sqlite_store, issued.challenge_id, issued.code)
    assert again.outcome is v.Outcome.spent  # a code is used once


def test_the_code_expires_at_exactly_ten_minutes(sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store)
    assert issued.expires_at - T0 == timedelta(minutes=10)
    just_before = T0 + timedelta(minutes=10) - timedelta(microseconds=1)
    late = issue(sqlite_store, email="other@example.no")
    assert check(sqlite_store, late.challenge_id, late.code,
                 at=T0 + timedelta(minutes=10)).outcome is v.Outcome.spent
    assert check(sqlite_store, issued.challenge_id, issued.code,
                 at=just_before).outcome is v.Outcome.verified
    with transaction(sqlite_store) as session:
        spent = v.get_challenge(session, late.challenge_id)
        assert spent.attempts == 0  # an expired challenge counts no attempt
        assert not v.usable(spent, T0 + timedelta(minutes=10))


def test_five_wrong_attempts_kill_the_challenge_even_for_the_right_code(
        sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store)
    lefts = [check(sqlite_store, issued.challenge_id, wrong(issued.code)).attempts_left
             for _ in range(v.MAX_ATTEMPTS)]
    assert lefts == [4, 3, 2, 1, 0]
    sixth = check(sqlite_store, issued.challenge_id, issued.code)
    assert sixth.outcome is v.Outcome.spent and sixth.challenge.verified_at is None
    assert sixth.challenge.attempts == v.MAX_ATTEMPTS  # the refused 6th is not counted


def test_a_malformed_code_is_refused_without_counting(sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store)
    for bad in ("", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦", "9" * 10_000):
        with pytest.raises(v.MalformedCodeError), transaction(sqlite_store) as session:
            v.check(session, issued.challenge_id, bad, now=T0, secret=KEY)
    spaced = " ".join(issued.code[:3]) + " " + issued.code[3:]
    assert check(sqlite_store, issued.challenge_id, spaced).outcome is v.Outcome.verified
    with transaction(sqlite_store) as session:
        assert v.get_challenge(session, issued.challenge_id).attempts == 1


def test_unknown_and_malformed_challenge_ids(sqlite_store: sa.Engine) -> None:
    for challenge_id in ("", "x" * 24, "../../etc/passwd", "a" * 5000):
        with pytest.raises(v.ChallengeNotFoundError), transaction(sqlite_store) as session:
            v.check(session, challenge_id, "123456", now=T0, secret=KEY)


def test_brute_force_over_the_code_space_is_impossible(sqlite_store: sa.Engine) -> None:
    """An attacker who knows an address tries codes as fast as the limits allow, from a
    new IP whenever one is refused: count every guess that is even compared, over three
    hours, and what that makes of the 10^6 codes."""
    address, guesses, issued_codes, hours = "victim@example.no", 0, 0, 3
    at, end = T0, T0 + timedelta(hours=hours)
    clients = iter(f"198.51.100.{n}" for n in range(1, 255))
    client = next(clients)
    while at < end:
        try:
            issued = issue(sqlite_store, email=address, client=client, at=at)
        except v.RateLimitedError as limited:
            if limited.scope == "client":
                client = next(clients)
            else:
                at += timedelta(seconds=limited.retry_after)
            continue
        issued_codes += 1
        for guess in range(v.MAX_ATTEMPTS + 3):  # more tries than allowed
            typed = f"{guess:06d}" if f"{guess:06d}" != issued.code else wrong(issued.code)
            result = check(sqlite_store, issued.challenge_id, typed, at=at)
            if result.outcome is v.Outcome.spent:
                break
            guesses += 1
    windows = hours * 60 // 15
    assert issued_codes == v.CODES_PER_ADDRESS * windows
    assert guesses == issued_codes * v.MAX_ATTEMPTS  # 5 per code, never a 6th
    per_day = guesses * 24 // hours
    assert per_day == 1440
    # 1,440 guesses a day, each right with probability 10^-6: 0.144 % a day, and on
    # average 694 days of uninterrupted guessing (with a code mail every 5 minutes) per hit.
    assert per_day / v.CODE_SPACE < 0.0015
    assert v.CODE_SPACE / per_day > 690


def test_rate_limit_per_address(sqlite_store: sa.Engine) -> None:
    for minute in range(v.CODES_PER_ADDRESS):
        issue(sqlite_store, client=f"192.0.2.{minute}", at=T0 + timedelta(minutes=minute))
    before = _rows(sqlite_store)
    with pytest.raises(v.RateLimitedError) as limited:
        issue(sqlite_store, client="192.0.2.200", at=T0 + timedelta(minutes=5))
    assert limited.value.scope == "address"
    assert limited.value.retry_after == 10 * 60 + 1  # when the first leaves the window
    assert _rows(sqlite_store) == before  # nothing written
    # The same address in another letter case is the same address.
    with pytest.raises(v.RateLimitedError):
        issue(sqlite_store, email=" KARI@Example.NO ", at=T0 + timedelta(minutes=5))
    issue(sqlite_store, at=T0 + v.ADDRESS_WINDOW + timedelta(seconds=1))
    issue(sqlite_store, email="someone@example.no", at=T0 + timedelta(minutes=5))


def test_rate_limit_per_client_ip(sqlite_store: sa.Engine) -> None:
    for n in range(v.CODES_PER_CLIENT):
        issue(sqlite_store, email=f"person{n}@example.no", at=T0 + timedelta(minutes=n))
    with pytest.raises(v.RateLimitedError) as limited:
        issue(sqlite_store, email="one-more@example.no", at=T0 + timedelta(minutes=30))
    assert limited.value.scope == "client"
    issue(sqlite_store, email="one-more@example.no", client="192.0.2.99",
          at=T0 + timedelta(minutes=30))
    issue(sqlite_store, email="one-more@example.no", at=T0 + v.CLIENT_WINDOW
          + timedelta(seconds=1))


def test_codes_and_addresses_are_not_stored_in_clear(sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store, client="203.0.113.7")
    with sqlite_store.connect() as connection:
        row = connection.execute(sa.select(VerificationChallenge.__table__)).mappings().one()
    stored = " ".join(str(value) for value in row.values())
    assert issued.code not in stored
    assert "203.0.113.7" not in stored
    assert row["code_hash"] == v.code_hash(issued.challenge_id, issued.code, KEY)
    # A hash is bound to its challenge and the key: the bare code's HMAC or SHA-256 differ.
    assert row["code_hash"] != v.code_hash("another-challenge-id", issued.code, KEY)
    import hashlib
    assert row["code_hash"] != hashlib.sha256(issued.code.encode()).hexdigest()
    assert row["address_hash"] == v.address_hash("kari@example.no", KEY)


def test_rows_are_purged_after_a_day(sqlite_store: sa.Engine) -> None:
    issue(sqlite_store)
    issue(sqlite_store, email="later@example.no", at=T0 + v.KEEP_FOR + timedelta(seconds=1))
    with sqlite_store.connect() as connection:
        left = connection.execute(sa.select(VerificationChallenge.email)).scalars().all()
    assert left == ["later@example.no"]


def test_an_invalid_address_writes_nothing(sqlite_store: sa.Engine) -> None:
    for bad in ("", "no-at-sign", "a@b", "x" * 400 + "@example.no", "<script>@x.no"):
        with pytest.raises(InvalidIdentityError), transaction(sqlite_store) as session:
            v.issue(session, email=bad, client="192.0.2.1", purpose=v.Purpose.request,
                    language="nb", now=T0, secret=KEY)
    assert _rows(sqlite_store) == 0


def test_a_wrong_order_number_counts_as_a_failed_attempt(sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store, order_number="FH-000000042")
    seen: list[tuple[str, str]] = []

    def never(email: str, number: str) -> bool:
        seen.append((email, number))
        return False

    result = check(sqlite_store, issued.challenge_id, issued.code, second_factor=never)
    assert result.outcome is v.Outcome.wrong and result.attempts_left == 4
    assert seen == [("kari@example.no", "FH-000000042")]
    # Without a way to check the order number, a challenge that carries one never passes.
    assert check(sqlite_store, issued.challenge_id, issued.code).outcome is v.Outcome.wrong
    ok = check(sqlite_store, issued.challenge_id, issued.code,
               second_factor=lambda email, number: True)
    assert ok.outcome is v.Outcome.verified


def test_order_numbers_match_only_their_own_address(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = make_shop(f"sqlite:///{tmp_path}/shop.db")
    manifest = load_manifest(demo_manifest_path(), environ={"PERSONVERN_DEMO_DB": url}
                             ).manifest
    email, number = guest_order(url)
    assert v.order_matches(manifest, email.upper(), number)
    assert not v.order_matches(manifest, "someone.else@example.no", number)
    assert not v.order_matches(manifest, email, "FH-999999999")
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        account_email, account_order = connection.execute(sa.text(
            "SELECT c.email, o.order_number FROM orders o JOIN customers c "
            "ON c.id = o.customer_id ORDER BY o.id LIMIT 1")).one()
    engine.dispose()
    assert v.order_matches(manifest, account_email, account_order)  # via the account
    assert not v.order_matches(manifest, account_email, number)
    with pytest.raises(InvalidIdentityError):
        v.order_matches(manifest, email, "'; DROP TABLE orders; --")


def _rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(
            sa.select(sa.func.count()).select_from(VerificationChallenge)).scalar_one())


def _at_once(engine: sa.Engine, challenge_id: str, guesses: list[str]) -> list[v.Outcome]:
    """Every guess in its own thread and transaction, released at the same moment."""
    factory = session_factory(engine)
    start = threading.Barrier(len(guesses))
    outcomes: list[v.Outcome] = []
    lock = threading.Lock()

    def attempt(guess: str) -> None:
        start.wait()
        with factory.begin() as session:
            result = v.check(session, challenge_id, guess, now=T0, secret=KEY)
        with lock:
            outcomes.append(result.outcome)

    threads = [threading.Thread(target=attempt, args=(guess,)) for guess in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == len(guesses)
    return outcomes


def test_attempts_are_counted_exactly_under_concurrency_on_postgresql(
        postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    try:
        issued = issue(engine)
        outcomes = _at_once(engine, issued.challenge_id, [wrong(issued.code)] * 20)
        assert outcomes.count(v.Outcome.wrong) == v.MAX_ATTEMPTS  # never more than 5
        assert outcomes.count(v.Outcome.spent) == 20 - v.MAX_ATTEMPTS
        with transaction(engine) as session:
            assert v.get_challenge(session, issued.challenge_id).attempts == v.MAX_ATTEMPTS
        assert check(engine, issued.challenge_id, issued.code).outcome is v.Outcome.spent
        # The right code sent ten times at once is used once.
        fresh = issue(engine, email="parallel@example.no")
        outcomes = _at_once(engine, fresh.challenge_id, [fresh.code] * 10)
        assert outcomes.count(v.Outcome.verified) == 1
        assert outcomes.count(v.Outcome.spent) == 9
    finally:
        engine.dispose()


def test_issuing_is_rate_limited_under_concurrency_on_postgresql(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    try:
        start = threading.Barrier(8)
        made: list[str] = []
        refused: list[str] = []
        lock = threading.Lock()

        def ask(n: int) -> None:
            start.wait()
            try:
                issued = issue(engine, client=f"192.0.2.{n}")
            except v.RateLimitedError as error:
                with lock:
                    refused.append(error.scope)
                return
            with lock:
                made.append(issued.challenge_id)

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(made) == v.CODES_PER_ADDRESS
        assert refused == ["address"] * (8 - v.CODES_PER_ADDRESS)
    finally:
        engine.dispose()


def test_a_session_lasts_its_time_and_ends_on_logout(sqlite_store: sa.Engine) -> None:
    with transaction(sqlite_store) as session:
        issued = v.issue(session, email="Kari@Example.no", client="192.0.2.1",
                         purpose=v.Purpose.session, language="nb", now=T0, secret=KEY)
    within = timedelta(minutes=30)
    with transaction(sqlite_store) as session:
        assert v.session_address(session, issued.challenge_id, within=within, now=T0) is None
    assert check(sqlite_store, issued.challenge_id, issued.code).outcome is v.Outcome.verified
    with transaction(sqlite_store) as session:
        v.settle(v.get_challenge(session, issued.challenge_id))
    with transaction(sqlite_store) as session:
        assert v.session_address(session, issued.challenge_id, within=within,
                                 now=T0 + within - timedelta(seconds=1)) == "kari@example.no"
        assert v.session_address(session, issued.challenge_id, within=within,
                                 now=T0 + within) is None
        assert v.session_address(session, "no-such-challenge-id", within=within) is None
        v.end_session(session, issued.challenge_id)
    with transaction(sqlite_store) as session:
        assert v.session_address(session, issued.challenge_id, within=within, now=T0) is None


def test_a_request_code_forgets_the_address_once_used(sqlite_store: sa.Engine) -> None:
    issued = issue(sqlite_store, order_number="FH-1")
    check(sqlite_store, issued.challenge_id, issued.code, second_factor=lambda e, n: True)
    with transaction(sqlite_store) as session:
        challenge = v.get_challenge(session, issued.challenge_id)
        v.settle(challenge)
        # A request code never opens a session, whatever its age.
        assert v.session_address(session, issued.challenge_id, within=timedelta(days=1),
                                 now=T0) is None
    with transaction(sqlite_store) as session:
        challenge = v.get_challenge(session, issued.challenge_id)
        assert challenge.email is None and challenge.payload == {}
        assert challenge.address_hash == v.address_hash("kari@example.no", KEY)
