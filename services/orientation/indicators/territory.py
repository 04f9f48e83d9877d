"""The territory's baseline of patients without a médecin traitant (CPAM or Rézone figures).

Upload: a CSV `commune_insee;month;patients_without_mt[;population]` (UTF-8, BOM allowed,
`;`), one row per commune and month (`YYYY-MM`). Every row is checked first; any bad row
rejects the whole file with French messages per line and nothing is stored. A good file
replaces the rows of the (commune, month) pairs it carries and leaves the others.

In the indicators document, `territory.patients_without_mt_by_month` sums the communes of
each month of the period (and their population, and the share, when every commune of that
month gave its population); the block is absent when no baseline covers the period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from typing import Any

from sqlalchemy import delete, func, select, tuple_

from services.orientation.indicators.models import TerritoryBaseline
from shared.db import unit_of_work
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.geo.communes import by_insee
from shared.periods import Period

HEADER = ("commune_insee", "month", "patients_without_mt")
OPTIONAL = "population"
MAX_ROWS = 50_000
MAX_ERRORS = 20  # lines reported; the rest are summed up
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TEMPLATE = (
    "\ufeffcommune_insee;month;patients_without_mt;population\r\n"
    "69266;2026-01;4210;152212\r\n"
    "69266;2026-02;4185;152212\r\n"
)


def _count(text: str, *, name: str) -> tuple[int | None, str | None]:
    value = text.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if not value.isdigit():
        return None, f"{name} : nombre entier positif ou nul attendu, reçu « {text.strip()} »."
    return int(value), None


def parse(data: bytes) -> list[dict[str, Any]]:
    """The rows of an uploaded baseline, or ValidationFailed listing every bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": ["Le fichier doit être un CSV encodé en UTF-8."]}) from None
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise ValidationFailed({"file": ["Le fichier est vide."]})
    header = tuple(cell.strip().lower() for cell in lines[0])
    if header not in (HEADER, (*HEADER, OPTIONAL)):
        raise ValidationFailed(
            {
                "file": [
                    "La première ligne doit être « commune_insee;month;patients_without_mt » "
                    "suivie, si vous l'avez, de « ;population » (séparateur point-virgule)."
                ]
            }
        )
    if len(lines) - 1 > MAX_ROWS:
        raise ValidationFailed({"file": [f"Le fichier dépasse {MAX_ROWS} lignes."]})
    if len(lines) == 1:
        raise ValidationFailed({"file": ["Le fichier ne contient aucune ligne de données."]})
    errors: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        problems: list[str] = []
        if len(cells) != len(header):
            problems.append(f"{len(header)} colonnes attendues, {len(cells)} trouvées.")
            errors[f"ligne {number}"] = problems
            continue
        insee = cells[0].strip()
        if not re.fullmatch(r"\d[\dAB]\d{3}", insee) or by_insee(insee) is None:
            problems.append(f"Code INSEE de commune inconnu : « {insee} ».")
        month: dt.date | None = None
        found = MONTH.match(cells[1].strip())
        if found and 1 <= int(found.group(2)) <= 12:
            month = dt.date(int(found.group(1)), int(found.group(2)), 1)
        else:
            problems.append(f"Mois attendu au format AAAA-MM, reçu « {cells[1].strip()} ».")
        patients, problem = _count(cells[2], name="patients_without_mt")
        if problem:
            problems.append(problem)
        population: int | None = None
        if len(cells) == 4 and cells[3].strip():
            population, problem = _count(cells[3], name="population")
            if problem:
                problems.append(problem)
            elif patients is not None and population is not None and patients > population:
                problems.append("Le nombre de patients dépasse la population de la commune.")
        if month is not None and not problems:
            earlier = seen.setdefault((insee, month), number)
            if earlier != number:
                problems.append(f"La commune et le mois figurent déjà ligne {earlier}.")
        if problems:
            errors[f"ligne {number}"] = problems
            continue
        rows.append(
            {
                "commune_insee": insee,
                "month": month,
                "patients_without_mt": patients,
                "population": population,
            }
        )
    if errors:
        shown = dict(list(errors.items())[:MAX_ERRORS])
        if len(errors) > MAX_ERRORS:
            shown["file"] = [f"… et {len(errors) - MAX_ERRORS} autres lignes en erreur."]
        raise ValidationFailed(shown, "Le fichier contient des erreurs : rien n'a été enregistré.")
    return rows


def upload(data: bytes, *, uploaded_by: uuid.UUID | None) -> dict[str, Any]:
    """Check the whole file, then replace the (commune, month) pairs it carries."""
    rows = parse(data)
    with unit_of_work():
        keys = [(row["commune_insee"], row["month"]) for row in rows]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            db.session.execute(
                delete(TerritoryBaseline).where(
                    tuple_(TerritoryBaseline.commune_insee, TerritoryBaseline.month).in_(chunk)
                )
            )
        db.session.add_all(TerritoryBaseline(**row, uploaded_by=uploaded_by) for row in rows)
    months = sorted({row["month"] for row in rows})
    return {
        "rows": len(rows),
        "communes": len({row["commune_insee"] for row in rows}),
        "from": f"{months[0]:%Y-%m}",
        "to": f"{months[-1]:%Y-%m}",
    }


def territory_block(period: Period) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """`{"patients_without_mt_by_month": [...]}` over the months of the period (empty when no
    baseline covers it), summed over the communes of each month, in SQL."""
    first = period.first_day.replace(day=1)
    rows = db.session.execute(
        select(
            TerritoryBaseline.month,
            func.sum(TerritoryBaseline.patients_without_mt),
            func.sum(TerritoryBaseline.population),
            func.count(),
            func.count(TerritoryBaseline.population),
        )
        .where(TerritoryBaseline.month >= first, TerritoryBaseline.month <= period.last_day)
        .group_by(TerritoryBaseline.month)
        .order_by(TerritoryBaseline.month)
    ).all()
    months = []
    for month, patients, population, communes, with_population in rows:
        # The population and share only when every commune of the month gave its population.
        total = int(population) if population and with_population == communes else None
        months.append(
            {
                "month": f"{month:%Y-%m}",
                "patients_without_mt": int(patients),
                "communes": int(communes),
                "population": total,
                "share": round(int(patients) / total, 4) if total else None,
            }
        )
    return ({"patients_without_mt_by_month": months} if months else {}), {}
