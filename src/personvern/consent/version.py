"""The notice version: which consent-relevant text a person saw when they chose.

A consent is informed only for what the person was told (Art. 4(11), 7(2)). The version
is the SHA-256 of the canonical JSON of everything the banner and the consent purposes
present: the consent categories, the purposes resting on consent, and the cookies. Any
change there gives a new version, so the banner asks again; changes elsewhere in the
manifest (a datastore, a retention rule) do not disturb visitors.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from personvern.manifest.model import Manifest

VERSION_LENGTH = 64  # hex characters of SHA-256
_CACHED = 16  # manifests whose version is kept (a server has one; tests a few)


@dataclass(frozen=True)
class NoticeVersion:
    """The version id (64 hex characters) and the document it was taken over."""

    id: str
    document: dict[str, Any]

    @property
    def short(self) -> str:
        return self.id[:12]


def consent_document(manifest: Manifest) -> dict[str, Any]:
    """The consent-relevant part of ``manifest`` as plain, JSON-ready data."""
    purposes = {
        key: purpose.model_dump(mode="json", by_alias=True, exclude_none=True,
                                include={"name", "description", "data_use", "legal_basis",
                                         "recipients", "categories"})
        for key, purpose in sorted(manifest.purposes.items()) if purpose.consent is not None
    }
    return {
        "consent_categories": {
            key: category.model_dump(mode="json", exclude_none=True)
            for key, category in sorted(manifest.consent_categories.items())
        },
        "consent_purposes": purposes,
        "cookies": [cookie.model_dump(mode="json", exclude_none=True)
                    for cookie in manifest.cookies],
    }


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same document always gives the same bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def compute_notice_version(manifest: Manifest) -> NoticeVersion:
    document = consent_document(manifest)
    return NoticeVersion(hashlib.sha256(canonical_json(document)).hexdigest(), document)


T = TypeVar("T")


class PerManifest(Generic[T]):
    """``compute(manifest)``, computed once per manifest object.

    A loaded manifest is not changed afterwards (a new notice is a new load), so what is
    derived from it can be kept with it; each entry holds the manifest itself, so its
    id() cannot be reused by another object meanwhile. The few most recent are kept."""

    def __init__(self, compute: Callable[[Manifest], T]) -> None:
        self.compute = compute
        self._kept: OrderedDict[int, tuple[Manifest, T]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, manifest: Manifest) -> T:
        with self._lock:
            kept = self._kept.get(id(manifest))
            if kept is not None and kept[0] is manifest:
                self._kept.move_to_end(id(manifest))
                return kept[1]
        value = self.compute(manifest)
        with self._lock:
            self._kept[id(manifest)] = (manifest, value)
            while len(self._kept) > _CACHED:
                self._kept.popitem(last=False)
        return value


# Dumping and hashing the consent part of the manifest took more time than recording a
# consent, and every write and decision needs the version.
notice_version = PerManifest(compute_notice_version)
"""The version of a manifest's consent-relevant part, computed once per manifest."""
