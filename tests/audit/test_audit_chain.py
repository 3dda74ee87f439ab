"""The audit chain: appends link up, tampering is found at the first entry touched."""

from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from personvern.audit.chain import (
    GENESIS,
    AuditVerification,
    PersonalDataInAuditError,
    append,
    canonical,
    recent,
    verify,
)
from personvern.cli import app
from personvern.store.database import make_engine, transaction, upgrade
from personvern.store.models import AuditEntry

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _fill(engine: sa.Engine, count: int = 5) -> None:
    with transaction(engine) as session:
        for number in range(count):
            append(session, actor="tester", action="test.step", subject=f"request-{number}",
                   detail={"n": number, "note": "ærlig talt"}, at=T0 + timedelta(minutes=number))


def _verify(engine: sa.Engine) -> AuditVerification:
    with transaction(engine) as session:
        return verify(session)


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_entries_form_a_chain_from_the_genesis(engine: sa.Engine) -> None:
    _fill(engine)
    with transaction(engine) as session:
        entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [entry.id for entry in entries] == [1, 2, 3, 4, 5]
        assert entries[0].prev_hash == GENESIS
        for before, after in itertools.pairwise(entries):
            assert after.prev_hash == before.hash
        result = verify(session)
    assert result.intact and result.checked == 5 and result.head == entries[-1].hash


def test_the_hash_is_sha256_over_canonical_json(engine: sa.Engine) -> None:
    _fill(engine, 1)
    with transaction(engine) as session:
        entry = session.get_one(AuditEntry, 1)
        document = canonical(id=1, at=T0, actor="tester", action="test.step",
                             subject="request-0", detail={"n": 0, "note": "ærlig talt"},
                             prev_hash=GENESIS)
        assert entry.hash == hashlib.sha256(document).hexdigest()
    assert document.startswith(b'{"action":"test.step","actor":"tester","at":"2026-03-01T09:30')


def test_an_empty_log_verifies(engine: sa.Engine) -> None:
    result = _verify(engine)
    assert result.intact and result.checked == 0


def test_an_edited_detail_is_found(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.update(AuditEntry).where(AuditEntry.id == 3)
                           .values(detail={"n": 999}))
    result = _verify(engine)
    assert not result.intact and result.first_bad == 3
    assert "edited" in str(result)


def test_an_edited_and_resealed_entry_breaks_the_next_link(engine: sa.Engine) -> None:
    _fill(engine)
    with transaction(engine) as session:
        entry = session.get_one(AuditEntry, 2)
        entry.actor = "someone else"
        from personvern.audit.chain import seal

        entry.hash = seal(entry)
    result = _verify(engine)
    assert result.first_bad == 3
    assert "prev_hash" in str(result)


def test_a_deleted_entry_is_found(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.id == 2))
    result = _verify(engine)
    assert result.first_bad == 3
    assert "entry 2 is missing" in str(result)


def test_a_deleted_first_entry_is_found(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.id == 1))
    assert _verify(engine).first_bad == 2


def test_swapped_entries_are_found(engine: sa.Engine) -> None:
    """Entries 2 and 4 trade places (their ids are swapped): the chain breaks at 2."""
    _fill(engine)
    with engine.begin() as connection:
        for old, new in ((2, 1000), (4, 2), (1000, 4)):
            connection.execute(sa.update(AuditEntry).where(AuditEntry.id == old)
                               .values(id=new))
    result = _verify(engine)
    assert result.first_bad == 2
    assert "prev_hash" in str(result)


def test_truncation_is_found_against_a_remembered_head(engine: sa.Engine) -> None:
    _fill(engine)
    head = _verify(engine).head
    with engine.begin() as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.id == 5))
    assert _verify(engine).intact
    with transaction(engine) as session:
        result = verify(session, expected_head=head)
    assert not result.intact and result.first_bad == 5
    assert "truncated" in str(result)


def test_appending_after_a_rollback_leaves_no_gap(engine: sa.Engine) -> None:
    _fill(engine, 2)

    def append_then_fail() -> None:
        with transaction(engine) as session:
            append(session, actor="tester", action="test.lost")
            raise RuntimeError("the surrounding work failed")

    with pytest.raises(RuntimeError):
        append_then_fail()
    _fill(engine, 1)
    result = _verify(engine)
    assert result.intact and result.checked == 3


@pytest.mark.parametrize("detail", [
    {"email": "kari.nordmann@example.no"},
    {"phone": "+47 912 34 567"},
    {"nested": ["ok", {"deep": "ola@example.com"}]},
])
def test_personal_data_is_refused(engine: sa.Engine, detail: dict[str, object]) -> None:
    with pytest.raises(PersonalDataInAuditError) as raised, transaction(engine) as session:
        append(session, actor="tester", action="test.leak", detail=detail)
    assert "example" not in str(raised.value) and "912" not in str(raised.value)
    assert _verify(engine).checked == 0


def test_dates_and_ids_are_not_mistaken_for_phones(engine: sa.Engine) -> None:
    with transaction(engine) as session:
        append(session, actor="tester", action="test.ok",
               detail={"due": "2026-03-02", "id": "123e4567-e89b-12d3-a456-426614174000",
                       "count": 12345678})


def _append_many(url: str, writer: int, count: int, failures: list[BaseException]) -> None:
    engine = make_engine(url)
    try:
        for number in range(count):
            with transaction(engine) as session:
                append(session, actor=f"writer-{writer}", action="test.concurrent",
                       subject=f"request-{writer}", detail={"n": number})
    except BaseException as error:  # reported to the test thread
        failures.append(error)
    finally:
        engine.dispose()


def test_concurrent_writers_keep_one_chain(engine: sa.Engine) -> None:
    """Several threads, each with its own connection, append at once: no fork, no gap."""
    writers, each = 8, 15
    failures: list[BaseException] = []
    threads = [threading.Thread(target=_append_many, args=(_url(engine), n, each, failures))
               for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with transaction(engine) as session:
        result = verify(session)
        count = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        prev_hashes = session.scalars(sa.select(AuditEntry.prev_hash)).all()
    assert result.intact and result.checked == count == writers * each
    assert len(set(prev_hashes)) == len(prev_hashes)  # no entry has two successors


def test_recent_returns_the_newest_oldest_first(engine: sa.Engine) -> None:
    _fill(engine)
    with Session(engine) as session:
        assert [entry.id for entry in recent(session, 3)] == [3, 4, 5]


# --- the command line -------------------------------------------------------------------


def test_cli_verify_passes_on_an_intact_log(engine: sa.Engine) -> None:
    _fill(engine)
    result = CliRunner().invoke(app, ["audit", "verify", "--database", _url(engine)])
    assert result.exit_code == 0, result.output
    assert "intact: 5 entries" in result.output


def test_cli_verify_fails_naming_the_entry(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.update(AuditEntry).where(AuditEntry.id == 4)
                           .values(action="test.forged"))
    result = CliRunner().invoke(app, ["audit", "verify", "--database", _url(engine)])
    assert result.exit_code == 1
    assert "broken at entry 4" in result.output


def test_cli_verify_catches_truncation_with_expected_head(engine: sa.Engine) -> None:
    _fill(engine)
    head = _verify(engine).head
    with engine.begin() as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.id == 5))
    result = CliRunner().invoke(
        app, ["audit", "verify", "--database", _url(engine), "--expected-head", head])
    assert result.exit_code == 1 and "entry 5" in result.output


def test_cli_log_shows_entries(engine: sa.Engine) -> None:
    _fill(engine)
    result = CliRunner().invoke(app, ["audit", "log", "--database", _url(engine),
                                      "--limit", "2"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "request-4" in result.output and "request-3" in result.output
    assert "request-2" not in result.output


def test_cli_on_an_unmigrated_database_says_what_to_do(sqlite_url: str, tmp_path: Path) -> None:
    upgrade_needed = CliRunner().invoke(app, ["audit", "verify", "--database", sqlite_url])
    assert upgrade_needed.exit_code == 1
    assert "personvern db upgrade" in upgrade_needed.output
    upgrade(make_engine(sqlite_url))
    assert CliRunner().invoke(app, ["audit", "verify", "--database", sqlite_url]).exit_code == 0
