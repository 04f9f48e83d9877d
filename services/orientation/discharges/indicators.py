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

from sqlalchemy import case, func, literal, null, select, union_all

from services.orientation.discharges.models import DISCHARGED, DischargeCase
from services.orientation.periods import months, paris_bounds
from shared.extensions import db


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
            DISCHARGED,
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
    periods = months(start, end)
    # One UNION ALL statement (a range scan per month and date column) rather than two round
    # trips per month: the indicators endpoint reads a year of months at once.
    branches = []
    for label, first, last in periods:
        low, high = paris_bounds(first, last)
        branches.append(
            select(literal(label), literal("cases"), func.count(), null())
            .select_from(DischargeCase)
            .where(DischargeCase.created_at >= low, DischargeCase.created_at < high)
        )
        branches.append(
            select(
                literal(label),
                literal("discharged"),
                func.count(),
                func.sum(
                    case((DischargeCase.ready_on < DischargeCase.actual_discharge_date, 1), else_=0)
                ),
            ).where(
                DISCHARGED,
                DischargeCase.actual_discharge_date >= first,
                DischargeCase.actual_discharge_date <= last,
            )
        )
    figures = {
        label: {"cases": 0, "ready_before_discharge": 0, "discharged": 0}
        for label, _first, _last in periods
    }
    for label, figure, count, ready_before in db.session.execute(union_all(*branches)):
        if figure == "cases":
            figures[label]["cases"] = int(count or 0)
        else:
            figures[label]["discharged"] = int(count or 0)
            figures[label]["ready_before_discharge"] = int(ready_before or 0)
    return [{"month": label, **counts} for label, counts in figures.items()]
