"""French labels and formats shared by the templates."""

from __future__ import annotations

import datetime as dt

from shared.timeutil import PARIS
from shared.validators import national_phone

ROLE_LABELS = {
    "professional": "Professionnel de santé",
    "coordinator": "Coordination",
    "gp": "Médecin généraliste",
    "midwife": "Sage-femme",
    "nurse": "Infirmier·e",
    "dac": "DAC / sortie d'hospitalisation",
    "partner": "Partenaire",
    "reporting": "Indicateurs",
    "admin": "Administration",
}
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(value: dt.date | dt.datetime | str | None) -> str:
    """`14 mars 1950`; datetimes are shown in Paris time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(PARIS).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def french_datetime(value: dt.datetime | None) -> str:
    """`14 mars 2026 à 09:05`, Paris time."""
    if value is None:
        return ""
    local = value.astimezone(PARIS)
    return f"{french_date(local.date())} à {local:%H:%M}"


def pluralize(count: int, singular: str, plural: str | None = None) -> str:
    """`1 tâche`, `3 tâches`."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def french_phone(value: str | None) -> str:
    """A stored E.164 number in national form: `+33612345678` → `06 12 34 56 78`,
    `+262692123456` → `0692 12 34 56`."""
    return national_phone(value) if value else ""


def french_time(value: dt.datetime | None) -> str:
    """`09:05`, Paris time."""
    if value is None:
        return ""
    return f"{value.astimezone(PARIS):%H:%M}"
