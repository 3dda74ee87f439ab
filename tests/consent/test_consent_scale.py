"""Consent at scale: the group-commit writer, the current-state table, monthly partitions,
and how many statements a write and a decision cost (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from consent_shop import KEY, VISITOR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personvern.consent import decisions, records
from personvern.consent.records import Choices, ConsentSource, NewEvent
from personvern.consent.writer import ConsentWriter, WriteFailedError
from personvern.manifest.model import Manifest
from personvern.store.database import transaction, upgrade
from personvern.store.models import ConsentEvent, ConsentLink, CurrentConsent

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CATEGORIES = ("performance", "functional", "marketing")
PURPOSES = ("statistics", "ads", "newsletter")


def _visitor(number: int) -> records.ConsentSubject:
    return records.visitor(f"visitor-{number:016d}")


def _banner_event(manifest: Manifest, number: int, *, language: str = "nb",
                  at: datetime | None = None) -> NewEvent:
    return records.new_event(manifest, _visitor(number),
                             Choices(categories={"marketing": number % 2 == 0,
                                                 "performance": True}),
                             source=ConsentSource.banner, language=language, now=at, key=KEY)


def _count(engine: sa.Engine, table: type[ConsentEvent] | type[CurrentConsent]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _commits(engine: sa.Engine) -> list[int]:
    """A list that grows by one at every commit on ``engine``."""
    seen: list[int] = []
    sa.event.listen(engine, "commit", lambda _connection: seen.append(1))
    return seen


# --- the group-commit writer ---------------------------------------------------------------


def test_each_answer_comes_after_its_event_is_committed(engine: sa.Engine,
                                                        manifest: Manifest) -> None:
    """When append() returns, another connection already sees the event and the state:
    what the visitor is told was recorded is on disk (Art. 7(1))."""
    writer = ConsentWriter(engine)
    commits = _commits(engine)
    observer = sa.create_engine(engine.url)

    async def one(number: int) -> None:
        done = await writer.append(_banner_event(manifest, number))
        assert done.event_id is not None
        with observer.connect() as connection:  # a connection of its own: committed rows only
            stored = connection.scalar(sa.select(ConsentEvent.subject_hash)
                                       .where(ConsentEvent.id == done.event_id))
            current = connection.scalar(sa.select(CurrentConsent.last_event_id).where(
                CurrentConsent.subject_hash == records.subject_hash(_visitor(number), KEY)))
        assert stored == records.subject_hash(_visitor(number), KEY)
        assert current == done.event_id
        assert done.state.categories["marketing"].granted is (number % 2 == 0)
        assert done.state.categories["marketing"].event_id == done.event_id

    async def many() -> None:
        await asyncio.gather(*(one(n) for n in range(60)))

    try:
        asyncio.run(many())
    finally:
        writer.close()
        observer.dispose()
    assert _count(engine, ConsentEvent) == 60 and _count(engine, CurrentConsent) == 60
    # Group commit: requests that arrive together share a transaction.
    assert 1 <= len(commits) < 60


def _refuse_language(engine: sa.Engine, language: str) -> None:
    """A real refusal by the database: a trigger that rejects events in ``language``."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"""
                CREATE FUNCTION refuse_language() RETURNS trigger AS $$
                BEGIN
                    IF NEW.language = '{language}' THEN RAISE EXCEPTION 'refused'; END IF;
                    RETURN NEW;
                END; $$ LANGUAGE plpgsql""")
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_language BEFORE INSERT ON consent_events "
                "FOR EACH ROW EXECUTE FUNCTION refuse_language()")
        else:
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_language BEFORE INSERT ON consent_events "
                f"WHEN NEW.language = '{language}' BEGIN SELECT RAISE(ABORT, 'refused'); END")


def test_a_failed_batch_fails_every_request_in_it_and_writes_nothing(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    _refuse_language(engine, "xx")
    writer = ConsentWriter(engine)

    async def batch() -> list[object]:
        # Appended together, before the writer runs: one batch, one transaction.
        events = [_banner_event(manifest, n) for n in range(20)]
        events.insert(7, _banner_event(manifest, 99, language="xx"))
        return await asyncio.gather(*(writer.append(e) for e in events),
                                    return_exceptions=True)

    async def later() -> records.Appended:
        return await writer.append(_banner_event(manifest, 500))

    try:
        outcomes = asyncio.run(batch())
        assert len(outcomes) == 21
        assert all(isinstance(o, WriteFailedError) for o in outcomes)
        assert "nothing was written" in str(outcomes[0])
        assert _count(engine, ConsentEvent) == 0 and _count(engine, CurrentConsent) == 0
        # The writer carries on with the next batch.
        assert asyncio.run(later()).event_id is not None
    finally:
        writer.close()
    assert _count(engine, ConsentEvent) == 1 and _count(engine, CurrentConsent) == 1


def test_concurrent_writers_on_the_same_subjects_lose_nothing(
    engine: sa.Engine, manifest: Manifest,
) -> None:
    """Two writers (as two web processes have) append choices of the same ten subjects at
    once; every event is kept and each subject's state is the fold of its events."""
    writers = [ConsentWriter(engine), ConsentWriter(engine)]
    failures: list[BaseException] = []

    def run(writer: ConsentWriter, offset: int) -> None:
        async def go() -> None:
            await asyncio.gather(*(writer.append(records.new_event(
                manifest, _visitor(n % 10),
                Choices(categories={CATEGORIES[(n + offset) % 3]: (n + offset) % 2 == 0}),
                source=ConsentSource.banner, language="nb", key=KEY))
                for n in range(offset, offset + 80)))
        try:
            asyncio.run(go())
        except BaseException as error:  # reported in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(w, i * 1000)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for writer in writers:
        writer.close()
    assert failures == []
    assert _count(engine, ConsentEvent) == 160 and _count(engine, CurrentConsent) == 10
    with transaction(engine) as session:
        subjects = [_visitor(n) for n in range(10)]
        states = records.states_for(session, subjects, KEY)
        history = records.events_for(session, [records.subject_hash(s, KEY) for s in subjects])
        for subject, state in zip(subjects, states, strict=True):
            assert state == records.fold(history[records.subject_hash(subject, KEY)])


def test_two_gpc_signals_at_once_make_one_event(engine: sa.Engine, manifest: Manifest) -> None:
    writer = ConsentWriter(engine)
    subject = records.visitor(VISITOR)

    async def signals() -> list[records.Appended]:
        events = [records.gpc_event(manifest, subject, language="en", key=KEY)
                  for _ in range(3)]
        return await asyncio.gather(*(writer.append(e) for e in events if e is not None))

    try:
        done = asyncio.run(signals())
    finally:
        writer.close()
    assert [d.event_id is not None for d in done] == [True, False, False]
    assert all(d.state.categories["marketing"].source == "gpc" for d in done)
    assert _count(engine, ConsentEvent) == 1


# --- the current state agrees with the history ---------------------------------------------


choice_maps = st.dictionaries(st.sampled_from(CATEGORIES), st.booleans(), max_size=3)
purpose_maps = st.dictionaries(st.sampled_from(PURPOSES), st.booleans(), max_size=3)
events_strategy = st.lists(st.tuples(
    st.integers(0, 3),  # which subject: visitors 0-2, customer K-1
    choice_maps, purpose_maps,
    st.integers(-5, 5),  # days from T0, so events arrive out of order
    st.sampled_from([ConsentSource.banner, ConsentSource.portal, ConsentSource.gpc]),
), min_size=1, max_size=25)


def _subject(number: int) -> records.ConsentSubject:
    return records.customer("K-1") if number == 3 else _visitor(number)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events_strategy, batch_size=st.integers(1, 6), link=st.booleans())
def test_the_current_state_is_the_fold_of_the_history(
    engine: sa.Engine, manifest: Manifest, events: list[tuple[int, dict[str, bool],
                                                              dict[str, bool], int,
                                                              ConsentSource]],
    batch_size: int, link: bool,
) -> None:
    with engine.begin() as connection:  # each example starts from an empty store
        for table in (ConsentEvent, CurrentConsent, ConsentLink):
            connection.execute(sa.delete(table))
    made: list[NewEvent] = []
    for number, categories, purposes, days, source in events:
        subject, at = _subject(number), T0 + timedelta(days=days)
        if source is ConsentSource.gpc:
            gpc = records.gpc_event(manifest, subject, language="en", now=at, key=KEY)
            assert gpc is not None
            made.append(gpc)
        elif categories or purposes:
            made.append(records.new_event(manifest, subject, Choices(categories, purposes),
                                          source=source, language="nb", now=at, key=KEY))
    if link:
        with transaction(engine) as session:
            records.link_visitor(session, _visitor(0).value, "K-1", key=KEY)
    for start in range(0, len(made), batch_size):
        with engine.begin() as connection:
            records.append(connection, made[start:start + batch_size])
    subjects = [_subject(n) for n in range(4)]
    with transaction(engine) as session:
        states = records.states_for(session, subjects, KEY)
        groups = records.linked_hashes(session, [records.subject_hash(s, KEY) for s in subjects])
        history = records.events_for(session, {h for g in groups.values() for h in g})
        for subject, state in zip(subjects, states, strict=True):
            group = groups[records.subject_hash(subject, KEY)]
            assert state == records.fold(e for h in group for e in history.get(h, []))
        # A GPC signal is recorded only as a subject's first event (in the order written).
        for found in history.values():
            assert all(e.source != "gpc" for e in sorted(found, key=lambda e: e.id)[1:])


# --- monthly partitions (PostgreSQL) ---------------------------------------------------------


def _partitions(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(sa.text(
            "SELECT child.relnamespace::regnamespace || '.' || child.relname FROM pg_inherits "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = 'consent_events'::regclass")))


def _month_name(moment: datetime) -> str:
    return f"consent_partitions.consent_events_{moment:%Y_%m}"


def test_partitions_exist_for_this_month_and_the_next(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    upgrade(engine)
    now = datetime.now(UTC)
    next_month = records.month_of(records.month_of(now) + timedelta(days=32))
    assert {_month_name(now), _month_name(next_month)} <= set(_partitions(engine))
    with engine.connect() as connection:
        kind = connection.scalar(sa.text(
            "SELECT relkind FROM pg_class WHERE oid = 'consent_events'::regclass"))
    assert kind == "p"  # partitioned
    engine.dispose()


def test_an_event_in_a_new_month_gets_its_partition(postgres_url: str,
                                                    manifest: Manifest) -> None:
    engine = sa.create_engine(postgres_url)
    upgrade(engine)
    far = datetime(2031, 7, 15, 9, 30, tzinfo=UTC)
    assert _month_name(far) not in _partitions(engine)
    with transaction(engine) as session:
        event = records.record(session, manifest, records.customer("K-9"),
                               Choices(purposes={"newsletter": True}),
                               source=ConsentSource.portal, language="nb", now=far, key=KEY)
    assert _month_name(far) in _partitions(engine)
    with engine.connect() as connection:
        home = connection.scalar(sa.text(
            "SELECT tableoid::regclass::text FROM consent_events WHERE id = :id"),
            {"id": event.id})
    assert home == _month_name(far)
    # The writer makes it too, and remembers it only after its batch committed.
    writer = ConsentWriter(engine)
    later = datetime(2032, 2, 1, tzinfo=UTC)
    try:
        done = asyncio.run(writer.append(_banner_event(manifest, 1, at=later)))
    finally:
        writer.close()
    assert done.event_id is not None and _month_name(later) in _partitions(engine)
    engine.dispose()


def test_the_migration_moves_existing_events_into_partitions(postgres_url: str) -> None:
    """0007 on a store that already holds events: the rows, their ids and the append-only
    rule survive, the id sequence continues, and the current state is filled from them."""
    engine = sa.create_engine(postgres_url)
    upgrade(engine, "0006")
    rows = [{"subject_hash": "a" * 64, "subject_kind": "visitor_id", "at": T0 + timedelta(days=d),
             "choices": {"categories": {"marketing": d % 2 == 0}, "purposes": {}},
             "notice_version": "v" * 64, "language": "nb", "source": "banner", "gpc": False,
             "user_agent_family": None} for d in (0, 40, 3)]
    table = sa.Table("consent_events", sa.MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        ids = [connection.execute(table.insert().values(**row)).inserted_primary_key[0]
               for row in rows]
    upgrade(engine)
    with engine.connect() as connection:
        moved = connection.execute(sa.select(ConsentEvent.id, ConsentEvent.at)
                                   .order_by(ConsentEvent.id)).all()
        current = connection.execute(sa.select(CurrentConsent)).one()
    assert [r.id for r in moved] == ids
    assert current.last_event_id == max(ids)
    # The newest by time (day 40: granted) wins, not the last written (day 3: refused).
    assert current.choices["categories"]["marketing"][0] is True
    assert {_month_name(T0), _month_name(T0 + timedelta(days=40))} <= set(_partitions(engine))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.update(ConsentEvent).values(language="en"))
    with engine.begin() as connection:
        again = connection.execute(sa.insert(ConsentEvent).values(**rows[0])
                                   .returning(ConsentEvent.id)).scalar_one()
    assert again > max(ids)
    engine.dispose()


# --- statements per write and per decision ---------------------------------------------------


@pytest.fixture
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Every statement sent through SQLAlchemy on ``engine``."""
    seen: list[str] = []

    def note(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", note)


def _wire(connection: sa.Connection, work: Callable[[], object]) -> tuple[int, int]:
    """The statements ``work`` sends to PostgreSQL and its round trips (Syncs), counted
    from libpq's own protocol trace; BEGIN is the transaction's, not the work's."""
    pgconn = connection.connection.driver_connection.pgconn  # type: ignore[union-attr]
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        try:
            work()
        finally:
            pgconn.untrace()
        trace.seek(0)
        sent = [line.split("\t", 3)[3] for line in trace.read().splitlines()
                if line.split("\t")[1] == "F"]
    parsed = [m for m in sent if m.startswith("Parse") and '"BEGIN"' not in m]
    return len(parsed), sum(m.startswith("Sync") for m in sent)


def test_a_batch_costs_the_same_statements_whatever_its_size(
    engine: sa.Engine, manifest: Manifest, statements: list[str],
) -> None:
    now = datetime.now(UTC)
    ready = {records.month_of(now)}
    with engine.begin() as connection:
        records.ensure_partitions(connection, ready)
    costs = []
    for size in (1, 120):
        events = [_banner_event(manifest, size * 1000 + n) for n in range(size)]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                costs.append(_wire(connection, partial(
                    records.append, connection, events, ready_months=ready)))
            else:
                statements.clear()
                records.append(connection, events, ready_months=ready)
                costs.append((len(statements), 0))
    # Make-and-lock the state rows, draw ids (PostgreSQL) or find the last id (SQLite),
    # insert the events, update the states, read the linked identities; on PostgreSQL
    # in two pipelines.
    expected = (5, 3) if engine.dialect.name == "postgresql" else (6, 0)
    assert costs == [expected, expected]
    assert _count(engine, ConsentEvent) == 121


def test_a_decision_reads_two_indexes_however_long_the_history(
    engine: sa.Engine, manifest: Manifest, statements: list[str],
) -> None:
    subject = records.customer("K-5")
    with engine.begin() as connection:
        records.append(connection, [records.new_event(
            manifest, subject, Choices(purposes={"newsletter": n % 2 == 0}),
            source=ConsentSource.portal, language="nb", now=T0 + timedelta(minutes=n), key=KEY)
            for n in range(200)])
    statements.clear()
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")  # the connection's BEGIN, before the trace
        found: list[decisions.ConsentDecision] = []
        wire = _wire(connection, lambda: found.append(decisions.decide(
            connection, manifest, subject, "newsletter", key=KEY))) \
            if engine.dialect.name == "postgresql" else None
        if wire is None:
            statements.clear()
            found.append(decisions.decide(connection, manifest, subject, "newsletter",
                                          key=KEY))
    assert found[0].reason is decisions.DecisionReason.consent_withdrawn  # n = 199 refused
    assert found[0].consented_at == T0 + timedelta(minutes=199)
    # The state with linked identities, and the restrictions and objections in force:
    # on PostgreSQL sent together, in one round trip; never the history.
    if wire is not None:
        assert wire == (2, 1)
    else:
        assert len(statements) == 2
        assert all("consent_events" not in s for s in statements)


def test_decisions_survive_the_database_dropping_their_connection(
    postgres_url: str, manifest: Manifest,
) -> None:
    """Decisions keep their connections between requests; when PostgreSQL drops them
    (a restart, an idle timeout), the next decision reconnects instead of failing."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from personvern.store.database import make_engine, session_factory
    from personvern.web.consent_routes import create_consent_router

    engine = make_engine(postgres_url)
    upgrade(engine)
    app = FastAPI()
    app.include_router(create_consent_router(lambda: manifest, session_factory(engine),
                                             lambda: None, hash_key=KEY))
    question = {"subject": {"kind": "customer_number", "value": "K-1"},
                "purpose": "newsletter"}
    with TestClient(app) as client:
        first = client.post("/api/v1/consent/decision", json=question)
        assert first.status_code == 200 and first.json()["reason"] == "no_consent"
        killer = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with killer.connect() as connection:
            dropped = connection.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        killer.dispose()
        assert dropped
        for _ in range(6):  # the first finds the pool's connections dropped, and renews them
            again = client.post("/api/v1/consent/decision", json=question)
            assert again.status_code == 200, again.text
    engine.dispose()
