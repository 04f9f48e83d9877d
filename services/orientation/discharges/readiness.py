"""What a discharge case still lacks before the city professionals can be told it is ready.

Each item states its rule twice, side by side: on a loaded case (the readiness check, the
worklist) and as SQL (the counts of the top bar), so the two cannot drift apart. The summary
and the prescription may also come as documents attached to the case (`compte_rendu`,
`ordonnance`: shared/cases/documents.py). The API stores
the texts stripped, blank as null (`OptionalText`); SQL's `trim` removes spaces only, which
then makes no difference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from services.orientation.discharges.models import DischargeCase, DischargeProfessional
from shared.cases.documents import CaseDocument
from shared.extensions import db


@dataclass(frozen=True)
class MissingItem:
    field: str
    label: str
    message: str
    lacks: Callable[[Any], bool]
    lacks_in_sql: Callable[[], ColumnElement[bool]]


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _blank_in_sql(column: Any) -> ColumnElement[bool]:
    return func.coalesce(func.trim(column), "") == ""


def _documents_of_kind(kind: str) -> Any:
    return select(CaseDocument.id).where(
        CaseDocument.case_kind == DischargeCase.kind,
        CaseDocument.case_id == DischargeCase.id,
        CaseDocument.kind == kind,
    )


def _has_document(case: Any, kind: str) -> bool:
    """Whether a document of `kind` is attached to the case (it stands for the text)."""
    found = db.session.scalar(
        select(CaseDocument.id)
        .where(
            CaseDocument.case_kind == DischargeCase.kind,
            CaseDocument.case_id == case.id,
            CaseDocument.kind == kind,
        )
        .limit(1)
    )
    return found is not None


def _text_or_document(field: str, kind: str) -> tuple[Callable[[Any], bool], Callable[[], Any]]:
    """The rules of an item met by its text or by an attached document of `kind`."""
    column = getattr(DischargeCase, field)
    return (
        lambda case: _blank(getattr(case, field)) and not _has_document(case, kind),
        lambda: and_(_blank_in_sql(column), ~_documents_of_kind(kind).exists()),
    )


PLANNED_DATE = MissingItem(
    "planned_discharge_date",
    "date de sortie prévue",
    "La date de sortie prévue manque.",
    lacks=lambda case: case.planned_discharge_date is None,
    lacks_in_sql=lambda: DischargeCase.planned_discharge_date.is_(None),
)
# A `compte_rendu` document stands for the summary, an `ordonnance` for the prescription.
_SUMMARY_RULES = _text_or_document("summary", "compte_rendu")
SUMMARY = MissingItem(
    "summary",
    "compte rendu court",
    "Le compte rendu court manque (ou joignez le compte rendu en document).",
    lacks=_SUMMARY_RULES[0],
    lacks_in_sql=_SUMMARY_RULES[1],
)
_PRESCRIPTION_RULES = _text_or_document("prescription", "ordonnance")
PRESCRIPTION = MissingItem(
    "prescription",
    "ordonnance détaillée",
    "L'ordonnance détaillée manque (ou joignez l'ordonnance en document).",
    lacks=_PRESCRIPTION_RULES[0],
    lacks_in_sql=_PRESCRIPTION_RULES[1],
)
CITY_PROFESSIONAL = MissingItem(
    "city_professionals",
    "au moins un professionnel de ville",
    "Indiquez au moins un professionnel de ville (médecin, infirmier…).",
    lacks=lambda case: not case.professionals,
    lacks_in_sql=lambda: (
        ~select(DischargeProfessional.id)
        .where(DischargeProfessional.case_id == DischargeCase.id)
        .exists()
    ),
)
ITEMS = (PLANNED_DATE, SUMMARY, PRESCRIPTION, CITY_PROFESSIONAL)


def missing_items(case: Any) -> list[MissingItem]:
    """The items the city professionals need that the case does not have yet, in order."""
    return [item for item in ITEMS if item.lacks(case)]


def lacks_something() -> ColumnElement[bool]:
    """SQL: the discharge case lacks at least one item (the same rules as `missing_items`)."""
    return or_(*(item.lacks_in_sql() for item in ITEMS))


def not_ready_message(missing: list[MissingItem]) -> str:
    """One French sentence naming every missing item."""
    return (
        "La sortie ne peut pas être déclarée prête : il manque "
        + ", ".join(item.label for item in missing)
        + "."
    )
