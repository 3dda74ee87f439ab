"""Connecting to a shop's database and reading its schema.

The URL comes only from the manifest (which takes it from the environment with
``${VAR}``), so a password is never typed on a command line. Every connection is bounded:
a connect timeout, a statement timeout (on SQLite, which has none, a deadline checked by
a progress handler), and read-only sessions (PostgreSQL ``default_transaction_read_only``,
MySQL/MariaDB ``SET SESSION TRANSACTION READ ONLY``, SQLite ``mode=ro``). Error messages
name the datastore and show the URL with its password hidden; nothing here logs a URL or
a bound value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from personvern.manifest.model import Datastore

CONNECT_TIMEOUT_SECONDS = 5
STATEMENT_TIMEOUT_SECONDS = 60
SQLITE_PROGRESS_STEPS = 10_000  # virtual machine steps between two looks at the clock

TypeFamily = Literal[
    "string", "text", "integer", "decimal", "float", "boolean", "date", "datetime", "json",
    "binary", "uuid",
]


class DatastoreError(Exception):
    """A datastore cannot be used; the message names it and never shows a password."""

    def __init__(self, datastore: str, message: str) -> None:
        self.datastore = datastore
        super().__init__(f"datastore {datastore!r}: {message}")


# --- connecting -----------------------------------------------------------------------


def connect(
    datastore: Datastore,
    *,
    name: str,
    read_only: bool = True,
    statement_timeout: float = STATEMENT_TIMEOUT_SECONDS,
    check: bool = True,
    pre_ping: bool = False,
) -> Engine:
    """An engine for ``datastore``; with ``check``, one round trip proves it is reachable.

    ``pre_ping``: the pool tests a connection before lending it (for long-lived engines).
    """
    url = _url_of(datastore, name)
    backend = url.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(url, name, read_only=read_only, timeout=statement_timeout,
                                pre_ping=pre_ping)
    elif backend == "postgresql":
        engine = _postgresql_engine(url, name, read_only=read_only, timeout=statement_timeout,
                                    pre_ping=pre_ping)
    elif backend in ("mysql", "mariadb"):
        engine = _mysql_engine(url, name, read_only=read_only, timeout=statement_timeout,
                               pre_ping=pre_ping)
    else:
        raise DatastoreError(
            name, f"unsupported database {backend!r} (use sqlite, postgresql or mysql)"
        )
    if check:
        _check_reachable(engine, name)
    return engine


# A worker answers one request after another against the same shop databases: opening
# a connection (and proving it reachable) for each cost more than the request's queries,
# and a new connection has none of the statements the driver prepared. So engines are
# kept for the life of the process, one per datastore, URL and access mode; their pools
# check a connection with a ping before lending it, so a restarted server costs one
# reconnect, not a failed request.
_SHARED: dict[tuple[str, str, bool, float], Engine] = {}
_SHARED_LOCK = threading.Lock()


def shared_engine(
    datastore: Datastore,
    *,
    name: str,
    read_only: bool = True,
    statement_timeout: float = STATEMENT_TIMEOUT_SECONDS,
) -> Engine:
    """The process's engine for ``datastore`` (made by :func:`connect` the first time).

    Never dispose of it: the next request uses it again.
    """
    key = (name, _url_of(datastore, name).render_as_string(hide_password=False), read_only,
           statement_timeout)
    with _SHARED_LOCK:
        engine = _SHARED.get(key)
        if engine is None:
            engine = connect(datastore, name=name, read_only=read_only,
                             statement_timeout=statement_timeout, pre_ping=True)
            _SHARED[key] = engine
    return engine


def _url_of(datastore: Datastore, name: str) -> URL:
    if datastore.url is None:
        raise DatastoreError(name, "has no url: (set it, e.g. url: ${SHOP_DATABASE_URL})")
    secret = datastore.url.get_secret_value()
    if "${" in secret:
        raise DatastoreError(name, "url: names an environment variable that is not set")
    try:
        return sa.make_url(secret)
    except (ArgumentError, ValueError):
        # The parser's message may quote the URL, password and all: give our own.
        raise DatastoreError(name, "url: is not a database URL "
                                   "(dialect+driver://user:password@host/database)") from None


def _engine(url: URL, name: str, connect_args: Mapping[str, Any], *, pre_ping: bool
            ) -> Engine:
    try:
        # hide_parameters: bound values are identities (e-mail addresses, phone numbers)
        # and must not end up in exception messages.
        return sa.create_engine(url, connect_args=dict(connect_args), hide_parameters=True,
                                pool_pre_ping=pre_ping)
    except NoSuchModuleError:
        raise DatastoreError(name, f"no driver for {url.drivername!r}") from None


def _sqlite_engine(url: URL, name: str, *, read_only: bool, timeout: float, pre_ping: bool
                   ) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        engine = _engine(url, name, {"timeout": CONNECT_TIMEOUT_SECONDS}, pre_ping=pre_ping)
    elif not Path(database).is_file():
        # sqlite3 would silently create an empty file; a missing shop database is an error.
        raise DatastoreError(name, f"no SQLite database at {database}")
    else:
        mode = "ro" if read_only else "rw"
        uri = f"file:{quote(str(Path(database).resolve()))}?mode={mode}"
        engine = _engine(url.set(database=uri, query={**url.query, "uri": "true"}), name,
                         {"timeout": CONNECT_TIMEOUT_SECONDS}, pre_ping=pre_ping)
    _sqlite_statement_deadline(engine, timeout)
    return engine


def _sqlite_statement_deadline(engine: Engine, timeout: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts a statement that
    runs past its deadline, which is set afresh before each statement."""

    @sa.event.listens_for(engine, "connect")
    def _install(dbapi_connection: Any, record: Any) -> None:
        deadline = record.info.setdefault("deadline", [float("inf")])
        dbapi_connection.set_progress_handler(
            lambda: int(time.monotonic() > deadline[0]), SQLITE_PROGRESS_STEPS)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _arm(connection: Any, *_: Any) -> None:
        deadline = connection.connection.info.get("deadline")
        if deadline is not None:
            deadline[0] = time.monotonic() + timeout


def _postgresql_engine(url: URL, name: str, *, read_only: bool, timeout: float,
                       pre_ping: bool) -> Engine:
    # plan_cache_mode: the walk's queries compare with ``= ANY(:values)`` and are
    # prepared by the driver (see plan.py); PostgreSQL would still plan each execution
    # afresh, because it cannot tell how long an array will be and keeps preferring a
    # custom plan. The plans are index lookups whatever the values, so plan them once.
    options = [f"-c statement_timeout={int(timeout * 1000)}",
               "-c plan_cache_mode=force_generic_plan"]
    if read_only:
        options.append("-c default_transaction_read_only=on")
    return _engine(url, name, {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "options": " ".join(options),
        "application_name": "personvern",
    }, pre_ping=pre_ping)


def _mysql_engine(url: URL, name: str, *, read_only: bool, timeout: float, pre_ping: bool
                  ) -> Engine:
    engine = _engine(url, name, {"connect_timeout": CONNECT_TIMEOUT_SECONDS},
                     pre_ping=pre_ping)

    @sa.event.listens_for(engine, "connect")
    def _session_limits(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])
            # MariaDB and MySQL name the statement timeout differently (and count in
            # seconds and milliseconds); MySQL's applies to SELECT only.
            if "mariadb" in version.lower():
                cursor.execute(f"SET SESSION max_statement_time = {float(timeout)}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {int(timeout * 1000)}")
            if read_only:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
        finally:
            cursor.close()

    return engine


def _check_reachable(engine: Engine, name: str) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatastoreError(name, f"cannot connect to {describe_url(engine.url)}: "
                                   f"{reason(error, engine.url)}") from None


def describe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def reason(error: SQLAlchemyError, url: URL) -> str:
    """The driver's own words, first line only, with the password cut out if it is there."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(
        original).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


# --- the schema as the database has it ------------------------------------------------


@dataclass(frozen=True)
class ColumnSnapshot:
    name: str
    family: TypeFamily | None  # None: a type outside the families (TIME, INTERVAL, …)
    database_type: str
    nullable: bool


@dataclass(frozen=True)
class ForeignKeySnapshot:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]

    def target_of(self, column: str) -> str | None:
        """``table.column`` that ``column`` points at through this key, if it is in it."""
        if column not in self.columns:
            return None
        return f"{self.referred_table}.{self.referred_columns[self.columns.index(column)]}"


@dataclass(frozen=True)
class TableSnapshot:
    name: str
    columns: Mapping[str, ColumnSnapshot]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKeySnapshot, ...] = ()

    def references_of(self, column: str) -> list[str]:
        """Every ``table.column`` the database says ``column`` points at."""
        return [t for fk in self.foreign_keys if (t := fk.target_of(column)) is not None]


@dataclass(frozen=True)
class SchemaSnapshot:
    dialect: str
    tables: Mapping[str, TableSnapshot] = field(default_factory=dict)


def reflect(engine: Engine) -> SchemaSnapshot:
    """Tables, columns (with a type family), primary and foreign keys of the default schema."""
    inspector = sa.inspect(engine)
    tables = {}
    for table in sorted(inspector.get_table_names()):
        columns = {
            column["name"]: ColumnSnapshot(
                name=column["name"],
                family=type_family(column["type"]),
                database_type=_type_name(column["type"], engine),
                nullable=bool(column.get("nullable", True)),
            )
            for column in inspector.get_columns(table)
        }
        primary_key = tuple(inspector.get_pk_constraint(table).get("constrained_columns") or ())
        foreign_keys = tuple(
            ForeignKeySnapshot(
                columns=tuple(fk["constrained_columns"]),
                referred_table=fk["referred_table"],
                referred_columns=tuple(fk["referred_columns"]),
            )
            for fk in inspector.get_foreign_keys(table)
        )
        tables[table] = TableSnapshot(table, columns, primary_key, foreign_keys)
    return SchemaSnapshot(dialect=engine.dialect.name, tables=tables)


def read_schema(datastore: Datastore, *, name: str) -> SchemaSnapshot:
    """Connect, reflect, disconnect; every failure is a :class:`DatastoreError`."""
    engine = connect(datastore, name=name)
    try:
        return reflect(engine)
    except SQLAlchemyError as error:
        raise DatastoreError(name, f"cannot read the schema of {describe_url(engine.url)}: "
                                   f"{reason(error, engine.url)}") from None
    finally:
        engine.dispose()


def _type_name(column_type: sa.types.TypeEngine[Any], engine: Engine) -> str:
    try:
        return str(column_type.compile(dialect=engine.dialect))
    except Exception:  # a type the dialect cannot print: name it anyway
        return type(column_type).__name__


def type_family(column_type: sa.types.TypeEngine[Any]) -> TypeFamily | None:
    """The portable family of a reflected type; order matters (Text is a String, …)."""
    if isinstance(column_type, sa.Boolean) or _is_mysql_bool(column_type):
        return "boolean"
    checks: tuple[tuple[type[Any] | tuple[type[Any], ...], TypeFamily], ...] = (
        (sa.Uuid, "uuid"),
        (sa.JSON, "json"),
        ((sa.LargeBinary, sa.BINARY, sa.VARBINARY), "binary"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.Integer, "integer"),
        (sa.Float, "float"),
        (sa.Numeric, "decimal"),
        (sa.Text, "text"),
        (sa.String, "string"),
    )
    for kinds, family in checks:
        if isinstance(column_type, kinds):
            # MySQL's TINYTEXT/MEDIUMTEXT/LONGTEXT are Strings to SQLAlchemy, not Texts.
            if family == "string" and type(column_type).__name__.endswith("TEXT"):
                return "text"
            return family
    return None


def _is_mysql_bool(column_type: sa.types.TypeEngine[Any]) -> bool:
    # MySQL and MariaDB have no boolean type: BOOLEAN is stored as TINYINT(1).
    return type(column_type).__name__ == "TINYINT" and getattr(
        column_type, "display_width", None) == 1
