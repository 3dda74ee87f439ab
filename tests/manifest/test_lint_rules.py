"""Every lint rule: silent on the clean manifest, and fires on a manifest that breaks it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from personvern import lint
from personvern.lint.report import explain
from personvern.manifest.load import load_manifest

Mutation = Callable[[dict[str, Any]], None]


def _purpose(m: dict[str, Any], key: str = "order_fulfilment") -> dict[str, Any]:
    purpose: dict[str, Any] = m["purposes"][key]
    return purpose


def _statistics_consent(m: dict[str, Any]) -> dict[str, Any]:
    basis: dict[str, Any] = m["purposes"]["statistics"]["legal_basis"]
    return basis


def _customers(m: dict[str, Any]) -> dict[str, Any]:
    collection: dict[str, Any] = m["datastores"]["shop"]["collections"]["customers"]
    return collection


def _add_purpose(m: dict[str, Any], **fields: Any) -> None:
    m["purposes"]["extra"] = {
        "name": {"nb": "Ekstra", "en": "Extra"},
        "data_use": "essential.service",
        "legal_basis": "contract",
        "requirement": "contractual",
        "categories": ["user.name"],
        "retention": {"after": "P1Y", "from": "collected"},
        **fields,
    }


def _add_recipient(m: dict[str, Any], **fields: Any) -> None:
    m["recipients"]["extra"] = {
        "name": "Extra", "role": "processor", "country": "NO", "dpa_signed": "2024-01-01",
        **fields,
    }
    _purpose(m)["recipients"].append("extra")


CASES: dict[str, Mutation] = {
    "PV001": lambda m: _purpose(m).pop("legal_basis"),
    "PV002": lambda m: _purpose(m).pop("retention"),
    "PV003": lambda m: _purpose(m).update(retention={"criteria": "So long as needed"}),
    "PV004": lambda m: _statistics_consent(m).pop("withdrawal"),
    "PV005": lambda m: _statistics_consent(m).update(
        withdrawal={"nb": "Send e-post til kundeservice@fjellsko.no",
                    "en": "E-mail kundeservice@fjellsko.no"}),
    "PV006": lambda m: _purpose(m).update(legal_basis={"basis": "legitimate_interests",
                                                       "interest": "Fraud prevention"}),
    "PV007": lambda m: _add_purpose(
        m, data_use="marketing.communications.email",
        legal_basis={"basis": "legitimate_interests", "interest": "x", "balancing": "y",
                     "objection": False}),
    "PV008": lambda m: _purpose(m, "bookkeeping")["legal_basis"].pop("law"),
    "PV009": lambda m: _purpose(m, "bookkeeping")["legal_basis"].pop("section"),
    "PV010": lambda m: _add_purpose(m, categories=["user.health_and_medical"]),
    "PV011": lambda m: _add_purpose(
        m, categories=["user.health_and_medical"], special_category_condition="a",
        legal_basis={"basis": "consent", "withdrawal": "Portal", "channels": "portal"}),
    "PV012": lambda m: _purpose(m).update(
        legal_basis=["contract", {"basis": "consent", "withdrawal": "Portal"}]),
    "PV013": lambda m: _purpose(m).update(profiling={"automated_decision": False}),
    "PV014": lambda m: _purpose(m).update(profiling={
        "logic": "Score from order history", "automated_decision": True,
        "legal_effect": True}),
    "PV015": lambda m: _add_purpose(m, data_use="personalize.profiling"),
    "PV016": lambda m: _purpose(m).update(sources=["subject", "third_party"]),
    "PV017": lambda m: _purpose(m).update(categories=[]),
    "PV018": lambda m: _purpose(m)["categories"].append("user.demographic.gender"),
    "PV019": lambda m: _purpose(m).pop("requirement"),
    "PV020": lambda m: _purpose(m).update(name="Bare norsk navn"),
    "PV021": lambda m: _add_purpose(
        m, categories=["user.childrens"],
        legal_basis={"basis": "consent", "withdrawal": "Portal", "channels": "portal"}),
    "PV030": lambda m: m["organization"].pop("email"),
    "PV031": lambda m: m["organization"].update(org_number="923609017"),
    "PV032": lambda m: m["organization"].pop("org_number"),
    "PV033": lambda m: (m["organization"].pop("dpo"), _purpose(m).update(
        profiling={"logic": "Segments from order history"})),
    "PV034": lambda m: m["organization"].update(dpo={"name": "Kari Nordmann"}),
    "PV035": lambda m: m["organization"].update(
        country="IT", address={"street": "Via Roma 1", "postal_code": "00100",
                               "city": "Roma", "country": "IT"}, org_number=None),
    "PV036": lambda m: m["organization"].update(
        country="US", address={"street": "1 Main St", "postal_code": "10001",
                               "city": "New York", "country": "US"},
        org_number=None, supervisory_authority={"name": "Datatilsynet"}),
    "PV040": lambda m: _add_recipient(m, country="IN"),
    "PV041": lambda m: _add_recipient(m, country="US", transfer="adequacy"),
    "PV042": lambda m: _add_recipient(m, country="IN", transfer="derogation"),
    "PV043": lambda m: m["recipients"]["bring"].pop("dpa_signed"),
    "PV044": lambda m: _add_recipient(m, role="sub_processor"),
    "PV045": lambda m: _add_recipient(m, role="joint_controller"),
    "PV046": lambda m: m["recipients"].update(
        unused={"name": "Unused", "role": "independent_controller", "country": "NO"}),
    "PV050": lambda m: m["cookies"].append(
        {"name": "_fbp", "category": "marketing", "duration": "P3M"}),
    "PV051": lambda m: m["cookies"].append(
        {"name": "pref", "category": "functional", "duration": "P3M"}),
    "PV052": lambda m: m["cookies"].append(
        {"name": "_gid", "provider": "google_analytics", "category": "necessary",
         "duration": "P1D"}),
    "PV053": lambda m: m["cookies"][1].pop("duration"),
    "PV054": lambda m: m["cookies"][1].update(duration="P2Y"),
    "PV055": lambda m: m["cookies"].append(
        {"name": "tp", "category": "necessary", "party": "third", "duration": "P1D"}),
    "PV056": lambda m: _purpose(m, "statistics").update(
        legal_basis={"basis": "legitimate_interests", "interest": "x", "balancing": "y"}),
    "PV060": lambda m: _customers(m)["fields"].update(
        phone={"categories": ["user.contact.phone_number"]}),
    "PV061": lambda m: m["datastores"]["shop"]["collections"].update(
        notes={"erasure": "delete_row", "fields": {"body": {"categories": ["user.name"]}}}),
    "PV062": lambda m: _customers(m).pop("erasure"),
    "PV063": lambda m: _customers(m)["fields"].update(customer_no={"identity":
                                                                   "customer_number"}),
    "PV064": lambda m: m["datastores"]["shop"]["collections"]["orders"].update(
        legal_holds=[{"law": "Some law", "keep": ["id"]}]),
    "PV065": lambda m: _customers(m).pop("retention"),
    "PV066": lambda m: m["datastores"]["shop"].update(
        url="postgresql://shop:hunter2@db.example/shop"),
    "PV067": lambda m: m["datastores"]["shop"].pop("url"),
}


def _rule_ids(path: Path) -> set[str]:
    result = lint.check_manifest(path)
    assert result.loaded, result.problems
    return {finding.rule.id for finding in result.findings}


def test_the_clean_manifest_passes_every_rule(write: Callable[..., Path],
                                              clean: dict[str, Any]) -> None:
    assert _rule_ids(write(clean)) == set()


def test_at_least_25_rules_each_with_article_and_fix() -> None:
    assert len(lint.RULES) >= 25
    for rule in lint.RULES.values():
        assert rule.article and rule.fix and rule.summary and rule.rationale, rule.id


def test_every_rule_has_a_case_here() -> None:
    assert set(CASES) == set(lint.RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_the_manifest_that_breaks_it(
    rule_id: str, write: Callable[..., Path], clean: dict[str, Any]
) -> None:
    CASES[rule_id](clean)
    path = write(clean)
    found = _rule_ids(path)
    assert rule_id in found
    finding = next(f for f in lint.check_manifest(path).findings if f.rule.id == rule_id)
    assert finding.location is not None and finding.location.line >= 1


def test_findings_point_at_the_offending_line(write: Callable[..., Path],
                                              clean: dict[str, Any]) -> None:
    clean["recipients"]["bring"].pop("dpa_signed")
    path = write(clean)
    finding = next(f for f in lint.check_manifest(path).findings if f.rule.id == "PV043")
    line = path.read_text().splitlines()[finding.location.line - 1]  # type: ignore[union-attr]
    assert line.strip().startswith("bring:")


def test_explain_gives_the_rationale() -> None:
    rule = lint.find_rule("purpose-without-retention")
    assert rule is not None and rule.id == "PV002"
    text = explain(rule)
    assert "5(1)(e)" in text and "Storage limitation" in text and "Fix:" in text
    assert lint.find_rule("pv002") is rule
    assert lint.find_rule("PV999") is None


def test_legitimate_interest_marketing_with_objection_is_fine(
    write: Callable[..., Path], clean: dict[str, Any]
) -> None:
    _add_purpose(clean, data_use="marketing.communications.email",
                 legal_basis={"basis": "legitimate_interests", "interest": "Offers to customers",
                              "balancing": "Similar goods; easy opt-out"})
    assert "PV007" not in _rule_ids(write(clean))


def test_dpf_for_a_us_recipient_is_a_valid_transfer(
    write: Callable[..., Path], clean: dict[str, Any]
) -> None:
    _add_recipient(clean, country="US", transfer="dpf")
    found = _rule_ids(write(clean))
    assert not {"PV040", "PV041"} & found


def test_children_consent_age_below_national_age_is_reported(
    write: Callable[..., Path], clean: dict[str, Any]
) -> None:
    _add_purpose(clean, categories=["user.childrens"], minimum_age=12,
                 legal_basis={"basis": "consent", "withdrawal": "Portal", "channels": "portal"})
    result = lint.check_manifest(write(clean))
    messages = [f.message for f in result.findings if f.rule.id == "PV021"]
    assert messages and "below the age of digital consent in NO (13)" in messages[0]
    clean["purposes"]["extra"]["minimum_age"] = 13
    assert "PV021" not in _rule_ids(write(clean))


def test_credentials_from_the_environment_are_not_reported(
    write: Callable[..., Path], clean: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FJELLSKO_DB", "postgresql://shop:hunter2@db.example/shop")
    loaded = load_manifest(write(clean))
    url = loaded.manifest.datastores["shop"].url
    assert url is not None and "hunter2" in url.get_secret_value()
    assert "hunter2" not in repr(loaded.manifest)
    assert "PV066" not in {f.rule.id for f in lint.run_rules(loaded)}
