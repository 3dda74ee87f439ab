"""Loading manifests: good ones load, bad ones give file:line:col errors and no traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from personvern.duration import Duration
from personvern.manifest import source
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import load_manifest
from personvern.manifest.model import ConsentBasis, LegalObligationBasis

Write = Callable[..., Path]
LOCATED = re.compile(r"^.+:\d+:\d+: .+")


def _errors(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    lines = [str(problem) for problem in caught.value.problems]
    assert lines and all(LOCATED.match(line) for line in lines), lines
    return lines


def test_clean_manifest_loads_with_catalog_and_law_defaults(write: Write,
                                                            clean: dict[str, Any]) -> None:
    loaded = load_manifest(write(clean))
    manifest = loaded.manifest
    assert manifest.organization.languages == ("nb", "en")
    ga = manifest.recipients["google_analytics"]
    assert ga.entity == "Google Ireland Limited" and ga.catalog == "google_analytics"
    hold = manifest.datastores["shop"].collections["orders"].legal_holds[0]
    assert hold.law.startswith("Bokføringsloven") and hold.after == Duration.parse("P5Y")
    assert hold.from_ is not None and hold.from_.end_of == "fiscal_year"
    assert set(manifest.consent_categories) == {"necessary", "performance", "functional",
                                                "marketing"}
    bookkeeping = manifest.purposes["bookkeeping"].legal_basis[0]
    assert isinstance(bookkeeping, LegalObligationBasis) and bookkeeping.section == "§ 13"
    statistics = manifest.purposes["statistics"].consent
    assert isinstance(statistics, ConsentBasis) and statistics.channels == ("banner",)


def test_manifest_is_immutable(write: Write, clean: dict[str, Any]) -> None:
    manifest = load_manifest(write(clean)).manifest
    with pytest.raises(Exception, match="frozen"):
        manifest.organization.name = "Other AS"  # type: ignore[misc]


def test_norway_stays_a_country_code(write: Write) -> None:
    path = write("organization:\n  name: Nordmann AS\n  country: NO\n  languages: [nb]\n")
    assert load_manifest(path).manifest.organization.country == "NO"


def test_plain_string_is_in_the_first_language(write: Write) -> None:
    path = write(
        "organization: {name: X AB, country: SE, languages: [sv, en]}\n"
        "purposes:\n  p:\n    name: Leverans\n    data_use: essential.service\n"
    )
    assert load_manifest(path).manifest.purposes["p"].name.root == {"sv": "Leverans"}


def test_malformed_yaml_points_at_the_line(write: Write) -> None:
    path = write("organization:\n  name: X\n  country: [NO\n")
    (line,) = _errors(path)
    assert line.startswith(f"{path}:4:") or line.startswith(f"{path}:3:")
    assert "invalid YAML" in line


def test_tab_indentation_is_reported(write: Write) -> None:
    (line,) = _errors(write("organization:\n\tname: X\n"))
    assert ":2:1: invalid YAML" in line


def test_unknown_key_suggests_the_right_one(write: Write, clean: dict[str, Any]) -> None:
    clean["purposes"]["order_fulfilment"]["retension"] = clean["purposes"][
        "order_fulfilment"
    ].pop("retention")
    (line,) = _errors(write(clean))
    assert "unknown key 'retension' (did you mean 'retention'?)" in line


def test_wrong_types_are_reported_each(write: Write, clean: dict[str, Any]) -> None:
    clean["organization"]["languages"] = "nb"
    clean["purposes"]["order_fulfilment"]["retention"] = {"after": "two years",
                                                          "from": "collected"}
    clean["recipients"]["bring"]["dpa_signed"] = "last spring"
    clean["cookies"][0]["party"] = "fourth"
    lines = _errors(write(clean))
    text = "\n".join(lines)
    assert "not an ISO-8601 duration" in text
    assert "dpa_signed" in text and "party" in text and "languages" in text
    assert len(lines) == 4


def test_dangling_references_are_errors(write: Write, clean: dict[str, Any]) -> None:
    clean["purposes"]["order_fulfilment"]["recipients"].append("posten")
    clean["purposes"]["order_fulfilment"]["data_use"] = "essential.servic"
    clean["cookies"][1]["category"] = "statistics"
    clean["datastores"]["shop"]["collections"]["orders"]["fields"]["customer_id"][
        "references"] = "kunder.id"
    lines = _errors(write(clean))
    text = "\n".join(lines)
    assert "unknown recipient 'posten'" in text
    assert "unknown data use 'essential.servic' (did you mean 'essential.service'?)" in text
    assert "unknown consent category 'statistics'" in text
    assert "references 'kunder.id'" in text


def test_custom_category_needs_an_existing_parent(write: Write, clean: dict[str, Any]) -> None:
    clean["data_categories"] = {
        "user.pet": {"parent": "user.content.private", "name": "Pet profile"},
        "user.pet.health": {"parent": "user.pett"},
    }
    clean["purposes"]["order_fulfilment"]["categories"].append("user.pet")
    (line,) = _errors(write(clean))
    assert "unknown data category 'user.pett'" in line


def test_custom_category_counts_under_its_parent(write: Write, clean: dict[str, Any]) -> None:
    clean["data_categories"] = {"user.pet.health": {"parent": "user.health_and_medical"}}
    loaded = load_manifest(write(clean))
    assert loaded.taxonomy.special_category("user.pet.health") is not None


def test_duplicate_keys_are_errors(write: Write) -> None:
    (line,) = _errors(write("organization: {name: A, country: NO}\norganization: {}\n"))
    assert ":2:1: duplicate key 'organization' (first defined at" in line


def test_oversized_file_is_refused_before_parsing(write: Write, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as stream:
        stream.write("organization: {name: A, country: NO}\npurposes:\n")
        chunk = "  # " + "x" * 1020 + "\n"
        for _ in range(50 * 1024):  # 50 MB of comments
            stream.write(chunk)
    (line,) = _errors(path)
    assert "MB" in line and "refused" in line


def test_billion_laughs_is_refused(write: Write) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    text = "organization: {name: A, country: NO}\nx:\n" + "\n".join(
        "  " + level for level in levels
    ) + "\n"
    (line,) = _errors(write(text))
    assert "alias bomb" in line


def test_recursive_alias_is_refused(write: Write) -> None:
    (line,) = _errors(write("organization: &o {name: A, country: NO, self: *o}\n"))
    assert "invalid YAML" in line or "deeper than" in line


def test_not_a_mapping_at_top_level(write: Write) -> None:
    (line,) = _errors(write("- just\n- a list\n"))
    assert "mapping at the top level" in line


def test_empty_file_needs_an_organization(write: Write) -> None:
    (line,) = _errors(write(""))
    assert "organization: required but missing" in line


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    (line,) = _errors(path)
    assert "not UTF-8" in line


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    (line,) = _errors(tmp_path / "nope.yaml")
    assert "cannot read" in line


def test_environment_substitution(write: Write) -> None:
    text = (
        "organization: {name: '${SHOP_NAME}', country: NO, email: '${MAIL:-a@b.no}'}\n"
        "datastores:\n  shop: {url: '${DB_URL}'}\n"
    )
    loaded = load_manifest(write(text), environ={"SHOP_NAME": "Env AS"})
    assert loaded.manifest.organization.name == "Env AS"
    assert loaded.manifest.organization.email == "a@b.no"
    (warning,) = loaded.warnings
    assert "DB_URL is not set" in warning.message and warning.location is not None
    assert warning.location.line == 3


def test_dollar_escape(write: Write) -> None:
    path = write("organization: {name: 'Pris $$5 AS', country: NO}\n")
    assert load_manifest(path, environ={}).manifest.organization.name == "Pris $5 AS"


def test_include_merges_files_and_keeps_their_lines(write: Write, clean: dict[str, Any]) -> None:
    purposes = clean.pop("purposes")
    clean["include"] = ["parts/*.yaml"]
    main = write(clean, "main.yaml")
    write({"purposes": {"order_fulfilment": purposes["order_fulfilment"]}}, "parts/a.yaml")
    write({"purposes": {k: v for k, v in purposes.items() if k != "order_fulfilment"}},
          "parts/b.yaml")
    loaded = load_manifest(main)
    assert set(loaded.manifest.purposes) == set(purposes)
    location = loaded.locate("purposes", "statistics")
    assert location is not None and location.file.endswith("parts/b.yaml")
    assert len(loaded.files) == 3


def test_include_conflict_and_cycle(write: Write) -> None:
    write("include: b.yaml\norganization: {name: A, country: NO}\n", "a.yaml")
    write("include: a.yaml\n", "b.yaml")
    (line,) = _errors(write("include: b.yaml\norganization: {name: A, country: NO}\n",
                            "a.yaml"))
    assert "include cycle" in line
    write("organization: {name: B, country: SE}\n", "c.yaml")
    path = write("include: c.yaml\norganization: {name: A, country: NO}\n", "d.yaml")
    lines = _errors(path)
    assert any("already defined" in line for line in lines)


def test_include_of_missing_file(write: Write) -> None:
    (line,) = _errors(write("include: [nothing-*.yaml]\norganization: {name: A, country: NO}\n"))
    assert "matches no file" in line


def test_folder_of_yaml_files_is_one_manifest(tmp_path: Path, write: Write,
                                              clean: dict[str, Any]) -> None:
    write({"organization": clean["organization"]}, "shop/organization.yaml")
    write({k: v for k, v in clean.items() if k != "organization"}, "shop/processing.yaml")
    loaded = load_manifest(tmp_path / "shop")
    assert loaded.manifest.organization.name == "Fjellsko AS"
    assert "order_fulfilment" in loaded.manifest.purposes


def test_max_nodes_is_the_limit(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_NODES", 50)
    (line,) = _errors(write("organization: {name: A, country: NO}\nx: [" + "1," * 60 + "1]\n"))
    assert "more than 50 values" in line


def test_numbers_are_text_where_text_is_meant(write: Write) -> None:
    path = write("organization: {name: A AS, country: NO, org_number: 923609016,\n"
                 "  address: {street: Gata 1, postal_code: 0155, city: Oslo, country: NO}}\n")
    organization = load_manifest(path).manifest.organization
    assert organization.org_number == "923609016"
    assert organization.address is not None
    assert organization.address.postal_code == "0155"  # a leading 0 is no YAML 1.2 integer


def test_own_consent_categories_keep_the_defaults(write: Write, clean: dict[str, Any]) -> None:
    clean["consent_categories"] = {"social": {"name": {"nb": "Sosiale medier",
                                                       "en": "Social media"}}}
    categories = load_manifest(write(clean)).manifest.consent_categories
    assert {"necessary", "performance", "functional", "marketing", "social"} <= set(categories)
    assert categories["necessary"].necessary


def test_a_single_legal_hold_uses_the_law_catalog(write: Write, clean: dict[str, Any]) -> None:
    orders = clean["datastores"]["shop"]["collections"]["orders"]
    orders["legal_holds"] = {"law": "no.bokforingsloven", "keep": ["id"]}
    (hold,) = load_manifest(write(clean)).manifest.datastores["shop"].collections[
        "orders"].legal_holds
    assert hold.catalog == "no.bokforingsloven" and str(hold.after) == "P5Y"


def test_catalog_law_without_its_date_column_points_at_the_hold(
    write: Write, clean: dict[str, Any]
) -> None:
    orders = clean["datastores"]["shop"]["collections"]["orders"]
    orders["fields"]["ordered_on"] = orders["fields"].pop("created_at")
    orders["legal_holds"][0]["keep"] = ["id"]
    path = write(clean)
    (line,) = _errors(path)
    assert line.startswith(str(path)) and "add from: {column:" in line
    orders["legal_holds"][0]["from"] = {"column": "ordered_on", "end_of": "fiscal_year"}
    assert load_manifest(write(clean)).manifest


def test_missing_include_points_at_the_include_line(write: Write) -> None:
    path = write("organization: {name: A, country: NO}\ninclude: [missing.yaml]\n")
    (line,) = _errors(path)
    assert line.startswith(f"{path}:2:") and "matches no file" in line


def test_duplicate_cookie_points_at_the_second(write: Write, clean: dict[str, Any]) -> None:
    clean["cookies"].append(dict(clean["cookies"][0]))
    (line,) = _errors(write(clean))
    assert "cookies[2]" in line and "declared twice (first as cookies[0])" in line


@pytest.mark.parametrize(("field", "value", "message"), [
    ("erasure", {"strategy": "nullify", "value": "x"}, "redact strategy only"),
    ("erasure", {"strategy": "redact", "precision": "year"}, "generalize_date strategy only"),
    ("retention", [{"action": "delete", "after": "P1Y", "from": {"column": "last_seen"}}],
     "a field's retention rules anonymize that field"),
])
def test_meaningless_combinations_are_errors(write: Write, clean: dict[str, Any], field: str,
                                             value: Any, message: str) -> None:
    clean["datastores"]["shop"]["collections"]["customers"]["fields"]["email"][field] = value
    (line,) = _errors(write(clean))
    assert message in line


def test_purpose_retention_counts_from_an_event(write: Write, clean: dict[str, Any]) -> None:
    clean["purposes"]["order_fulfilment"]["retention"] = {"after": "P1Y",
                                                          "from": {"column": "created_at"}}
    (line,) = _errors(write(clean))
    assert "counts from an event" in line
