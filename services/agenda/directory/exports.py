"""Exports of the directory (CSV `;` with BOM for spreadsheets, XLSX), with French headers,
written by `shared.spreadsheets` (formulas neutralised: the texts are typed by people)."""

from __future__ import annotations

from collections.abc import Iterable

from services.agenda.directory.models import Professional
from shared.spreadsheets import Table, write_csv, write_xlsx

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
    return write_csv((row(p) for p in professionals), headers=COLUMNS)


def to_xlsx(professionals: Iterable[Professional]) -> bytes:
    """The export as an XLSX workbook."""
    return write_xlsx({"Annuaire": Table(COLUMNS, (row(p) for p in professionals))})
