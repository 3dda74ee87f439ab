"""A lint-clean manifest to mutate, and a way to write any manifest to disk."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

CLEAN: dict[str, Any] = {
    "organization": {
        "name": "Fjellsko AS",
        "org_number": "923609016",
        "country": "NO",
        "address": {"street": "Storgata 1", "postal_code": "0155", "city": "Oslo",
                    "country": "NO"},
        "email": "personvern@fjellsko.no",
        "dpo": {"name": "Kari Nordmann", "email": "dpo@fjellsko.no"},
        "languages": ["nb", "en"],
    },
    "purposes": {
        "order_fulfilment": {
            "name": {"nb": "Gjennomføre kjøp", "en": "Fulfil orders"},
            "data_use": "essential.service",
            "legal_basis": "contract",
            "requirement": "contractual",
            "categories": ["user.contact.email", "user.name"],
            "recipients": ["bring"],
            "retention": {"after": "P3Y", "from": "contract_end"},
        },
        "bookkeeping": {
            "name": {"nb": "Bokføring", "en": "Bookkeeping"},
            "data_use": "essential.legal_obligation",
            "legal_basis": {"basis": "legal_obligation", "law": "Bokføringsloven",
                            "section": "§ 13"},
            "requirement": "statutory",
            "categories": ["user.name"],
            "retention": {"after": "P5Y", "from": {"event": "collected",
                                                   "end_of": "fiscal_year"}},
        },
        "statistics": {
            "name": {"nb": "Statistikk", "en": "Statistics"},
            "data_use": "analytics.reporting",
            "legal_basis": {"basis": "consent", "category": "performance",
                            "channels": ["banner"],
                            "withdrawal": {"nb": "Endre valget i cookie-innstillingene.",
                                           "en": "Change your choice in cookie settings."}},
            "categories": ["user.device.cookie_id"],
            "recipients": ["google_analytics"],
            "retention": {"after": "P13M", "from": "collected"},
        },
    },
    "recipients": {
        "bring": {"name": "Bring", "entity": "Posten Bring AS",
                  "role": "processor", "country": "NO", "dpa_signed": "2024-01-15"},
        "google_analytics": {"catalog": "google_analytics", "dpa_signed": "2024-02-01"},
    },
    "cookies": [
        {"name": "session", "category": "necessary", "duration": "session"},
        {"name": "_ga", "provider": "google_analytics", "category": "performance",
         "duration": "P13M", "party": "first"},
    ],
    "datastores": {
        "shop": {
            "url": "${FJELLSKO_DB:-sqlite:///fjellsko.db}",
            "collections": {
                "customers": {
                    "erasure": "nullify",
                    "fields": {
                        "id": {"categories": ["system.operations"]},
                        "email": {"categories": ["user.contact.email"], "identity": "email"},
                        "name": {"categories": ["user.name"]},
                    },
                    "retention": [{"action": "delete", "after": "P3Y",
                                   "from": {"column": "last_seen"}}],
                },
                "orders": {
                    "erasure": "redact",
                    "fields": {
                        "id": {},
                        "customer_id": {"references": "customers.id"},
                        "recipient_name": {"categories": ["user.name"]},
                        "created_at": {"type": "datetime"},
                    },
                    "legal_holds": [{"law": "no.bokforingsloven", "keep": ["id", "created_at"]}],
                },
            },
        }
    },
}
# customers.last_seen is needed by the retention rule above.
CLEAN["datastores"]["shop"]["collections"]["customers"]["fields"]["last_seen"] = {
    "type": "datetime"
}


@pytest.fixture
def clean() -> dict[str, Any]:
    """A deep copy of a manifest on which every lint rule passes."""
    return copy.deepcopy(CLEAN)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a manifest (a dict, or YAML text) to a file and return its path."""

    def write(content: dict[str, Any] | str, name: str = "manifest.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.safe_dump(
            content, allow_unicode=True, sort_keys=False
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write
