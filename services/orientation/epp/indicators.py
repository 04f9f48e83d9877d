"""The `epp` block of the indicators, counted in SQL by Europe/Paris month.

- `referrals`: EPP referrals created during the month (by the Paris date of creation),
  whatever became of them since, cancelled ones included;
- `completed`: referrals in state `completed` whose recorded EPP date falls in the month
  (the ACI indicator: patients oriented to an EPP through the CPTS).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select

from services.orientation.epp.models import COMPLETED, EppReferral
from shared.periods import Month, Period, during, rows_by_month


def monthly_epp_indicators(period: Period) -> dict[str, dict[str, int]]:
    """`{"YYYY-MM": {"referrals", "completed"}}` for each month of the period, clipped to it,
    empty months included, oldest first."""
    counts = {
        (label, figure): count
        for label, figure, count in rows_by_month(period, _referrals, _completed)
    }
    return {
        month.label: {
            "referrals": int(counts.get((month.label, "referrals")) or 0),
            "completed": int(counts.get((month.label, "completed")) or 0),
        }
        for month in period.months()
    }


def _referrals(month: Month) -> Select[*tuple[Any, ...]]:
    return (
        select(literal(month.label), literal("referrals"), func.count())
        .select_from(EppReferral)
        .where(during(EppReferral.created_at, month))
    )


def _completed(month: Month) -> Select[*tuple[Any, ...]]:
    return (
        select(literal(month.label), literal("completed"), func.count())
        .select_from(EppReferral)
        .where(
            COMPLETED,
            EppReferral.epp_date >= month.first_day,
            EppReferral.epp_date <= month.last_day,
        )
    )
