"""The `discharges` block of the indicators, counted in SQL.

Periods are inclusive ranges of Europe/Paris calendar dates, `start` to `end`:
- `cases`: discharge cases created during the period (whatever became of them since,
  cancelled ones included), by the Paris date of their creation;
- `discharged`: cases whose recorded actual discharge date falls in the period (state
  `discharged` or `followed_up`);
- `ready_before_discharge`: among those, the cases that reached `ready` on a Paris date
  strictly before the actual discharge date: the city professionals had the date, the short
  report and the prescription at least the day before the patient came home.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select

from services.orientation.discharges.models import DischargeCase
from services.orientation.periods import months, paris_bounds
from shared.extensions import db

DISCHARGED_STATES = ("discharged", "followed_up")


def discharge_indicators(start: dt.date, end: dt.date) -> dict[str, int]:
    """`{"cases", "ready_before_discharge", "discharged"}` for the Paris dates start..end."""
    low, high = paris_bounds(start, end)
    cases = db.session.scalar(
        select(func.count())
        .select_from(DischargeCase)
        .where(DischargeCase.created_at >= low, DischargeCase.created_at < high)
    )
    discharged, ready_before = db.session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(
                    case((DischargeCase.ready_on < DischargeCase.actual_discharge_date, 1), else_=0)
                ),
                0,
            ),
        ).where(
            DischargeCase.state.in_(DISCHARGED_STATES),
            DischargeCase.actual_discharge_date >= start,
            DischargeCase.actual_discharge_date <= end,
        )
    ).one()
    return {
        "cases": int(cases or 0),
        "ready_before_discharge": int(ready_before or 0),
        "discharged": int(discharged or 0),
    }


def monthly_discharge_indicators(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The same counts for each month of the period (`month` = "YYYY-MM"), months clipped to
    the period, empty months included, oldest first."""
    return [
        {"month": label, **discharge_indicators(first, last)}
        for label, first, last in months(start, end)
    ]
