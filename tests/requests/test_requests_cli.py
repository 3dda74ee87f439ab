"""``personvern requests``: the commands, their exit codes, and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from personvern.cli import app
from personvern.store.models import AuditEntry, DataSubjectRequest, RequestEvent

MANIFEST = """\
version: 1
organization:
  name: Testbutikken AS
  country: "NO"
  email: personvern@testbutikken.no
  languages: [nb, en]
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "personvern.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


@pytest.fixture
def url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "160"})


def create(url: str, manifest: Path, *extra: str) -> Result:
    return run("requests", "create", "--database", url, "--manifest", str(manifest),
               "--actor", "staff:test", *extra)


def _id(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.split()[0]


def _rows(engine: sa.Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
            for table in (DataSubjectRequest, RequestEvent, AuditEntry)
        )


def test_create_then_walk_the_whole_path(url: str, manifest: Path, engine: sa.Engine) -> None:
    request_id = _id(create(url, manifest, "--kind", "access",
                            "--email", "Kari.Nordmann@Example.no"))
    for command, extra, status in [
        ("verify", ["--method", "email_link"], "identity_verified"),
        ("approve", ["--no-run"], "approved"),  # `start` and `complete` by hand
        ("start", [], "running"),
        ("complete", [], "completed"),
    ]:
        result = run("requests", command, request_id, "--database", url, *extra)
        assert result.exit_code == 0, result.output
        assert status in result.output
    shown = run("requests", "show", request_id, "--database", url)
    assert shown.exit_code == 0, shown.output
    assert "kari.nordmann@example.no" in shown.output  # show is the one place for the value
    for event in ("received", "identity_verified", "approved", "running", "completed"):
        assert event in shown.output
    assert _rows(engine) == (1, 5, 5)
    assert run("audit", "verify", "--database", url).exit_code == 0


def test_list_masks_identifiers(url: str, manifest: Path) -> None:
    _id(create(url, manifest, "--kind", "erasure", "--email", "kari.nordmann@example.no"))
    _id(create(url, manifest, "--kind", "objection", "--phone", "912 34 567",
               "--payload", '{"purposes": ["marketing"]}'))
    listed = run("requests", "list", "--database", url)
    assert listed.exit_code == 0, listed.output
    assert "k***@example.no" in listed.output
    assert "kari.nordmann" not in listed.output and "91234567" not in listed.output
    assert "erasure" in listed.output and "objection" in listed.output


def test_list_overdue_and_due_within(url: str, manifest: Path) -> None:
    old = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    late = _id(create(url, manifest, "--kind", "access", "--email", "a@example.no",
                      "--received-at", old))
    fresh = _id(create(url, manifest, "--kind", "access", "--email", "b@example.no"))
    late, fresh = late[:8], fresh[:8]  # lists show short ids
    overdue = run("requests", "list", "--overdue", "--database", url)
    assert late in overdue.output and fresh not in overdue.output
    soon = run("requests", "list", "--due-within", "7", "--database", url)
    assert late not in soon.output and fresh not in soon.output
    month = run("requests", "list", "--due-within", "40", "--database", url)
    assert fresh in month.output and late not in month.output


def test_commands_take_the_short_id_from_the_list(url: str, manifest: Path) -> None:
    request_id = _id(create(url, manifest, "--kind", "access", "--email", "h@example.no"))
    result = run("requests", "verify", request_id[:8], "--method", "email_link",
                 "--database", url)
    assert result.exit_code == 0, result.output
    assert request_id in result.output


def test_the_list_fits_an_80_column_terminal(url: str, manifest: Path) -> None:
    _id(create(url, manifest, "--kind", "rectification", "--email",
               "a.very.long.local.part@example.no"))
    listed = CliRunner().invoke(app, ["requests", "list", "--database", url],
                                env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    assert all(len(line) <= 80 for line in listed.output.splitlines())
    assert "rectification" in listed.output


def test_reject_names_the_authority(url: str, manifest: Path) -> None:
    request_id = _id(create(url, manifest, "--kind", "access", "--customer-number", "K-1001"))
    result = run("requests", "reject", request_id, "--reason", "Vi har ingen data om deg.",
                 "--manifest", str(manifest), "--database", url)
    assert result.exit_code == 0, result.output
    shown = run("requests", "show", request_id, "--database", url)
    assert "Datatilsynet" in shown.output and "Du har rett til å klage" in shown.output


def test_extend_in_time_and_too_late(url: str, manifest: Path, engine: sa.Engine) -> None:
    request_id = _id(create(url, manifest, "--kind", "portability", "--email", "c@example.no"))
    result = run("requests", "extend", request_id, "--reason", "Many requests",
                 "--database", url)
    assert result.exit_code == 0, result.output
    old = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    late_id = _id(create(url, manifest, "--kind", "access", "--email", "d@example.no",
                         "--received-at", old))
    before = _rows(engine)
    refused = run("requests", "extend", late_id, "--reason", "Many requests",
                  "--database", url)
    assert refused.exit_code == 1
    assert "within the first month" in refused.output
    assert _rows(engine) == before


def test_illegal_transition_exits_1(url: str, manifest: Path, engine: sa.Engine) -> None:
    request_id = _id(create(url, manifest, "--kind", "access", "--email", "e@example.no"))
    before = _rows(engine)
    result = run("requests", "start", request_id, "--database", url)
    assert result.exit_code == 1
    assert "is received and cannot be running" in result.output
    assert _rows(engine) == before


def test_unknown_request_exits_1(url: str) -> None:
    result = run("requests", "approve", "0000dead-0000-0000-0000-000000000000",
                 "--database", url)
    assert result.exit_code == 1 and "no request 0000dead" in result.output
    hostile = run("requests", "approve", "x'; DROP TABLE requests; --", "--database", url)
    assert hostile.exit_code == 1 and "hexadecimal" in hostile.output


@pytest.mark.parametrize("arguments", [
    ["--kind", "access", "--email", "not-an-address"],
    ["--kind", "access", "--email", "x" * 1_000_000 + "@example.no"],
    ["--kind", "access", "--phone", "12"],
    ["--kind", "access", "--phone", "9" * 100_000],
    ["--kind", "access", "--customer-number", "K" * 100_000],
    ["--kind", "access"],  # no identifier at all
    ["--kind", "telepathy", "--email", "a@example.no"],
    ["--kind", "access", "--email", "a@example.no", "--language", "x" * 1000],
    ["--kind", "access", "--email", "a@example.no", "--payload", "{not json"],
    ["--kind", "access", "--email", "a@example.no", "--payload", "[1, 2]"],
    ["--kind", "access", "--email", "a@example.no", "--payload", "1" * 100_000],
    ["--kind", "access", "--email", "a@example.no", "--received-at", "yesterday"],
    ["--kind", "access", "--email", "a@example.no", "--received-at", "2999-01-01"],
])
def test_hostile_input_exits_2_and_writes_nothing(
    url: str, manifest: Path, engine: sa.Engine, arguments: list[str]
) -> None:
    result = create(url, manifest, *arguments)
    assert result.exit_code == 2, result.output
    assert len(result.output) < 2000  # the error does not echo a huge value
    assert _rows(engine) == (0, 0, 0)


def test_an_empty_reason_is_wrong_input(url: str, manifest: Path) -> None:
    request_id = _id(create(url, manifest, "--kind", "access", "--email", "f@example.no"))
    result = run("requests", "reject", request_id, "--reason", " ", "--manifest",
                 str(manifest), "--database", url)
    assert result.exit_code == 2 and "must not be empty" in result.output


def test_a_missing_manifest_is_wrong_input(url: str, tmp_path: Path) -> None:
    result = create(url, tmp_path / "nowhere.yaml", "--kind", "access", "--email",
                    "a@example.no")
    assert result.exit_code == 2 and "no manifest" in result.output


def test_an_unmigrated_database_is_reported(sqlite_url: str, manifest: Path) -> None:
    result = create(sqlite_url, manifest, "--kind", "access", "--email", "a@example.no")
    assert result.exit_code == 1 and "personvern db upgrade" in result.output


def test_the_manifest_comes_from_the_environment(
    url: str, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERSONVERN_MANIFEST", str(manifest))
    result = run("requests", "create", "--kind", "access", "--email", "g@example.no",
                 "--database", url)
    assert result.exit_code == 0, result.output


def test_list_by_status(url: str, manifest: Path) -> None:
    kept = _id(create(url, manifest, "--kind", "access", "--email", "i@example.no"))
    moved = _id(create(url, manifest, "--kind", "access", "--email", "j@example.no"))
    assert run("requests", "verify", moved, "--method", "email_link",
               "--database", url).exit_code == 0
    listed = run("requests", "list", "--status", "received", "--database", url)
    assert kept[:8] in listed.output and moved[:8] not in listed.output
    assert run("requests", "list", "--status", "lost", "--database", url).exit_code == 2


def test_cli_enums_mirror_the_store() -> None:
    from personvern.requests.cli import Kind, Status
    from personvern.store.models import RequestKind, RequestStatus

    assert [k.value for k in Kind] == [k.value for k in RequestKind]
    assert [s.value for s in Status] == [s.value for s in RequestStatus]
