"""What a discharge case still lacks before the city professionals can be told it is ready."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MissingItem:
    field: str
    label: str
    message: str


PLANNED_DATE = MissingItem(
    "planned_discharge_date", "date de sortie prévue", "La date de sortie prévue manque."
)
SUMMARY = MissingItem("summary", "compte rendu court", "Le compte rendu court manque.")
PRESCRIPTION = MissingItem("prescription", "ordonnance détaillée", "L'ordonnance détaillée manque.")
CITY_PROFESSIONAL = MissingItem(
    "city_professionals",
    "au moins un professionnel de ville",
    "Indiquez au moins un professionnel de ville (médecin, infirmier…).",
)


def missing_items(case: Any) -> list[MissingItem]:
    """The items the city professionals need that the case does not have yet, in order."""
    missing = []
    if case.planned_discharge_date is None:
        missing.append(PLANNED_DATE)
    if not (case.summary or "").strip():
        missing.append(SUMMARY)
    if not (case.prescription or "").strip():
        missing.append(PRESCRIPTION)
    if not case.professionals:
        missing.append(CITY_PROFESSIONAL)
    return missing


def not_ready_message(missing: list[MissingItem]) -> str:
    """One French sentence naming every missing item."""
    return (
        "La sortie ne peut pas être déclarée prête : il manque "
        + ", ".join(item.label for item in missing)
        + "."
    )
