"""The vocabulary of a manifest: fideslang data categories, data uses and data subjects.

fideslang (the IAB Tech Lab / Fides taxonomy) supplies the defaults, so a manifest's
datasets interoperate with Fides. A shop may add its own keys; each names a parent that
already exists, so every custom key still rolls up into the standard tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

from fideslang.default_taxonomy import (  # type: ignore[attr-defined]
    DEFAULT_DATA_CATEGORIES,
    DEFAULT_DATA_SUBJECTS,
    DEFAULT_DATA_USES,
)

Kind = Literal["data category", "data use", "data subject"]

# Art. 9(1) GDPR: the special categories, and Art. 10 (criminal convictions), by the
# fideslang subtree that holds them. A key under one of these roots is special.
SPECIAL_CATEGORY_ROOTS: Mapping[str, str] = {
    "user.demographic.race_ethnicity": "9(1) racial or ethnic origin",
    "user.demographic.political_opinion": "9(1) political opinions",
    "user.demographic.religious_belief": "9(1) religious or philosophical beliefs",
    "user.demographic.sexual_orientation": "9(1) sex life or sexual orientation",
    "user.biometric": "9(1) biometric data for unique identification",
    "user.authorization.biometric": "9(1) biometric data for unique identification",
    "user.health_and_medical": "9(1) data concerning health",
    "user.criminal_history": "10 criminal convictions and offences",
}

# Categories that identify nothing about a person: system data.
NON_PERSONAL_ROOTS = ("system",)


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    name: str
    parent: str | None
    description: str
    custom: bool = False


def within(key: str, ancestor: str) -> bool:
    """Whether ``key`` is ``ancestor`` or lies below it in the dotted tree."""
    return key == ancestor or key.startswith(ancestor + ".")


def special_category(key: str) -> str | None:
    """The Art. 9(1)/10 category ``key`` falls under, or ``None``."""
    for root, label in SPECIAL_CATEGORY_ROOTS.items():
        if within(key, root):
            return label
    return None


def is_personal(key: str) -> bool:
    return not any(within(key, root) for root in NON_PERSONAL_ROOTS)


def _terms(entries: Iterable[object]) -> dict[str, Term]:
    terms: dict[str, Term] = {}
    for entry in entries:
        key = str(getattr(entry, "fides_key"))  # noqa: B009 - fideslang models are untyped
        terms[key] = Term(
            key=key,
            name=str(getattr(entry, "name", key) or key),
            parent=getattr(entry, "parent_key", None),
            description=str(getattr(entry, "description", "") or ""),
        )
    return terms


@cache
def _defaults() -> dict[Kind, dict[str, Term]]:
    return {
        "data category": _terms(DEFAULT_DATA_CATEGORIES),
        "data use": _terms(DEFAULT_DATA_USES),
        "data subject": _terms(DEFAULT_DATA_SUBJECTS),
    }


class Taxonomy:
    """The fideslang defaults plus a manifest's own keys."""

    def __init__(self, custom: Mapping[Kind, Mapping[str, Term]] | None = None) -> None:
        defaults = _defaults()
        self._terms: dict[Kind, dict[str, Term]] = {
            kind: {**terms, **dict((custom or {}).get(kind, {}))}
            for kind, terms in defaults.items()
        }

    def has(self, kind: Kind, key: str) -> bool:
        return key in self._terms[kind]

    def term(self, kind: Kind, key: str) -> Term | None:
        return self._terms[kind].get(key)

    def keys(self, kind: Kind) -> list[str]:
        return list(self._terms[kind])

    def is_default(self, kind: Kind, key: str) -> bool:
        return key in _defaults()[kind]

    def ancestors(self, kind: Kind, key: str) -> list[str]:
        """``key`` and its parents up to the root, following custom parents too."""
        chain: list[str] = []
        current: str | None = key
        while current and current not in chain:
            chain.append(current)
            term = self._terms[kind].get(current)
            current = term.parent if term else None
        return chain

    def covers(self, kind: Kind, broad: str, narrow: str) -> bool:
        """Whether ``narrow`` is ``broad`` or one of its descendants."""
        return broad in self.ancestors(kind, narrow)

    def special_category(self, key: str) -> str | None:
        for ancestor in self.ancestors("data category", key):
            label = special_category(ancestor)
            if label:
                return label
        return None
