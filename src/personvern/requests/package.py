"""The files of an access (Art. 15) or portability (Art. 20) answer, and their ZIP.

* ``data.json``: datastore → collection → rows, every value plain JSON: dates and times
  ISO 8601, decimals as strings (a float would change 19.90 into 19.899999…), bytes
  base64. This is the "commonly used electronic form" of Art. 15(3) and the "structured,
  commonly used and machine-readable format" of Art. 20(1).
* ``csv/<datastore>.<collection>.csv``: one per collection, UTF-8 with a byte-order mark
  so that Excel reads the Nordic letters, a header row, the values as in ``data.json``.
  A text cell starting with ``= + - @`` (or a tab or carriage return) gets a leading
  ``'``: a spreadsheet would run it as a formula, and a shop's data holds what strangers
  typed into forms. ``data.json`` keeps every value exactly.
* ``report.html``: only for access, the same data in tables for a person to read, with
  the information of Art. 15(1)(a)–(h) (see :mod:`personvern.requests.access`).

The ZIP lists its files in a fixed order with a fixed timestamp, so the same answer gives
the same bytes (and the same SHA-256).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

Row = dict[str, Any]
Stores = Mapping[str, Mapping[str, Sequence[Row]]]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a ZIP can hold: no build time leaks in
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMAT = "personvern-subject-data/1"


def json_value(value: Any) -> Any:
    """``value`` as plain JSON: ISO dates, decimals as text, bytes as base64."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    return str(value)


def as_declared(value: Any, field_type: str | None) -> Any:
    """``value`` as the manifest declares its field, whatever the driver returned: SQLite
    gives a decimal column's 19.9 as a float and a date-time as text, PostgreSQL gives a
    Decimal and a datetime; the package says the same on every backend."""
    if value is None or field_type is None:
        return value
    if field_type == "decimal" and isinstance(value, (int, float, str)) \
            and not isinstance(value, bool):
        return Decimal(str(value))
    if field_type in ("datetime", "date") and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment.date() if field_type == "date" else moment
    if field_type == "boolean" and isinstance(value, int):
        return bool(value)
    return value


def plain_rows(stores: Stores) -> dict[str, dict[str, list[Row]]]:
    return {
        store: {name: [{k: json_value(v) for k, v in row.items()} for row in rows]
                for name, rows in sorted(collections.items())}
        for store, collections in sorted(stores.items())
    }


def data_json(stores: Stores, about: Mapping[str, Any]) -> bytes:
    document = {"format": FORMAT, **about, "datastores": plain_rows(stores)}
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def plain_text(value: Any) -> str:
    """``value`` as one line of text, as ``data.json`` writes it (empty for NULL)."""
    plain = json_value(value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, (dict, list)):
        return json.dumps(plain, ensure_ascii=False)
    return str(plain)


def csv_cell(value: Any) -> str:
    """:func:`plain_text`, with text that a spreadsheet would run as a formula defused."""
    text = plain_text(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def collection_csv(columns: Sequence[str], rows: Sequence[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_name(store: str, collection: str) -> str:
    return f"csv/{store}.{collection}.csv"


def columns_of(rows: Sequence[Row], declared: Sequence[str] = ()) -> list[str]:
    """The declared columns first, in manifest order, then any the rows add."""
    names = list(dict.fromkeys(declared))
    for row in rows:
        names.extend(k for k in row if k not in names)
    return names


@dataclass(frozen=True)
class PackageFile:
    name: str
    content: bytes


def zip_files(files: Sequence[PackageFile]) -> bytes:
    """A ZIP of ``files`` sorted by name, with fixed timestamps: deterministic bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(files, key=lambda f: f.name):
            info = zipfile.ZipInfo(file.name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.content)
    return buffer.getvalue()


def package_files(
    stores: Stores, about: Mapping[str, Any], *, declared: Mapping[tuple[str, str], Sequence[str]],
    report: str | None,
) -> list[PackageFile]:
    """``data.json``, one CSV per collection and, for access, ``report.html``."""
    files = [PackageFile("data.json", data_json(stores, about))]
    for store, collections in stores.items():
        for name, rows in collections.items():
            columns = columns_of(rows, declared.get((store, name), ()))
            files.append(PackageFile(csv_name(store, name), collection_csv(columns, rows)))
    if report is not None:
        files.append(PackageFile("report.html", report.encode("utf-8")))
    return files
