"""Read models of the discharge pages: the task counts of the top bar."""

from __future__ import annotations

from sqlalchemy import func, select

from services.orientation.discharges.models import DischargeCase, DischargeProfessional
from services.orientation.discharges.service import visibility
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, DAC
from shared.extensions import db
from shared.timeutil import today_paris


def task_counts(principal: Principal) -> tuple[int, int]:
    """(discharges due today or overdue not yet done, preparations still missing something)."""
    if not principal.has(DAC, COORDINATOR):
        return 0, 0
    today = today_paris()
    due = db.session.scalar(
        select(func.count())
        .select_from(DischargeCase)
        .where(
            visibility(principal),
            DischargeCase.state.in_(("announced", "preparing", "ready")),
            DischargeCase.planned_discharge_date <= today,
        )
    )
    # Stuck = preparing and missing any of: date, summary, prescription, a city professional.
    has_professional = (
        select(DischargeProfessional.id)
        .where(DischargeProfessional.case_id == DischargeCase.id)
        .exists()
    )
    stuck = db.session.scalar(
        select(func.count())
        .select_from(DischargeCase)
        .where(
            visibility(principal),
            DischargeCase.state == "preparing",
            (DischargeCase.planned_discharge_date.is_(None))
            | (func.coalesce(func.trim(DischargeCase.summary), "") == "")
            | (func.coalesce(func.trim(DischargeCase.prescription), "") == "")
            | ~has_professional,
        )
    )
    return due or 0, stuck or 0
