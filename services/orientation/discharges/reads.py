"""What the discharge pages read beyond the worklist: the task counts of the top bar."""

from __future__ import annotations

from sqlalchemy import func, select

from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.readiness import lacks_something
from services.orientation.discharges.service import visibility
from services.orientation.discharges.states import EDITABLE_STATES
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
            DischargeCase.state.in_(EDITABLE_STATES),
            DischargeCase.planned_discharge_date <= today,
        )
    )
    # Stuck = preparing and still missing something the city professionals need.
    stuck = db.session.scalar(
        select(func.count())
        .select_from(DischargeCase)
        .where(visibility(principal), DischargeCase.state == "preparing", lacks_something())
    )
    return due or 0, stuck or 0
