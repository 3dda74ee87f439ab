"""The notice version: stable, and changed only by what the banner and consent show."""

from __future__ import annotations

from personvern.consent.version import notice_version
from personvern.manifest.model import Manifest


def test_the_version_is_stable(manifest: Manifest) -> None:
    first = notice_version(manifest)
    again = notice_version(Manifest.model_validate(manifest.model_dump(by_alias=True)))
    assert first.id == again.id and len(first.id) == 64


def test_consent_relevant_changes_give_a_new_version(manifest: Manifest) -> None:
    cookies = (*manifest.cookies, manifest.cookies[0].model_copy(update={"name": "extra"}))
    assert notice_version(manifest.model_copy(update={"cookies": cookies})).id != \
        notice_version(manifest).id
    purposes = dict(manifest.purposes)
    purposes["newsletter"] = purposes["newsletter"].model_copy(
        update={"data_use": "marketing.communications"})
    assert notice_version(manifest.model_copy(update={"purposes": purposes})).id != \
        notice_version(manifest).id


def test_other_changes_keep_the_version(manifest: Manifest) -> None:
    purposes = dict(manifest.purposes)
    purposes["order_fulfilment"] = purposes["order_fulfilment"].model_copy(
        update={"data_use": "essential.service.payment_processing"})
    assert notice_version(manifest.model_copy(update={"purposes": purposes})).id == \
        notice_version(manifest).id
