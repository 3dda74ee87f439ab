"""A manifest on which every lint rule passes: the base that rule tests mutate."""

from __future__ import annotations

from typing import Any

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
