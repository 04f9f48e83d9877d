"""Exports of the directory (CSV `;` with BOM for spreadsheets, XLSX), with French headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from services.agenda.directory.models import Professional

COLUMNS = (
    "rpps",
    "nom",
    "prenom",
    "profession",
    "adresse",
    "code_postal",
    "commune",
    "telephone",
    "mssante",
    "accepte_nouveaux_patients",
    "places_par_mois",
    "langues",
    "visites_a_domicile",
    "teleconsultation",
    "qualifications",
    "membre_cpts",
    "disponibilite_mise_a_jour",
)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def row(p: Professional) -> list[str | int]:
    """One professional as a row of the export (the import's columns first, so an export
    edited in a spreadsheet can be imported back)."""
    return [
        p.rpps,
        p.last_name,
        p.first_name,
        p.profession,
        p.address or "",
        p.postal_code,
        p.city,
        p.phone or "",
        p.mssante_email or "",
        _yes(p.accepts_new_patients),
        p.new_patient_capacity,
        ",".join(p.languages or []),
        _yes(p.home_visits),
        _yes(p.teleconsultation),
        ",".join(p.qualifications or []),
        _yes(p.cpts_member),
        p.capacity_updated_at.date().isoformat() if p.capacity_updated_at else "",
    ]


def to_csv(professionals: Iterable[Professional]) -> bytes:
    """The export as CSV (`;`, UTF-8 with BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(row(p) for p in professionals)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(professionals: Iterable[Professional]) -> bytes:
    """The export as an XLSX workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Annuaire")
    sheet.append(list(COLUMNS))
    for p in professionals:
        sheet.append(row(p))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
