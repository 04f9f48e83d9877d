"""The `discharges` block of the indicators, counted in SQL by Europe/Paris month.

- `cases`: discharge cases created during the month (whatever became of them since,
  cancelled ones included), by the Paris date of their creation;
- `discharged`: cases whose recorded actual discharge date falls in the month (state
  `discharged` or `followed_up`);
- `ready_before_discharge`: among those, the cases that reached `ready` on a Paris date
  strictly before the actual discharge date: the city professionals had the date, the short
  report and the prescription at least the day before the patient came home.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, null, select

from services.orientation.discharges.models import DISCHARGED, DischargeCase
from shared.periods import MonthParameters, Period, RowsByMonth, during


def monthly_discharge_indicators(period: Period) -> dict[str, dict[str, int]]:
    """`{"YYYY-MM": {"cases", "ready_before_discharge", "discharged"}}` for each month of the
    period, clipped to it, empty months included, oldest first."""
    figures = {
        month.label: {"cases": 0, "ready_before_discharge": 0, "discharged": 0}
        for month in period.months()
    }
    for label, figure, count, ready_before in _CREATED_AND_DISCHARGED.rows(period):
        if figure == "cases":
            figures[label]["cases"] = int(count or 0)
        else:
            figures[label]["discharged"] = int(count or 0)
            figures[label]["ready_before_discharge"] = int(ready_before or 0)
    return figures


def _created(month: MonthParameters) -> Select[*tuple[Any, ...]]:
    return (
        select(month.label, literal("cases"), func.count(), null())
        .select_from(DischargeCase)
        .where(during(DischargeCase.created_at, month))
    )


def _discharged(month: MonthParameters) -> Select[*tuple[Any, ...]]:
    in_time = case((DischargeCase.ready_on < DischargeCase.actual_discharge_date, 1), else_=0)
    return select(month.label, literal("discharged"), func.count(), func.sum(in_time)).where(
        DISCHARGED,
        DischargeCase.actual_discharge_date >= month.first_day,
        DischargeCase.actual_discharge_date <= month.last_day,
    )


_CREATED_AND_DISCHARGED = RowsByMonth(_created, _discharged)
