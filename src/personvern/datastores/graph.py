"""The subject graph: a datastore's collections joined by their declared references.

Each ``references: customers.id`` on ``orders.customer_id`` is one edge. A request walks it
both ways: from a customer to the orders that point at them (parent → children), and from
a guest order found by e-mail to the customer it points at (child → parent).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from personvern.manifest.model import Collection, Datastore, IdentityKind

Source = TypeVar("Source")
Derived = TypeVar("Derived")


class Derivations(Generic[Source, Derived]):
    """What was derived from a frozen manifest object (a datastore), kept while it is.

    A worker answers requests against the same loaded manifest all day; walking its
    references again for every request cost more than the request's own queries. The
    models are frozen, so a result derived from one object stays right for it. Entries
    are found by the object's identity and hold the object itself, so its ``id`` cannot
    be reused by another while the entry lives; the oldest entries make room for new.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[Source, Derived]] = (
            OrderedDict())

    def get(self, source: Source, extra: Hashable, derive: Callable[[], Derived]) -> Derived:
        key = (id(source), extra)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is source:
            return entry[1]
        derived = derive()
        self._entries[key] = (source, derived)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return derived


@dataclass(frozen=True, order=True)
class Reference:
    """``child.child_field`` points at ``parent.parent_field``."""

    child: str
    child_field: str
    parent: str
    parent_field: str

    def __str__(self) -> str:
        return f"{self.child}.{self.child_field} → {self.parent}.{self.parent_field}"


@dataclass(frozen=True, order=True)
class Hop:
    """Walking one reference in one direction: rows of ``target`` whose ``target_field``
    is among the values of ``source_field`` in the rows already found in ``source``."""

    source: str
    source_field: str
    target: str
    target_field: str
    direction: Literal["to_parent", "to_children"]

    def __str__(self) -> str:
        return f"{self.source}.{self.source_field} → {self.target}.{self.target_field}"


@dataclass(frozen=True)
class SubjectGraph:
    collections: Mapping[str, Collection]
    references: tuple[Reference, ...]

    @classmethod
    def of(cls, datastore: Datastore) -> SubjectGraph:
        return _GRAPHS.get(datastore, None, lambda: cls._build(datastore))

    @classmethod
    def _build(cls, datastore: Datastore) -> SubjectGraph:
        references = []
        for name, collection in datastore.collections.items():
            for field_name, data_field in collection.fields.items():
                if not data_field.references:
                    continue
                parent, _, parent_field = data_field.references.partition(".")
                # A dangling reference is the loader's error to report; here it is no edge.
                if parent in datastore.collections and parent_field:
                    references.append(Reference(name, field_name, parent, parent_field))
        return cls(datastore.collections, tuple(sorted(references)))

    def hops_from(self, collection: str) -> list[Hop]:
        """Every way out of ``collection``, to its parents and to its children."""
        hops = []
        for ref in self.references:
            if ref.child == collection:
                hops.append(Hop(ref.child, ref.child_field, ref.parent, ref.parent_field,
                                "to_parent"))
            if ref.parent == collection:
                hops.append(Hop(ref.parent, ref.parent_field, ref.child, ref.child_field,
                                "to_children"))
        return sorted(hops)

    def identity_fields(self, kind: IdentityKind) -> dict[str, tuple[str, ...]]:
        """Collections holding identities of ``kind``, with the fields that hold them."""
        found = {}
        for name, collection in self.collections.items():
            fields = tuple(f for f, k in collection.identity_fields.items() if k == kind)
            if fields:
                found[name] = fields
        return found

    def personal_collections(self) -> list[str]:
        return sorted(name for name, c in self.collections.items() if c.personal)

    def linked_to_identities(self) -> set[str]:
        """Collections joined, by references in either direction, to one holding any
        identity: the ones a request can find at all (lint rule PV061)."""
        starts = [name for name, c in self.collections.items() if c.identity_fields]
        seen = set(starts)
        queue = deque(starts)
        while queue:
            for hop in self.hops_from(queue.popleft()):
                if hop.target not in seen:
                    seen.add(hop.target)
                    queue.append(hop.target)
        return seen


_GRAPHS: Derivations[Datastore, SubjectGraph] = Derivations()
