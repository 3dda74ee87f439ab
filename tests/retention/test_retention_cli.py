"""``personvern retention`` on the demo shop, and what it does with bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from personvern.cli import app
from personvern.demo.generate import generate

DEMO_MANIFEST = Path(__file__).parents[2] / "src" / "personvern" / "demo" / "manifest.yaml"
NOW = "2026-11-01T12:00:00Z"
runner = CliRunner()


@pytest.fixture
def demo(tmp_path: Path, sqlite_url: str, store_path: str,
         monkeypatch: pytest.MonkeyPatch) -> list[str]:
    generate(sqlite_url, 40, seed=9, reference=date(2026, 11, 1))
    monkeypatch.setenv("PERSONVERN_DEMO_DB", sqlite_url)
    monkeypatch.setenv("PERSONVERN_MANIFEST", str(DEMO_MANIFEST))
    return ["--now", NOW, "--database", store_path]


def test_verify_fails_before_the_run_and_passes_after(demo: list[str], tmp_path: Path) -> None:
    before = runner.invoke(app, ["retention", "verify", *demo, "--format", "json"])
    assert before.exit_code == 1, before.output
    report = json.loads(before.stdout)
    assert report["compliant"] is False
    assert any(r["past_due"] for r in report["rules"])

    planned = runner.invoke(app, ["retention", "plan", "--now", NOW, "--format", "json"])
    assert planned.exit_code == 0, planned.output
    due = {r["rule"]: r["due_rows"] for r in json.loads(planned.stdout)["rules"]}
    assert due["shop.access_logs.retention[0]"] > 0

    ran = runner.invoke(app, ["retention", "run", *demo, "--batch-size", "100"])
    assert ran.exit_code == 0, ran.output
    assert "shop.access_logs.retention[0]: " in ran.stdout

    after = runner.invoke(app, ["retention", "verify", *demo])
    assert after.exit_code == 0, after.output
    assert "every promise kept" in after.stdout and "PAST DUE" not in after.stdout
    page = tmp_path / "report.html"
    html = runner.invoke(app, ["retention", "verify", *demo, "--format", "html", "-o", str(page)])
    assert html.exit_code == 0, html.output
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "Every retention promise is kept." in text

    again = runner.invoke(app, ["retention", "plan", "--now", NOW, "--format", "json"])
    assert all(r["due_rows"] == 0 for r in json.loads(again.stdout)["rules"])
    audit = runner.invoke(app, ["audit", "verify", "--database", demo[-1]])
    assert audit.exit_code == 0, audit.output


def test_a_dry_run_writes_nothing(demo: list[str]) -> None:
    dry = runner.invoke(app, ["retention", "run", *demo, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    still = runner.invoke(app, ["retention", "verify", *demo])
    assert still.exit_code == 1


@pytest.mark.parametrize(("arguments", "message"), [
    (["--now", "yesterday"], "--now is not an ISO 8601 moment"),
    (["--now", "2026-13-45"], "--now is not an ISO 8601 moment"),
    (["--now", "9" * 5000], "--now is not an ISO 8601 moment"),
    (["--rule", "shop.nothing.retention[0]"], "no retention rule"),
    (["--rule", "'; DROP TABLE access_logs; --"], "no retention rule"),
    (["--rule", "\x1b[31mred\x00"], "no retention rule"),
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "-5"], "--batch-size"),
    (["--batch-size", "ten"], "--batch-size"),
    (["--pause", "1e9"], "--pause"),
    (["--pause", "nan"], "--pause"),
])
def test_bad_input_to_run_is_refused_and_writes_nothing(
        demo: list[str], arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["retention", "run", "--database", demo[-1], *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ") or message in (result.stderr or "")
    assert runner.invoke(app, ["retention", "verify", *demo]).exit_code == 1


def test_bad_manifest_and_format(demo: list[str], tmp_path: Path) -> None:
    missing = runner.invoke(app, ["retention", "plan", "-m", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "no manifest" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\norganization: [1, 2\n", encoding="utf-8")
    assert runner.invoke(app, ["retention", "plan", "-m", str(broken)]).exit_code == 2
    assert runner.invoke(app, ["retention", "verify", *demo, "--format", "xml"]).exit_code == 2
    folder = runner.invoke(app, ["retention", "verify", *demo, "-o", str(tmp_path)])
    assert folder.exit_code == 2 and "is a folder" in folder.stderr


def test_an_unreachable_datastore_is_a_clear_refusal(demo: list[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONVERN_DEMO_DB", f"sqlite:///{tmp_path}/absent.db")
    result = runner.invoke(app, ["retention", "plan", "--now", NOW])
    assert result.exit_code == 1 and "no SQLite database" in result.stderr
    assert not (tmp_path / "absent.db").exists()
