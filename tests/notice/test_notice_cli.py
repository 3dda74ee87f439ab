"""``personvern notice build | diff | ropa``."""

from __future__ import annotations

import json
from pathlib import Path

from notice_examples import EXAMPLE_PATHS, Loader, Reader
from openpyxl import load_workbook  # type: ignore[import-untyped]
from typer.testing import CliRunner

from personvern.cli import app

runner = CliRunner()


def test_build_html_to_a_file(tmp_path: Path) -> None:
    output = tmp_path / "privacy.html"
    result = runner.invoke(app, ["notice", "build", str(EXAMPLE_PATHS["004"]), "--lang", "nb",
                                 "--format", "html", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert '<html lang="nb">' in output.read_text(encoding="utf-8")


def test_build_json_to_stdout_in_the_manifests_language() -> None:
    result = runner.invoke(app, ["notice", "build", str(EXAMPLE_PATHS["000"]),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["language"] == "sv"


def test_build_rejects_an_unknown_language() -> None:
    result = runner.invoke(app, ["notice", "build", str(EXAMPLE_PATHS["002"]), "--lang", "de"])
    assert result.exit_code == 2


def test_diff(tmp_path: Path, example_data: Reader, write_and_load: Loader) -> None:
    data = example_data("002")
    data["recipients"]["nosto"] = {"catalog": "nosto", "country": "SE"}
    changed = write_and_load(data, "new.yaml")
    result = runner.invoke(app, ["notice", "diff", str(EXAMPLE_PATHS["002"]),
                                 str(changed.files[0]), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "- Nosto now processes data in Sweden (previously Finland).\n"
    same = runner.invoke(app, ["notice", "diff", str(EXAMPLE_PATHS["002"]),
                               str(EXAMPLE_PATHS["002"])])
    assert same.stdout == "Ingen endringer som påvirker personvernerklæringen.\n"


def test_ropa_xlsx(tmp_path: Path) -> None:
    output = tmp_path / "ropa.xlsx"
    result = runner.invoke(app, ["notice", "ropa", str(EXAMPLE_PATHS["004"]), "--format", "xlsx",
                                 "-o", str(output)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(output)
    assert [ws.title for ws in workbook.worksheets] == ["Behandlingsprotokoll", "Mottakere"]


def test_ropa_format_from_the_file_name(tmp_path: Path) -> None:
    output = tmp_path / "ropa.csv"
    result = runner.invoke(app, ["notice", "ropa", str(EXAMPLE_PATHS["002"]), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8").startswith("Nøkkel,")


def test_a_broken_manifest_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("organization: {name: X}\n", encoding="utf-8")
    result = runner.invoke(app, ["notice", "build", str(broken)])
    assert result.exit_code == 1
