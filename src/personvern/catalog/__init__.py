"""Reference data shipped with personvern: vendors, authorities, countries, laws.

Everything here is data (YAML files beside this module), read once and cached. A manifest
refers to it by key (``catalog: klarna``, ``law: no.bokforingsloven``) and may override any
field.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from personvern.manifest.errors import Location
from personvern.manifest.source import read_file

Service = Literal[
    "payment", "carrier", "analytics", "advertising", "email_marketing", "reviews", "support",
    "hosting", "platform", "personalisation", "fraud_prevention", "credit_check", "consent",
    "social", "search", "video", "maps", "crm", "loyalty", "accounting", "sms",
]


class CatalogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VendorCookie(CatalogEntry):
    name: str
    category: str
    duration: str | None = None
    party: Literal["first", "third"] = "third"
    kind: Literal["cookie", "local_storage", "session_storage", "pixel"] = "cookie"
    domain: str | None = None
    description: dict[str, str] | None = None


class Vendor(CatalogEntry):
    """A service common in Nordic e-commerce, as a manifest recipient's defaults."""

    key: str
    name: str
    entity: str
    country: str
    role: Literal[
        "processor", "sub_processor", "joint_controller", "independent_controller",
        "public_authority",
    ]
    service: Service
    transfer: str | dict[str, Any] | None = None
    website: str | None = None
    privacy_policy: str | None = None
    description: dict[str, str] | None = None
    arrangement: dict[str, str] | None = None  # Art. 26(2) essence, for joint controllers
    cookies: tuple[VendorCookie, ...] = ()

    def recipient_defaults(self) -> dict[str, Any]:
        """The vendor as the fields of a manifest recipient (cookies are separate)."""
        data = self.model_dump(exclude={"key", "cookies"}, exclude_none=True)
        data["catalog"] = self.key
        return data


def _root() -> Path:
    return Path(str(resources.files("personvern.catalog")))


def _read(name: str) -> Any:
    path = _root() / name
    data, _ = read_file(path, f"catalog/{name}", {})
    return data


@cache
def vendors() -> Mapping[str, Vendor]:
    found: dict[str, Vendor] = {}
    for path in sorted((_root() / "vendors").glob("*.yaml")):
        data, _ = read_file(path, f"catalog/vendors/{path.name}", {})
        found[path.stem] = Vendor.model_validate({**data, "key": path.stem})
    return found


def vendor(key: str) -> Vendor | None:
    return vendors().get(key)


def suggest(key: str, known: list[str]) -> str:
    """``" (did you mean 'x'?)"`` when a close match exists."""
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@cache
def authorities() -> Mapping[str, dict[str, Any]]:
    return dict(_read("authorities.yaml"))


@cache
def laws() -> Mapping[str, dict[str, Any]]:
    return dict(_read("laws.yaml"))


@cache
def consent_categories() -> Mapping[str, dict[str, Any]]:
    return dict(_read("consent_categories.yaml"))


@cache
def _countries() -> dict[str, Any]:
    return dict(_read("countries.yaml"))


def is_eea(country: str) -> bool:
    return country in _countries()["eea"]


TransferStatus = Literal["eea", "adequacy", "dpf", "third_country"]


def transfer_status(country: str) -> TransferStatus:
    """How Chapter V sees a recipient in ``country``."""
    countries = _countries()
    if country in countries["eea"] or country in ("EU", "EEA"):
        return "eea"
    if country in countries["adequacy"]:
        return "adequacy"
    if country in countries["dpf"]:
        return "dpf"
    return "third_country"


def adequacy_decision(country: str) -> str | None:
    countries = _countries()
    decision = countries["adequacy"].get(country) or countries["dpf"].get(country)
    return str(decision) if decision else None


CATALOG_LOCATION = Location("catalog", 1, 1)
