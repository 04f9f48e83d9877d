"""The `epp` block of the indicators, counted in SQL.

Periods are inclusive ranges of Europe/Paris calendar dates, `start` to `end`:
- `referrals`: EPP referrals created during the period (by the Paris date of creation),
  whatever became of them since, cancelled ones included;
- `completed`: referrals in state `completed` whose recorded EPP date falls in the period
  (the ACI indicator: patients oriented to an EPP through the CPTS).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, literal, select, union_all

from services.orientation.epp.models import COMPLETED, EppReferral
from services.orientation.periods import months, paris_bounds
from shared.extensions import db


def epp_indicators(start: dt.date, end: dt.date) -> dict[str, int]:
    """`{"referrals", "completed"}` for the Paris dates start..end."""
    low, high = paris_bounds(start, end)
    referrals = db.session.scalar(
        select(func.count())
        .select_from(EppReferral)
        .where(EppReferral.created_at >= low, EppReferral.created_at < high)
    )
    completed = db.session.scalar(
        select(func.count())
        .select_from(EppReferral)
        .where(
            COMPLETED,
            EppReferral.epp_date >= start,
            EppReferral.epp_date <= end,
        )
    )
    return {"referrals": int(referrals or 0), "completed": int(completed or 0)}


def monthly_epp_indicators(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The same counts for each month of the period (`month` = "YYYY-MM"), months clipped to
    the period, empty months included, oldest first."""
    periods = months(start, end)
    # One UNION ALL statement (a range scan per month and figure) rather than two round trips
    # per month: the indicators endpoint reads a year of months at once.
    branches = []
    for label, first, last in periods:
        low, high = paris_bounds(first, last)
        branches.append(
            select(literal(label), literal("referrals"), func.count())
            .select_from(EppReferral)
            .where(EppReferral.created_at >= low, EppReferral.created_at < high)
        )
        branches.append(
            select(literal(label), literal("completed"), func.count())
            .select_from(EppReferral)
            .where(
                COMPLETED,
                EppReferral.epp_date >= first,
                EppReferral.epp_date <= last,
            )
        )
    counts = {
        (label, figure): count for label, figure, count in db.session.execute(union_all(*branches))
    }
    return [
        {
            "month": label,
            "referrals": int(counts.get((label, "referrals")) or 0),
            "completed": int(counts.get((label, "completed")) or 0),
        }
        for label, _first, _last in periods
    ]
