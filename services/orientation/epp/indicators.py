"""The `epp` block of the indicators, counted in SQL by Europe/Paris month.

- `referrals`: EPP referrals created during the month (by the Paris date of creation),
  whatever became of them since, cancelled ones included;
- `completed`: referrals in state `completed` whose recorded EPP date falls in the month
  (the ACI indicator: patients oriented to an EPP through the CPTS);
- `patients_oriented`: distinct patients (`patient_key`) whose referral was accepted by a
  midwife during the month (`accepted_at`, Paris date), even if cancelled afterwards; a
  patient counts once in the period and once in each month where a referral was accepted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select

from services.orientation.epp.models import COMPLETED, EppReferral
from shared.periods import MonthParameters, Period, RowsByMonth, TallyByMonth, during


def monthly_epp_indicators(period: Period) -> dict[str, dict[str, int]]:
    """`{"YYYY-MM": {"referrals", "completed"}}` for each month of the period, clipped to it,
    empty months included, oldest first."""
    counts = {
        (label, figure): count for label, figure, count in _REFERRALS_AND_COMPLETED.rows(period)
    }
    return {
        month.label: {
            "referrals": int(counts.get((month.label, "referrals")) or 0),
            "completed": int(counts.get((month.label, "completed")) or 0),
        }
        for month in period.months()
    }


def _referrals(month: MonthParameters) -> Select[*tuple[Any, ...]]:
    return (
        select(month.label, literal("referrals"), func.count())
        .select_from(EppReferral)
        .where(during(EppReferral.created_at, month))
    )


def _completed(month: MonthParameters) -> Select[*tuple[Any, ...]]:
    return (
        select(month.label, literal("completed"), func.count())
        .select_from(EppReferral)
        .where(
            COMPLETED,
            EppReferral.epp_date >= month.first_day,
            EppReferral.epp_date <= month.last_day,
        )
    )


_REFERRALS_AND_COMPLETED = RowsByMonth(_referrals, _completed)
# Distinct patients whose referral was accepted, once in the period and once in each month:
# `ix_orientation_epp_referrals_indicators_accepted` (accepted_at) INCLUDE (patient_key).
_PATIENTS_ORIENTED = TallyByMonth(
    lambda month: during(EppReferral.accepted_at, month), keys={"patients": EppReferral.patient_key}
)


def epp_block(period: Period) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The `epp` block and its months: counts summed over the months, patients counted once."""
    months: dict[str, dict[str, int]] = monthly_epp_indicators(period)
    patients, by_month = _PATIENTS_ORIENTED.counts(period)
    for label, figures in months.items():
        figures["patients_oriented"] = by_month.get(label, {}).get("patients", 0)
    totals = {
        "referrals": sum(m["referrals"] for m in months.values()),
        "completed": sum(m["completed"] for m in months.values()),
        "patients_oriented": patients["patients"],
    }
    return totals, months
