"""What the discharge pages and the API read: the DAC worklist and the task counts of the top
bar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.readiness import lacks_something, missing_items
from services.orientation.discharges.service import visibility
from services.orientation.discharges.states import EDITABLE_STATES, STATES
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, DAC
from shared.cases.service import record_reads
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


@dataclass
class Worklist:
    """Open discharges grouped by planned date (Europe/Paris), and what needs chasing."""

    date: dt.date
    overdue: list[DischargeCase] = field(default_factory=list)
    today: list[DischargeCase] = field(default_factory=list)
    tomorrow: list[DischargeCase] = field(default_factory=list)
    this_week: list[DischargeCase] = field(default_factory=list)
    later: list[DischargeCase] = field(default_factory=list)
    undated: list[DischargeCase] = field(default_factory=list)
    stuck_preparing: list[DischargeCase] = field(default_factory=list)
    to_follow_up: list[DischargeCase] = field(default_factory=list)


def worklist(*, principal: Principal) -> Worklist:
    """The DAC's week: discharges not yet done by planned date, incomplete preparations, and
    discharges still waiting for their follow-up call; audited (patient names are shown)."""
    today = today_paris()
    week_end = today + dt.timedelta(days=6)
    open_cases = list(
        db.session.scalars(
            select(DischargeCase)
            .where(visibility(principal), DischargeCase.state.in_(STATES.open))
            .order_by(
                DischargeCase.planned_discharge_date.is_(None),
                DischargeCase.planned_discharge_date,
                DischargeCase.reference,
            )
        )
    )
    result = Worklist(date=today)
    for case in open_cases:
        if case.state == "discharged":
            result.to_follow_up.append(case)
            continue
        if case.state == "preparing" and missing_items(case):
            result.stuck_preparing.append(case)
        planned = case.planned_discharge_date
        if planned is None:
            result.undated.append(case)
        elif planned < today:
            result.overdue.append(case)
        elif planned == today:
            result.today.append(case)
        elif planned == today + dt.timedelta(days=1):
            result.tomorrow.append(case)
        elif planned <= week_end:
            result.this_week.append(case)
        else:
            result.later.append(case)
    # Longest-stuck first among cases with the same urgency.
    result.stuck_preparing.sort(
        key=lambda c: (
            c.planned_discharge_date is None,
            c.planned_discharge_date or today,
            c.preparing_at or c.created_at,
        )
    )
    result.to_follow_up.sort(key=lambda c: (c.actual_discharge_date or today, c.reference))
    record_reads(open_cases)
    return result
