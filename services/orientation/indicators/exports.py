"""CSV and XLSX files of the indicators per month, with small figures masked when published.

French spreadsheets expect UTF-8 with a BOM and `;` as separator. With `public=True`, every
count below the publication threshold (but above 0) becomes "< N", so that nobody can be
singled out in a commune or a month with three cases; the JSON for the reporting role stays
exact.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from services.orientation.indicators.blocks import BLOCKS
from shared.periods import Period

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


def mask(value: Any, threshold: int) -> Any:
    """`"< 5"` for a count strictly between 0 and the threshold; anything else unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold:
        return f"< {threshold}"
    return value


def _columns(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(block, figure) pairs of the monthly rows, in registry order."""
    columns: list[tuple[str, str]] = []
    first = document["by_month"][0] if document["by_month"] else {}
    for block in BLOCKS:
        for figure in first.get(block.name, {}):
            columns.append((block.name, figure))
    return columns


def monthly_table(document: dict[str, Any], *, threshold: int | None) -> list[list[Any]]:
    """Header then one row per month, then the period's total row (masked when `threshold`)."""
    columns = _columns(document)
    header = ["mois", "du", "au", *(f"{block}.{figure}" for block, figure in columns)]
    rows: list[list[Any]] = [header]
    for month in document["by_month"]:
        rows.append(
            [
                month["month"],
                month["from"],
                month["to"],
                *(month[block].get(figure) for block, figure in columns),
            ]
        )
    period = document["period"]
    rows.append(
        [
            "total",
            period["from"],
            period["to"],
            *(document[block].get(figure) for block, figure in columns),
        ]
    )
    if threshold is not None:
        rows = [rows[0], *([mask(v, threshold) for v in row] for row in rows[1:])]
    return rows


def commune_table(document: dict[str, Any], *, threshold: int | None) -> list[list[Any]]:
    """The médecin-traitant figures by commune (masked when `threshold`)."""
    header = ["code_insee", "commune", "code_postal", "signalements", "orientes", "orientes_ald"]
    rows: list[list[Any]] = [header]
    for row in document["medecin_traitant"].get("by_commune", []):
        values = [row["insee"], row["commune"], row["postal_code"]]
        counts = [row["signalements"], row["oriented"], row["oriented_ald"]]
        if threshold is not None:
            counts = [mask(v, threshold) for v in counts]
        rows.append([*values, *counts])
    return rows


def to_csv(rows: Iterable[list[Any]]) -> bytes:
    """UTF-8 with BOM, `;`-separated: opens as columns in a French spreadsheet."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with one sheet per table."""
    # Imported on first use (~7 MB in every server process for a file asked a few times a
    # year).
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def indicators_file(
    document: dict[str, Any], period: Period, *, fmt: str, threshold: int | None
) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the indicators export in `fmt` (csv or xlsx)."""
    suffix = "_public" if threshold is not None else ""
    name = f"indicateurs_{period.slug}{suffix}.{fmt}"
    months = monthly_table(document, threshold=threshold)
    if fmt == "csv":
        return to_csv(months), CSV_MEDIA_TYPE, name
    communes = commune_table(document, threshold=threshold)
    return to_xlsx({"par mois": months, "par commune": communes}), XLSX_MEDIA_TYPE, name
