"""Helpers for the erasure and rectification tests on the demo shop (no tests here).

The demo shop is generated with ``reference`` 30 June 2025 (five years of history before
it) and erased on 1 June 2027: orders from 2020 and 2021 are past the bookkeeping hold
(5 years after the end of the financial year: 1 January 2026 and 2027), later ones are
still under it.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session

from personvern.datastores.connect import connect
from personvern.demo.generate import generate
from personvern.manifest.load import load_manifest
from personvern.manifest.model import Manifest
from personvern.requests import lifecycle
from personvern.requests.erasure import find_rows
from personvern.requests.subject import SubjectIdentity
from personvern.store.database import make_engine, upgrade
from personvern.store.models import RequestKind

MANIFEST = resources.files("personvern.demo").joinpath("manifest.yaml")
REFERENCE = date(2025, 6, 30)
ERASED_AT = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)
TODAY = ERASED_AT.date()
SECRET = "erasure-tests-secret-0123456789abcdef"
Key = tuple[Any, ...]


def make_shop(url: str) -> str:
    generate(url, 60, seed=5, reference=REFERENCE)
    return url


def demo_manifest(url: str) -> Manifest:
    return load_manifest(str(MANIFEST), environ={"PERSONVERN_DEMO_DB": url}).manifest


def two_store_manifest(url_a: str, url_b: str) -> Manifest:
    """The demo shop twice, as two datastores (a shop and its copy elsewhere)."""
    manifest = demo_manifest(url_a)
    [store] = manifest.datastores.values()
    return manifest.model_copy(update={"datastores": {
        "shop_a": store.model_copy(update={"url": SecretStr(url_a)}),
        "shop_b": store.model_copy(update={"url": SecretStr(url_b)}),
    }})


def engine_store(folder: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{folder}/personvern.db")
    upgrade(engine)
    return engine


def approved_request(session: Session, kind: RequestKind, email: str, *,
                     language: str = "nb", payload: dict[str, Any] | None = None) -> str:
    request = lifecycle.create_request(
        session, kind=kind, identity=SubjectIdentity(email=email.strip().lower()),
        language=language, country="NO", received_at=datetime(2027, 5, 20, 9, tzinfo=UTC),
        payload=payload)
    lifecycle.verify_identity(session, request.id, method="email_link",
                              now=datetime(2027, 5, 21, 9, tzinfo=UTC))
    lifecycle.approve(session, request.id, now=datetime(2027, 5, 22, 9, tzinfo=UTC))
    session.commit()
    return request.id


def customers_with_orders_on_both_sides(url: str) -> list[tuple[int, str]]:
    """Customers with an order past the hold (before 2022) and one under it (2022 on)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT c.id, c.email, o.created_at FROM customers c "
                "JOIN orders o ON o.customer_id = c.id ORDER BY c.id")).all()
    finally:
        engine.dispose()
    years: dict[tuple[int, str], set[bool]] = defaultdict(set)
    for customer_id, email, created in rows:
        year = int(str(created)[:4])
        years[(customer_id, email)].add(year < 2022)
    return [key for key, sides in years.items() if sides == {True, False}]


def subject_rows(url: str, manifest: Manifest, email: str) -> dict[str, list[dict[str, Any]]]:
    [(name, store)] = [(n, s) for n, s in manifest.datastores.items()
                       if s.url is not None and s.url.get_secret_value() == url]
    engine = connect(store, name=name)
    try:
        return find_rows(store, engine, {"email": [email.lower()]}, region="NO")
    finally:
        engine.dispose()


def row_keys(manifest: Manifest, found: dict[str, list[dict[str, Any]]]) -> dict[str, set[Key]]:
    [store] = manifest.datastores.values()
    return {name: {tuple(r[k] for k in store.collections[name].primary_key) for r in rows}
            for name, rows in found.items()}


def canonical(value: Any) -> Any:
    """A value as every backend gives it back (Decimal scale, datetimes, text)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def table_rows(url: str) -> dict[str, dict[Key, tuple[Any, ...]]]:
    """Every row of every table, by primary key, values canonical."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    try:
        with warnings.catch_warnings():  # expression indexes are not reflected: no matter
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            metadata.reflect(engine)
        found = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                pk = [c.name for c in table.primary_key.columns]
                found[table.name] = {
                    tuple(row._mapping[c] for c in pk): tuple(canonical(v) for v in row)
                    for row in connection.execute(sa.select(table))
                }
        return found
    finally:
        engine.dispose()


def checksums(url: str, exclude: dict[str, set[Key]] | None = None) -> dict[str, str]:
    """A SHA-256 per table over its rows, leaving out the ``exclude``d row keys."""
    out = {}
    for table, rows in table_rows(url).items():
        skip = (exclude or {}).get(table, set())
        digest = hashlib.sha256()
        for key in sorted(k for k in rows if k not in skip):
            digest.update(repr(rows[key]).encode())
        out[table] = digest.hexdigest()
    return out


@contextmanager
def statements_on(fragment: str) -> Iterator[list[str]]:
    """The SQL statements sent to any engine whose URL contains ``fragment``."""
    seen: list[str] = []

    def count(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if fragment in str(connection.engine.url):
            seen.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", count)


def database_part(url: str) -> str:
    """What identifies a test database inside an engine's URL."""
    return sa.make_url(url).database or url


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value)
