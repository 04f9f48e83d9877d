"""The agenda block of the CPTS indicators, counted in SQL over Europe/Paris dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, literal, select

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import COMPLETED, TeleconsultationCase
from shared.errors import ValidationFailed
from shared.periods import Period, during, rows_by_month
from shared.timeutil import today_paris

MAX_MONTHS = 120
FIGURES = ("snp_slots_published", "snp_slots_booked", "teleconsultations_completed")


def _counts_by_month(query: Any, column: Any, period: Period) -> dict[str, int]:
    """`query` (a count) for each month of `column`, one range scan per month (`rows_by_month`):
    an index on `column` serves each branch (labelling every row with a CASE over the months
    cost 3 times more on a year of bookings)."""
    rows = rows_by_month(
        period, lambda month: query.add_columns(literal(month.label)).where(during(column, month))
    )
    return {label: count for count, label in rows}


def agenda_indicators(*, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    """Slots published and booked (by slot date), teleconsultations completed, per month."""
    end = end or today_paris()
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise ValidationFailed({"to": ["La fin de la période doit suivre son début."]})
    period = Period(start, end)
    months = period.months()
    if len(months) > MAX_MONTHS:
        raise ValidationFailed({"from": ["La période couvre 10 ans au maximum."]})
    published = _counts_by_month(
        select(func.count()).where(Slot.kind == "snp", Slot.withdrawn_at.is_(None)),
        Slot.start_at,
        period,
    )
    booked = _counts_by_month(
        # Slots booked: at most one active booking per slot (`uq_agenda_bookings_active_slot`),
        # so counting active bookings counts distinct slots, without sorting the slot ids;
        # `ix_agenda_bookings_indicators_active` serves the scans.
        select(func.count()).where(Booking.kind == "snp", Booking.cancelled_at.is_(None)),
        Booking.start_at,
        period,
    )
    completed = _counts_by_month(
        # `ix_agenda_tc_cases_indicators_completed` serves the scans.
        select(func.count()).select_from(TeleconsultationCase).where(COMPLETED),
        TeleconsultationCase.completed_at,
        period,
    )
    rows = [
        {
            "month": month.label,
            "snp_slots_published": published.get(month.label, 0),
            "snp_slots_booked": booked.get(month.label, 0),
            "teleconsultations_completed": completed.get(month.label, 0),
        }
        for month in months
    ]
    return {
        "period": period.as_dict(),
        "agenda": {name: sum(row[name] for row in rows) for name in FIGURES},
        "by_month": rows,
    }
