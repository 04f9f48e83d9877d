"""Right of access (export) and right to erasure (anonymisation) for one patient.

A request names one case by its reference; it covers every case of the same patient, across
every registered case type (same NIR hash or same name-and-birth-date hash).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, or_, select

from shared.audit.service import record_audit
from shared.cases.documents import CaseDocument
from shared.cases.messages import CaseMessage
from shared.db import unit_of_work
from shared.errors import InvalidTransition, NotFound
from shared.extensions import db
from shared.models_registry import mapped_classes
from shared.privacy.registry import RecordType, case_types
from shared.timeutil import utcnow

EXPORT_FORMAT = "relais-patient-export/1"


def _find(reference: str) -> tuple[RecordType, Any]:
    for case_type in case_types():
        case = case_type.find(reference)
        if case is not None:
            return case_type, case
    raise NotFound(f"Aucun dossier avec la référence {reference}.")


def patient_cases(reference: str) -> list[tuple[RecordType, Any]]:
    """Every case of the patient of case `reference`, oldest first."""
    _, anchor = _find(reference)
    keys = {anchor.patient_key, anchor.patient_identity_hash}
    found: list[tuple[RecordType, Any]] = []
    for case_type in case_types():
        model = case_type.model
        rows = db.session.scalars(
            select(model).where(
                or_(model.patient_key.in_(keys), model.patient_identity_hash.in_(keys))
            )
        )
        found.extend((case_type, row) for row in rows)
    return sorted(found, key=lambda item: (item[1].created_at, item[1].reference))


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):  # a document's content
        return base64.b64encode(value).decode()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {column.key: _plain(getattr(obj, column.key)) for column in obj.__mapper__.columns}


def _rows_referencing(reference: str, skip: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows of every other table that carry this case reference (audit, events, deliveries…)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for model in mapped_classes():
        table = model.__table__
        if table.name in skip or "reference" not in table.columns:
            continue
        rows = db.session.scalars(select(model).where(table.c.reference == reference)).all()
        if rows:
            found.setdefault(table.name, []).extend(_row(row) for row in rows)
    return found


def _history(case_type: RecordType, case: Any) -> list[dict[str, Any]]:
    if case_type.history is None:
        return []
    history = case_type.history
    rows = db.session.scalars(
        select(history).where(history.case_id == case.id).order_by(history.at)
    )
    return [_row(row) for row in rows]


def export_patient(*, reference: str, operator: str) -> dict[str, Any]:
    """Everything held on the patient of case `reference`, as JSON-ready data; audited."""
    cases = patient_cases(reference)
    case_tables = {case_type.model.__tablename__ for case_type, _ in cases}
    exported = [
        {
            "kind": getattr(case, "kind", case_type.model.__tablename__),
            "table": case_type.model.__tablename__,
            "reference": case.reference,
            "patient": case.patient_dict(),
            "case": _row(case),
            "history": _history(case_type, case),
            # The audit trail being exported is recorded below, after this snapshot.
            "related": _rows_referencing(case.reference, case_tables),
        }
        for case_type, case in cases
    ]
    with unit_of_work():
        for _, case in cases:
            record_audit(action="export", reference=case.reference, user_email=operator)
    return {"format": EXPORT_FORMAT, "exported_at": utcnow().isoformat(), "cases": exported}


def erase_patient(*, reference: str, operator: str) -> list[str]:
    """Anonymise the patient of case `reference` in every closed case; returns the references.

    Aggregate facts (states, dates, priority, ALD, vulnerabilities, commune, birth year) stay
    for the indicators. An open case is refused: close it first (e.g. cancel with
    `consent_withdrawn`), so that no one keeps working on a person they can no longer identify.
    """
    cases = patient_cases(reference)
    still_open = [case.reference for case_type, case in cases if not case_type.closed(case)]
    if still_open:
        raise InvalidTransition(
            "Dossier encore ouvert : clôturez-le avant d'effacer l'identité du patient "
            f"({', '.join(still_open)})."
        )
    with unit_of_work() as session:
        for case_type, case in cases:
            locked = session.get(case_type.model, case.id, with_for_update=True)
            locked.anonymise_patient()
            for column in case_type.free_text:
                setattr(locked, column, "" if _not_null(case_type.model, column) else None)
            if case_type.history is not None:
                history = case_type.history
                for row in session.scalars(select(history).where(history.case_id == case.id)):
                    row.comment = None
                    row.data = None
            # The thread and the documents may describe the patient: they go with the identity.
            for model in (CaseMessage, CaseDocument):
                session.execute(delete(model).where(model.reference == case.reference))
            record_audit(action="update", reference=case.reference, user_email=operator)
    return [case.reference for _, case in cases]


def _not_null(model: Any, column: str) -> bool:
    return not model.__table__.columns[column].nullable
