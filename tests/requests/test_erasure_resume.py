"""An erasure that dies half-way is finished by running it again: the end state is the one
an uninterrupted run reaches, datastores already done are not touched, and a datastore
whose commit was not recorded is rewritten with exactly the same bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from test_erasure_shop import (
    ERASED_AT,
    SECRET,
    approved_request,
    checksums,
    customers_with_orders_on_both_sides,
    database_part,
    engine_store,
    make_shop,
    statements_on,
    two_store_manifest,
)

from personvern.datastores.connect import DatastoreError
from personvern.requests import erasure
from personvern.requests.erasure import run_erasure
from personvern.store.database import session_factory
from personvern.store.models import DeferredErasure, ErasureStep, RequestKind, RequestStatus


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_SECRET", SECRET)


def _session(folder: Path) -> Iterator[Session]:
    folder.mkdir(exist_ok=True)
    engine = engine_store(folder)
    with session_factory(engine)() as opened:
        yield opened
    engine.dispose()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    yield from _session(tmp_path / "store")


@pytest.fixture
def reference_state(tmp_path: Path) -> tuple[dict[str, str], dict[str, str], int]:
    """Checksums of both datastores after an uninterrupted run (on SQLite), and how many
    deferred erasures it planned."""
    url_a = make_shop(f"sqlite:///{tmp_path}/reference_a.db")
    url_b = make_shop(f"sqlite:///{tmp_path}/reference_b.db")
    manifest = two_store_manifest(url_a, url_b)
    _, email = customers_with_orders_on_both_sides(url_a)[0]
    for opened in _session(tmp_path / "reference_store"):
        request_id = approved_request(opened, RequestKind.erasure, email)
        run_erasure(opened, request_id, manifest, ERASED_AT)
        deferred = opened.scalar(sa.select(sa.func.count()).select_from(DeferredErasure))
    return checksums(url_a), checksums(url_b), int(deferred or 0)


@pytest.fixture
def pair(database_url: str, tmp_path: Path) -> tuple[str, str]:
    return make_shop(database_url), make_shop(f"sqlite:///{tmp_path}/shop_b.db")


def test_a_run_killed_between_datastores_is_finished_by_the_next(
    pair: tuple[str, str], session: Session, monkeypatch: pytest.MonkeyPatch,
    reference_state: tuple[dict[str, str], dict[str, str], int],
) -> None:
    url_a, url_b = pair
    manifest = two_store_manifest(url_a, url_b)
    _, email = customers_with_orders_on_both_sides(url_a)[0]
    request_id = approved_request(session, RequestKind.erasure, email)
    real_engine = erasure.shared_engine

    def dies_at_shop_b(store: Any, *, name: str, **options: Any) -> sa.Engine:
        if name == "shop_b":
            raise DatastoreError(name, "the process was killed")
        return real_engine(store, name=name, **options)

    monkeypatch.setattr(erasure, "shared_engine", dies_at_shop_b)
    with pytest.raises(DatastoreError):
        run_erasure(session, request_id, manifest, ERASED_AT)
    session.rollback()
    steps = {s.datastore: s.status for s in session.scalars(sa.select(ErasureStep))}
    assert steps == {"shop_a": "done"}

    monkeypatch.setattr(erasure, "shared_engine", real_engine)
    with statements_on(database_part(url_a)) as on_a:
        outcome = run_erasure(session, request_id, manifest, ERASED_AT)

    assert on_a == []  # shop_a was done: not even connected to again
    assert outcome.status is RequestStatus.running  # Art. 19 tasks are open
    expected_a, expected_b, deferred = reference_state
    assert (checksums(url_a), checksums(url_b)) == (expected_a, expected_b)
    assert session.scalar(sa.select(sa.func.count()).select_from(DeferredErasure)) == deferred


def test_a_commit_that_was_not_recorded_is_redone_with_the_same_bytes(
    pair: tuple[str, str], session: Session, monkeypatch: pytest.MonkeyPatch,
    reference_state: tuple[dict[str, str], dict[str, str], int],
) -> None:
    url_a, url_b = pair
    manifest = two_store_manifest(url_a, url_b)
    _, email = customers_with_orders_on_both_sides(url_a)[0]
    request_id = approved_request(session, RequestKind.erasure, email)
    real_record = erasure.record_done

    def dies_before_recording(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed after shop_a committed, before it was recorded")

    monkeypatch.setattr(erasure, "record_done", dies_before_recording)
    with pytest.raises(RuntimeError):
        run_erasure(session, request_id, manifest, ERASED_AT)
    session.rollback()
    assert [s.status for s in session.scalars(sa.select(ErasureStep))] == ["planned"]
    masked_once = checksums(url_a)

    monkeypatch.setattr(erasure, "record_done", real_record)
    run_erasure(session, request_id, manifest, ERASED_AT)

    expected_a, expected_b, deferred = reference_state
    assert checksums(url_a) == masked_once == expected_a
    assert checksums(url_b) == expected_b
    assert session.scalar(sa.select(sa.func.count()).select_from(DeferredErasure)) == deferred
