"""Whatever the YAML holds, loading either succeeds or raises ManifestError — never a crash."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from clean_manifest import CLEAN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personvern import lint
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import load_manifest

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(["NO", "P2M", "${X}", "klarna", "2024-01-01", "*"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)
PATHS = [
    ("organization",), ("organization", "country"), ("organization", "languages"),
    ("purposes",), ("purposes", "order_fulfilment"), ("purposes", "order_fulfilment",
                                                      "legal_basis"),
    ("purposes", "order_fulfilment", "retention"), ("recipients", "bring"),
    ("recipients", "google_analytics", "catalog"), ("cookies",), ("cookies", 0),
    ("datastores", "shop", "collections", "orders", "legal_holds"),
    ("datastores", "shop", "collections", "orders", "legal_holds", 0, "law"),
    ("datastores", "shop", "collections", "customers", "fields", "email"),
    ("lint",), ("include",),
]


def _replace(tree: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), value=values)
def test_any_value_anywhere_loads_or_fails_cleanly(tmp_path: Path, path: tuple[Any, ...],
                                                    value: Any) -> None:
    manifest = copy.deepcopy(CLEAN)
    _replace(manifest, path, value)
    target = tmp_path / "fuzz.yaml"
    target.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    problems = []
    try:
        loaded = load_manifest(target, environ={})
    except ManifestError as error:
        problems = error.problems
    else:
        lint.run_rules(loaded)  # a manifest that loads can always be linted
        return
    assert problems
    assert all(p.location is not None for p in problems)
