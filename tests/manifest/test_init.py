"""``personvern init`` writes a manifest that passes ``check`` with no errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from personvern import catalog, cli, lint
from personvern.cli import app
from personvern.manifest.scaffold import LANGUAGES, ScaffoldAnswers, scaffold, to_yaml, vendors_for

runner = CliRunner()


def _errors_of(path: Path) -> list[str]:
    result = lint.check_manifest(path)
    assert result.loaded, result.problems
    return [f"{f.rule.id} {f.message}" for f in result.findings
            if f.severity is lint.Severity.ERROR]


def _compatible(kind: str) -> list[str]:
    """Every catalog vendor of a kind, less those whose cookie names clash (Matomo and
    Piwik PRO both set _pk_id.*: a shop runs one of them)."""
    chosen: list[str] = []
    names: set[str] = set()
    for key in vendors_for(kind):
        cookies = {c.name for c in catalog.vendors()[key].cookies}
        if not cookies & names:
            chosen.append(key)
            names |= cookies
    return chosen


@pytest.mark.parametrize("country", sorted(LANGUAGES))
def test_every_country_and_every_catalog_vendor_passes(tmp_path: Path, country: str) -> None:
    answers = ScaffoldAnswers(
        name="Butikk AS", country=country, email="privacy@butikk.example",
        street="Gate 1", postal_code="1234", city="By",
        platform=vendors_for("platform")[0],
        payments=vendors_for("payments"), carriers=vendors_for("carriers"),
        analytics=_compatible("analytics"), advertising=_compatible("advertising"),
        newsletter=vendors_for("newsletter")[0],
    )
    path = tmp_path / "manifest.yaml"
    path.write_text(to_yaml(scaffold(answers), name=answers.name, file=str(path)))
    assert _errors_of(path) == []


def test_init_with_options(tmp_path: Path) -> None:
    path = tmp_path / "personvern.yaml"
    result = runner.invoke(app, [
        "init", str(path), "--no-input", "--name", "Fjellsko AS", "--country", "no",
        "--email", "personvern@fjellsko.no", "--org-number", "923609016",
        "--street", "Storgata 1", "--postal-code", "0155", "--city", "Oslo",
        "--payment", "klarna", "--payment", "vipps_mobilepay", "--carrier", "bring",
        "--analytics", "google_analytics", "--advertising", "meta", "--newsletter", "mailchimp",
    ])
    assert result.exit_code == 0, result.output
    assert _errors_of(path) == []
    text = path.read_text()
    assert "catalog: vipps_mobilepay" in text and "Bokføringsloven" in text
    assert runner.invoke(app, ["init", str(path), "--no-input", "--name", "X"]).exit_code == 2


def test_init_asks_when_interactive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    path = tmp_path / "asked.yaml"
    answers = "\n".join([
        "Svensk Butik AB", "SE", "dataskydd@butik.se", "5560360793", "Gatan 1", "11122",
        "Stockholm", "none", "klarna, svea", "postnord", "none", "none", "none",
    ]) + "\n"
    result = runner.invoke(app, ["init", str(path)], input=answers)
    assert result.exit_code == 0, result.output
    loaded = lint.check_manifest(path)
    assert loaded.loaded and not loaded.count(lint.Severity.ERROR)
    assert "Bokföringslagen" in path.read_text()


@pytest.mark.parametrize(("option", "value"), [
    ("--payment", "bring"), ("--carrier", "klarnaa"), ("--analytics", "<script>"),
])
def test_wrong_vendors_are_refused(tmp_path: Path, option: str, value: str) -> None:
    result = runner.invoke(app, [
        "init", str(tmp_path / "x.yaml"), "--no-input", "--name", "A AS", "--country", "NO",
        "--email", "a@b.no", option, value,
    ])
    assert result.exit_code == 2
    assert not (tmp_path / "x.yaml").exists()
