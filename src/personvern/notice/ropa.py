"""The record of processing activities (Art. 30(1)(a)–(g)), one row per purpose.

Written from the same manifest and in the same words as the notice. Where the manifest
does not describe something Art. 30 asks for (time limits, security measures), the cell
says so and is flagged, rather than being left blank: an auditor sees the gap at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from personvern.manifest.load import LoadedManifest
from personvern.manifest.model import Purpose, Recipient
from personvern.notice.phrases import Language, capitalize
from personvern.notice.render import jinja_environment
from personvern.notice.words import (
    address_text,
    bases_text,
    category_names,
    destinations_text,
    manifest_date,
    manifest_version,
    purpose_name,
    recipient_label,
    recipient_name,
    retention_text,
    safeguard_text,
    sentence,
    subject_name,
    text,
    transfer_route,
)

GAP_MARK = "⚠ "  # marks a cell the manifest does not describe

# The columns of the record, in order, each with the phrase that heads it.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "ropa.key"),
    ("purpose", "ropa.purpose"),
    ("controller", "ropa.controller"),
    ("legal_basis", "ropa.legal_basis"),
    ("subjects", "ropa.subjects"),
    ("categories", "ropa.categories"),
    ("source", "ropa.source"),
    ("recipients", "ropa.recipients"),
    ("transfers", "ropa.transfers"),
    ("erasure", "ropa.erasure"),
    ("security", "ropa.security"),
)
RECIPIENT_COLUMNS = (
    "ropa.name", "ropa.entity", "label.role", "label.country", "ropa.locations",
    "label.safeguard", "ropa.dpa", "label.purposes",
)
WIDTHS = {
    "key": 22, "purpose": 34, "controller": 42, "legal_basis": 40, "subjects": 22,
    "categories": 36, "source": 26, "recipients": 40, "transfers": 40, "erasure": 40,
    "security": 40,
}


@dataclass(frozen=True)
class ProcessingRecord:
    """One purpose as Art. 30(1) describes it."""

    key: str
    purpose: str  # (b)
    controller: str  # (a)
    legal_basis: str
    subjects: str  # (c)
    categories: str  # (c)
    source: str
    recipients: str  # (d)
    transfers: str  # (e)
    erasure: str  # (f)
    security: str  # (g)
    gaps: tuple[str, ...] = ()  # the columns the manifest does not describe

    def cells(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, name)) for name, _ in COLUMNS)


@dataclass(frozen=True)
class ProcessingRegister:
    """The whole record: the rows, the recipients sheet, and its headings."""

    title: str
    language: str
    version: str
    generated: str
    headers: tuple[str, ...]
    records: tuple[ProcessingRecord, ...]
    recipient_headers: tuple[str, ...]
    recipients: tuple[tuple[str, ...], ...]
    sheet_names: tuple[str, str] = field(default=("", ""))


class RegisterFormat(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    html = "html"


# --- building ----------------------------------------------------------------------------


def build_register(
    loaded: LoadedManifest, language: str, *, generated: date | None = None
) -> ProcessingRegister:
    lang = Language(language)
    manifest = loaded.manifest
    version = manifest_version(manifest)
    day = generated or manifest_date(loaded)
    records = tuple(
        _record(loaded, key, purpose, lang) for key, purpose in manifest.purposes.items()
    )
    recipients = tuple(
        _recipient_row(loaded, key, recipient, lang)
        for key, recipient in manifest.recipients.items()
    )
    return ProcessingRegister(
        title=lang("ropa.title", org=manifest.organization.name),
        language=lang.code,
        version=version,
        generated=lang("ropa.generated", version=version, date=lang.date(day)),
        headers=tuple(lang(phrase) for _, phrase in COLUMNS),
        records=records,
        recipient_headers=tuple(lang(phrase) for phrase in RECIPIENT_COLUMNS),
        recipients=recipients,
        sheet_names=(_sheet_name(lang("ropa.sheet_purposes")),
                     _sheet_name(lang("ropa.sheet_recipients"))),
    )


def _record(loaded: LoadedManifest, key: str, purpose: Purpose, lang: Language) -> ProcessingRecord:
    manifest = loaded.manifest
    gaps: list[str] = []

    def described(column: str, value: str) -> str:
        if value.strip():
            return value
        gaps.append(column)
        return GAP_MARK + lang("ropa.not_described")

    recipients = [manifest.recipients[r] for r in purpose.recipients if r in manifest.recipients]
    return ProcessingRecord(
        key=key,
        purpose=_purpose_text(purpose, lang),
        controller=_controller_text(loaded, recipients, lang),
        legal_basis=described("legal_basis", bases_text(purpose, lang)
                              if purpose.legal_basis else ""),
        subjects=described("subjects", ", ".join(
            subject_name(loaded, s, lang) for s in purpose.subjects)),
        categories=described("categories", ", ".join(
            category_names(loaded, purpose.categories, lang))),
        source=", ".join(dict.fromkeys(_source_words(purpose, lang))),
        recipients="\n".join(_recipient_text(r, lang) for r in recipients)
        or capitalize(lang("value.none")),
        transfers=_transfers_text(recipients, lang),
        erasure=described("erasure", retention_text(purpose.retention, lang)),
        security=described("security", text(manifest.organization.security_measures, lang)),
        gaps=tuple(gaps),
    )


def _recipient_text(recipient: Recipient, lang: Language) -> str:
    """``Posten Bring (Posten Bring AS; selvstendig behandlingsansvarlig; Norge)``."""
    details = [recipient.entity, lang(f"role.{recipient.role}"),
               lang.country(recipient.country) if recipient.country else None]
    named = recipient_name(recipient)
    shown = [d for d in details if d and d != named]
    return f"{named} ({'; '.join(shown)})"


def _purpose_text(purpose: Purpose, lang: Language) -> str:
    description = text(purpose.description, lang)
    name = purpose_name(purpose, lang)
    return f"{name}: {sentence(description)}" if description else name


def _controller_text(loaded: LoadedManifest, recipients: list[Recipient], lang: Language) -> str:
    organization = loaded.manifest.organization
    contact = ", ".join(filter(None, (
        organization.org_number, address_text(organization, lang), organization.email,
        organization.phone,
    )))
    lines = [organization.name + (f", {contact}" if contact else "")]
    for recipient in recipients:
        if recipient.role == "joint_controller":
            lines.append(f"{lang('ropa.joint')}: {recipient_label(recipient)}")
    representative = organization.representative
    if representative and representative.name:
        lines.append(f"{lang('ropa.representative')}: {representative.name}"
                     + (f", {representative.email}" if representative.email else ""))
    dpo = organization.dpo
    if dpo:
        lines.append(f"{lang('ropa.dpo')}: " + ", ".join(filter(None, (dpo.name, dpo.email,
                                                                       dpo.phone))))
    return "\n".join(lines)


def _source_words(purpose: Purpose, lang: Language) -> list[str]:
    words = []
    for source in purpose.sources:
        if source.kind == "third_party":
            name = source.name or source.recipient
            words.append(capitalize(lang("source.third_party", source=name) if name
                                    else lang("source.third_party_unnamed")))
        else:
            words.append(capitalize(lang(f"source.{source.kind}")))
    return words


def _transfers_text(recipients: list[Recipient], lang: Language) -> str:
    lines = []
    for recipient in recipients:
        route = transfer_route(recipient)
        if route is not None:
            lines.append(f"{recipient_name(recipient)} → {destinations_text(route, lang)}: "
                         f"{safeguard_text(route, lang)}")
    return "\n".join(lines) or capitalize(lang("value.none"))


def _recipient_row(
    loaded: LoadedManifest, key: str, recipient: Recipient, lang: Language
) -> tuple[str, ...]:
    route = transfer_route(recipient)
    if recipient.dpa_signed is True:
        dpa = lang("ropa.dpa_undated")
    elif isinstance(recipient.dpa_signed, date):
        dpa = lang("ropa.dpa_signed", date=lang.date(recipient.dpa_signed))
    else:
        dpa = lang("value.not_stated")
    purposes = [purpose_name(p, lang) for p in loaded.manifest.purposes.values()
                if key in p.recipients]
    return (
        recipient_name(recipient),
        recipient.entity or "",
        lang(f"role.{recipient.role}"),
        lang.country(recipient.country) if recipient.country else lang("value.not_stated"),
        ", ".join(lang.country(c) for c in recipient.data_locations),
        f"{destinations_text(route, lang)}: {safeguard_text(route, lang)}" if route else "",
        dpa,
        ", ".join(purposes),
    )


def _sheet_name(name: str) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    return "".join(c for c in name if c not in "[]:*?/\\")[:31]


# --- writing -----------------------------------------------------------------------------


_HEADER_FILL = PatternFill("solid", fgColor="DCE7E1")
_GAP_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")


def register_xlsx(register: ProcessingRegister) -> bytes:
    """An XLSX workbook: the record (one row per purpose) and the recipients."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = register.sheet_names[0]
    _write_sheet(sheet, register.headers, [r.cells() for r in register.records],
                 [WIDTHS[name] for name, _ in COLUMNS])
    names = [name for name, _ in COLUMNS]
    for row, record in enumerate(register.records, start=2):
        for gap in record.gaps:
            sheet.cell(row=row, column=names.index(gap) + 1).fill = _GAP_FILL
    sheet.freeze_panes = "C2"  # the key and the purpose stay in view
    recipients = workbook.create_sheet(register.sheet_names[1])
    _write_sheet(recipients, register.recipient_headers, list(register.recipients),
                 [28, 32, 24, 16, 16, 40, 22, 40])
    recipients.freeze_panes = "B2"
    workbook.properties.title = register.title
    workbook.properties.description = register.generated
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(
    sheet: Worksheet, headers: tuple[str, ...], rows: list[tuple[str, ...]], widths: list[int]
) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
    for row in rows:
        sheet.append(list(row))
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = _WRAP
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.auto_filter.ref = sheet.dimensions


def register_csv(register: ProcessingRegister) -> str:
    """The record as CSV: a header row, then one row per purpose."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(register.headers)
    for record in register.records:
        writer.writerow(record.cells())
    return buffer.getvalue()


def register_html(register: ProcessingRegister) -> str:
    template = jinja_environment().get_template("ropa.html.j2")
    return template.render(register=register, gap_mark=GAP_MARK,
                           columns=[name for name, _ in COLUMNS])
