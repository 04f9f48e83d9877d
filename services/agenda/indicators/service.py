"""The agenda block of the CPTS indicators, counted in SQL over Europe/Paris dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, literal, select, union_all

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import COMPLETED, TeleconsultationCase
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.timeutil import PARIS, today_paris

MAX_MONTHS = 120
FIGURES = ("snp_slots_published", "snp_slots_booked", "teleconsultations_completed")


def _paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS).astimezone(dt.UTC)


def _months(start: dt.date, end: dt.date) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(YYYY-MM, first instant, instant after) of each month of the period, clipped to it."""
    months = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        low, high = max(first, start), min(following - dt.timedelta(days=1), end)
        months.append(
            (
                f"{first:%Y-%m}",
                _paris_midnight(low),
                _paris_midnight(high + dt.timedelta(days=1)),
            )
        )
        first = following
    return months


def _counts_by_month(query: Any, column: Any, months: list) -> dict[str, int]:
    """`query` (a count) for each month of `column`, one range scan per month (UNION ALL): an
    index on `column` serves each branch, and PostgreSQL runs the branches in parallel workers
    (labelling every row with a CASE over the months cost 3 times more on a year of bookings)."""
    branches = [
        query.add_columns(literal(label)).where(column >= low, column < high)
        for label, low, high in months
    ]
    return {label: count for count, label in db.session.execute(union_all(*branches))}


def agenda_indicators(*, start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    """Slots published and booked (by slot date), teleconsultations completed, per month."""
    end = end or today_paris()
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise ValidationFailed({"to": ["La fin de la période doit suivre son début."]})
    months = _months(start, end)
    if len(months) > MAX_MONTHS:
        raise ValidationFailed({"from": ["La période couvre 10 ans au maximum."]})
    published = _counts_by_month(
        select(func.count()).where(Slot.kind == "snp", Slot.withdrawn_at.is_(None)),
        Slot.start_at,
        months,
    )
    booked = _counts_by_month(
        # Slots booked: at most one active booking per slot (`uq_agenda_bookings_active_slot`),
        # so counting active bookings counts distinct slots, without sorting the slot ids;
        # `ix_agenda_bookings_indicators_active` serves the scans.
        select(func.count()).where(Booking.kind == "snp", Booking.cancelled_at.is_(None)),
        Booking.start_at,
        months,
    )
    completed = _counts_by_month(
        # `ix_agenda_tc_cases_indicators_completed` serves the scans.
        select(func.count()).select_from(TeleconsultationCase).where(COMPLETED),
        TeleconsultationCase.completed_at,
        months,
    )
    rows = [
        {
            "month": label,
            "snp_slots_published": published.get(label, 0),
            "snp_slots_booked": booked.get(label, 0),
            "teleconsultations_completed": completed.get(label, 0),
        }
        for label, _low, _high in months
    ]
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "agenda": {name: sum(row[name] for row in rows) for name in FIGURES},
        "by_month": rows,
    }
