"""What the teleconsultation pages read: the list a user sees, and a nurse's requests still to
schedule."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from services.agenda.teleconsultation.models import TeleconsultationCase
from services.agenda.teleconsultation.service import list_query
from services.agenda.teleconsultation.states import STATES
from shared.auth.principal import Principal
from shared.cases.service import record_reads
from shared.extensions import db

LIST_LIMIT = 200


def teleconsultations(*, principal: Principal) -> list[TeleconsultationCase]:
    """The teleconsultations the user sees, open ones first, then newest first; audited."""
    rows = list(db.session.scalars(list_query(principal=principal, state=None).limit(LIST_LIMIT)))
    record_reads(rows)
    rows.sort(key=lambda case: case.state not in STATES.open)
    return rows


def count_to_schedule(*, nurse_professional_id: uuid.UUID) -> int:
    """How many of a nurse's teleconsultation requests still wait for a slot."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(TeleconsultationCase)
            .where(
                TeleconsultationCase.nurse_professional_id == nurse_professional_id,
                TeleconsultationCase.state == "requested",
            )
        )
        or 0
    )
