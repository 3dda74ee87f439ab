"""Facts about a manifest that several rules need, computed once per manifest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Manifest

T = TypeVar("T")


def cached(loaded: LoadedManifest, key: str, compute: Callable[[Manifest], T]) -> T:
    if key not in loaded.cache:
        loaded.cache[key] = compute(loaded.manifest)
    value: T = loaded.cache[key]
    return value


# What a cookie itself stores on the device: declaring cookies declares these.
COOKIE_CATEGORIES = {"user.device.cookie_id", "user.device.cookie"}


def stored_categories(loaded: LoadedManifest) -> set[str]:
    """Every data category some datastore field (or, for cookie ids, a cookie) holds."""

    def compute(m: Manifest) -> set[str]:
        held = {c for *_, f in m.fields() for c in f.categories}
        return held | COOKIE_CATEGORIES if m.cookies else held

    return cached(loaded, "stored_categories", compute)


def purpose_categories(loaded: LoadedManifest) -> set[str]:
    return cached(
        loaded, "purpose_categories",
        lambda m: {c for p in m.purposes.values() for c in p.categories},
    )


def related(loaded: LoadedManifest, a: str, b: str) -> bool:
    """Whether two categories overlap: one is the other or lies below it."""
    taxonomy = loaded.taxonomy
    return taxonomy.covers("data category", a, b) or taxonomy.covers("data category", b, a)


def consent_categories_granted(loaded: LoadedManifest) -> set[str]:
    """Banner categories that some consent-based purpose covers."""

    def compute(m: Manifest) -> set[str]:
        granted = set()
        for purpose in m.purposes.values():
            consent = purpose.consent
            if consent and consent.category:
                granted.add(consent.category)
        return granted

    return cached(loaded, "consent_categories_granted", compute)

