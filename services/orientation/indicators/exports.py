"""CSV and XLSX files of the indicators per month, with small figures masked when published.

The files are written by `shared.spreadsheets` (BOM, `;`, formulas neutralised), with French
column headers (`definitions.py`) and figures as numbers; the XLSX has a "Définitions" sheet
giving each figure's definition. With
`public=True`, every count below the publication threshold (but above 0) becomes "< N", so
that nobody can be singled out in a commune or a month with three cases; the JSON for the
reporting role stays exact.
"""

from __future__ import annotations

from typing import Any

from services.orientation.indicators.blocks import BLOCKS
from services.orientation.indicators.definitions import DEFINITIONS, PERIOD_RULE, label
from shared.periods import Period
from shared.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Table, write_csv, write_xlsx


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
        for figure, value in first.get(block.name, {}).items():
            if isinstance(value, int | float):  # breakdowns (`by_source`) have their own place
                columns.append((block.name, figure))
    return columns


def monthly_table(document: dict[str, Any], *, threshold: int | None) -> Table:
    """One row per month, then the period's total row (masked when `threshold`)."""
    columns = _columns(document)
    header = ["Mois", "Du", "Au", *(label(block, figure) for block, figure in columns)]
    rows: list[list[Any]] = []
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
            "Total",
            period["from"],
            period["to"],
            *(document[block].get(figure) for block, figure in columns),
        ]
    )
    if threshold is not None:
        rows = [[mask(v, threshold) for v in row] for row in rows]
    return Table(header, rows)


def commune_table(document: dict[str, Any], *, threshold: int | None) -> Table:
    """The médecin-traitant figures by commune (masked when `threshold`)."""
    header = [
        "Code INSEE",
        "Commune",
        "Code postal",
        "Signalements",
        "Patients orientés",
        "Patients en ALD orientés",
    ]
    rows: list[list[Any]] = []
    for row in document["medecin_traitant"].get("by_commune", []):
        values = [row["insee"], row["commune"], row["postal_code"]]
        counts = [row["signalements"], row["oriented"], row["oriented_ald"]]
        if threshold is not None:
            counts = [mask(v, threshold) for v in counts]
        rows.append([*values, *counts])
    return Table(header, rows)


def indicators_file(
    document: dict[str, Any], period: Period, *, fmt: str, threshold: int | None
) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the indicators export in `fmt` (csv or xlsx)."""
    suffix = "_public" if threshold is not None else ""
    name = f"indicateurs_{period.slug}{suffix}.{fmt}"
    months = monthly_table(document, threshold=threshold)
    if fmt == "csv":
        return write_csv(months.rows, headers=months.headers), CSV_MEDIA_TYPE, name
    communes = commune_table(document, threshold=threshold)
    sheets = {"par mois": months, "par commune": communes, "Définitions": definitions_table()}
    return write_xlsx(sheets), XLSX_MEDIA_TYPE, name


def definitions_table() -> Table:
    """Each figure's French header and definition, then the rule of dates."""
    rows: list[list[Any]] = [[d.label, d.definition] for d in DEFINITIONS]
    rows.append(["Dates", PERIOD_RULE])
    return Table(["Indicateur", "Définition"], rows)
