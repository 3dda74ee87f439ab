"""The record of processing (Art. 30(1)(a)–(g)): XLSX, CSV and HTML, one row per purpose."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from notice_examples import EXAMPLE_PATHS, PUBLISHED
from openpyxl import load_workbook  # type: ignore[import-untyped]

from personvern.manifest.load import LoadedManifest
from personvern.notice import build_register
from personvern.notice.ropa import GAP_MARK, register_csv, register_html, register_xlsx

ARTICLE_30 = ("(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)")


@pytest.mark.parametrize("name", list(EXAMPLE_PATHS))
def test_xlsx_has_one_row_per_purpose_with_every_column_filled(
    examples: dict[str, LoadedManifest], name: str
) -> None:
    loaded = examples[name]
    register = build_register(loaded, "nb", generated=PUBLISHED)
    workbook = load_workbook(io.BytesIO(register_xlsx(register)))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    headers = [str(h) for h in rows[0]]
    for letter in ARTICLE_30:
        assert any(h.startswith(letter) for h in headers), f"no column {letter}"
    assert len(rows) - 1 == len(loaded.manifest.purposes)
    assert [row[0] for row in rows[1:]] == list(loaded.manifest.purposes)
    for row in rows[1:]:
        for header, cell in zip(headers, row, strict=True):
            assert cell is not None and str(cell).strip(), f"{row[0]}: {header} is empty"
    assert sheet.freeze_panes == "C2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["B"].width >= 30
    recipients = workbook.worksheets[1]
    assert recipients.max_row - 1 == len(loaded.manifest.recipients)


def test_undescribed_cells_are_flagged(examples: dict[str, LoadedManifest]) -> None:
    # zooplus describes no security measures (Art. 30(1)(g)); Extra Leker does.
    zooplus = build_register(examples["004"], "nb", generated=PUBLISHED)
    assert all("security" in record.gaps for record in zooplus.records)
    assert all(record.security == GAP_MARK + "Ikke beskrevet" for record in zooplus.records)
    sheet = load_workbook(io.BytesIO(register_xlsx(zooplus))).worksheets[0]
    security = next(c for c in sheet[1] if str(c.value).startswith("(g)")).column
    assert sheet.cell(row=2, column=security).fill.fgColor.rgb.endswith("FFF2CC")
    extra = build_register(examples["002"], "nb", generated=PUBLISHED)
    assert all("HTTPS" in record.security for record in extra.records)


def test_record_contents(examples: dict[str, LoadedManifest]) -> None:
    register = build_register(examples["004"], "nb", generated=PUBLISHED)
    records = {record.key: record for record in register.records}
    assert "zooplus SE" in records["log_files"].controller
    assert "Personvernombud: Dr. Philipp Herrmann, ph@hwdata.de" in records["log_files"].controller
    joint = records["joint_processing_bitiba"].controller
    assert "Felles behandlingsansvarlig: BITIBA GmbH" in joint
    assert records["log_files"].erasure == "2 måneder etter at de ble lagret."
    assert records["log_files"].subjects == "kunder, besøkende på nettsiden"
    assert "Amazon Web Services → land utenfor EU/EØS: EU-kommisjonens standard" in (
        records["hosting"].transfers)
    assert records["sanctions_screening"].recipients == "Ingen"


def test_csv(examples: dict[str, LoadedManifest]) -> None:
    register = build_register(examples["000"], "sv", generated=PUBLISHED)
    rows = list(csv.reader(io.StringIO(register_csv(register))))
    assert rows[0][0] == "Nyckel" and rows[0][1] == "(b) Ändamål"
    assert len(rows) == 1 + len(examples["000"].manifest.purposes)
    assert all(len(row) == len(rows[0]) for row in rows)


def test_html(examples: dict[str, LoadedManifest]) -> None:
    html = register_html(build_register(examples["002"], "en", generated=PUBLISHED))

    class Rows(HTMLParser):
        rows = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.rows += tag == "tr"

    parser = Rows()
    parser.feed(html)
    purposes, recipients = len(examples["002"].manifest.purposes), 9
    assert parser.rows == 2 + purposes + recipients  # two header rows
    assert '<html lang="en">' in html
    assert "Record of processing activities (Article 30 GDPR) – Extra Leker" in html
