"""``personvern requests erase`` and ``rectify``: run, resume, refuse, with exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_erasure_shop import (
    MANIFEST,
    SECRET,
    approved_request,
    customers_with_orders_on_both_sides,
    engine_store,
    make_shop,
)
from typer.testing import CliRunner, Result

from personvern.cli import app
from personvern.store.database import session_factory
from personvern.store.models import RequestKind


@pytest.fixture
def shop(tmp_path: Path) -> str:
    return make_shop(f"sqlite:///{tmp_path}/shop.db")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = engine_store(tmp_path)
    yield engine
    engine.dispose()


def _run(shop: str, store: sa.Engine, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["requests", *args, "--manifest", str(MANIFEST), "--database",
              store.url.render_as_string(hide_password=False)],
        env={"COLUMNS": "200", "PERSONVERN_DEMO_DB": shop, "PERSONVERN_SECRET": SECRET})


def _request(store: sa.Engine, kind: RequestKind, email: str, **payload: object) -> str:
    with session_factory(store)() as session:
        return approved_request(session, kind, email, language="en",
                                payload=payload or None)


def test_erase_prints_counts_what_is_kept_and_the_answer(shop: str, store: sa.Engine) -> None:
    _, email = customers_with_orders_on_both_sides(shop)[0]
    request_id = _request(store, RequestKind.erasure, email)

    result = _run(shop, store, "erase", request_id[:8])

    assert result.exit_code == 0, result.output
    assert "kept under a hold" in result.output
    assert "kept: shop.orders billing_address, billing_name" in result.output
    assert "Art. 19 tasks: " in result.output and f"{request_id}  running" in result.output
    assert "Bokføringsloven (Norway) § 13" in result.output and "GDPR Art. 17(3)(b)" in \
        result.output
    assert email.lower() not in result.output.lower()
    again = _run(shop, store, "erase", request_id)  # resumes: nothing left to do
    assert again.exit_code == 0, again.output


def test_rectify_applies_and_refuses(shop: str, store: sa.Engine) -> None:
    _, email = customers_with_orders_on_both_sides(shop)[0]
    good = _request(store, RequestKind.rectification, email,
                    changes={"customers.last_name": "Berg"})
    bad = _request(store, RequestKind.rectification, email,
                   changes={"customers.email": "no address"})

    applied = _run(shop, store, "rectify", good)
    refused = _run(shop, store, "rectify", bad)

    assert applied.exit_code == 0, applied.output
    assert "shop.customers" in applied.output
    assert refused.exit_code == 1
    assert "not an e-mail address" in refused.output


def test_erase_refuses_a_request_that_is_not_approved(shop: str, store: sa.Engine) -> None:
    from personvern.requests import lifecycle
    from personvern.requests.subject import SubjectIdentity

    with session_factory(store)() as session:
        request = lifecycle.create_request(
            session, kind=RequestKind.erasure, identity=SubjectIdentity(email="a@b.no"),
            language="en", country="NO")
        session.commit()
        request_id = request.id
    result = _run(shop, store, "erase", request_id)
    assert result.exit_code == 1
    assert "cannot be running" in result.output
