"""Loading and checking a large manifest: 500 purposes and 200 datastore collections.

Prints the time of ``load_manifest`` + all lint rules, next to a baseline measured in the
same run: parsing the same file with libyaml alone (``yaml.load`` with CSafeLoader), i.e. the
least any YAML-based tool must spend. Target (issue 2): load + check under 1 s.

    python bench/bench_manifest.py [--purposes 500] [--collections 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from personvern.lint import run_rules
from personvern.manifest.load import load_manifest

CATEGORIES = ["user.contact.email", "user.name", "user.contact.phone_number",
              "user.contact.address", "user.behavior.purchase_history", "user.device.ip_address"]


def build(purposes: int, collections: int) -> dict[str, Any]:
    recipients = {
        f"vendor_{i}": {"name": f"Vendor {i}", "role": "processor", "country": "NO",
                        "dpa_signed": "2024-01-01"}
        for i in range(50)
    }
    recipients["meta"] = {"catalog": "meta"}
    recipients["google_analytics"] = {"catalog": "google_analytics", "dpa_signed": "2024-01-01"}
    manifest: dict[str, Any] = {
        "organization": {"name": "Stor Butikk AS", "org_number": "923609016", "country": "NO",
                         "email": "personvern@stor.no", "languages": ["nb", "sv", "en"]},
        "purposes": {
            f"purpose_{i}": {
                "name": {"nb": f"Formål {i}", "sv": f"Ändamål {i}", "en": f"Purpose {i}"},
                "data_use": "essential.service",
                "legal_basis": "contract" if i % 3 else {
                    "basis": "legitimate_interests", "interest": "Drift", "balancing": "Lite"},
                "categories": CATEGORIES[: 1 + i % len(CATEGORIES)],
                "recipients": [f"vendor_{i % 50}"],
                "retention": {"after": f"P{1 + i % 5}Y", "from": "collected"},
            }
            for i in range(purposes)
        },
        "recipients": recipients,
        "cookies": [{"catalog": "meta"}, {"catalog": "google_analytics"}],
        "datastores": {"shop": {"url": "${BENCH_DB:-sqlite:///bench.db}", "collections": {}}},
    }
    tables = manifest["datastores"]["shop"]["collections"]
    for i in range(collections):
        fields: dict[str, Any] = {
            "id": {"type": "integer"},
            "email": {"categories": ["user.contact.email"], "identity": "email"} if i == 0
            else {"categories": ["user.contact.email"]},
            "name": {"categories": ["user.name"]},
            "phone": {"categories": ["user.contact.phone_number"]},
            "created_at": {"type": "datetime"},
        }
        if i:
            fields["parent_id"] = {"references": f"table_{(i - 1) // 2}.id"}
        tables[f"table_{i}"] = {
            "erasure": "nullify", "fields": fields,
            "retention": [{"action": "delete", "after": "P3Y", "from": {"column": "created_at"}}],
        }
    return manifest


def timed(function: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purposes", type=int, default=500)
    parser.add_argument("--collections", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.yaml"
        path.write_text(yaml.safe_dump(build(args.purposes, args.collections),
                                       allow_unicode=True, sort_keys=False))
        size = path.stat().st_size
        text = path.read_text()
        baseline, _ = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader), args.repeat)
        load_time, loaded = timed(lambda: load_manifest(path), args.repeat)
        check_time, findings = timed(lambda: run_rules(loaded), args.repeat)
        total = load_time + check_time
        print(f"manifest: {args.purposes} purposes, {args.collections} collections, "
              f"{size / 1e6:.2f} MB, {len(findings)} findings")
        print(f"baseline (libyaml parse only): {baseline * 1000:8.1f} ms")
        print(f"load (parse+validate+refs):    {load_time * 1000:8.1f} ms")
        print(f"check ({len(findings)} findings):          {check_time * 1000:8.1f} ms")
        print(f"load + check:                  {total * 1000:8.1f} ms  "
              f"({total / baseline:.1f}x the bare parse; target < 1000 ms: "
              f"{'met' if total < 1 else 'MISSED'})")


if __name__ == "__main__":
    main()
