"""The agenda's blocks of the CPTS indicators, counted in SQL over Europe/Paris dates.

- `agenda`: SNP slots published and booked (by the slot's date), teleconsultations completed,
  and the distinct professionals publishing SNP slots and the distinct accounts booking them;
- `teleconsultation`: completed assisted teleconsultations and the distinct nurses and GPs who
  took part (by the date of completion);
- `directory`: the GPs accepting new patients and their monthly places, as the directory holds
  them when the figures are computed (the directory keeps no history of them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, literal, select

from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import COMPLETED, TeleconsultationCase
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.periods import Period, distinct_by_month, during, rows_by_month
from shared.timeutil import today_paris

MAX_MONTHS = 120
FIGURES = ("snp_slots_published", "snp_slots_booked", "teleconsultations_completed")
DISTINCT_FIGURES = ("professionals_publishing", "professionals_booking")
TELECONSULTATION_FIGURES = ("nurses", "gps", "completed")


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
    publishing = distinct_by_month(
        # `ix_agenda_slots_search` (kind, start_at) INCLUDE (professional_id) serves the scans.
        period,
        Slot.professional_id,
        lambda month: during(Slot.start_at, month),
        Slot.kind == "snp",
        Slot.withdrawn_at.is_(None),
    )
    booking = distinct_by_month(
        # `ix_agenda_bookings_indicators_active` INCLUDE (created_by) serves the scans.
        period,
        Booking.created_by,
        lambda month: during(Booking.start_at, month),
        Booking.kind == "snp",
        Booking.cancelled_at.is_(None),
    )
    completed_by = TeleconsultationCase.completed_at
    nurses = distinct_by_month(
        period,
        TeleconsultationCase.nurse_professional_id,
        lambda month: during(completed_by, month),
        COMPLETED,
    )
    gps = distinct_by_month(
        period,
        TeleconsultationCase.professional_id,
        lambda month: during(completed_by, month),
        COMPLETED,
    )
    rows = [
        {
            "month": month.label,
            "snp_slots_published": published.get(month.label, 0),
            "snp_slots_booked": booked.get(month.label, 0),
            "teleconsultations_completed": completed.get(month.label, 0),
            "professionals_publishing": publishing[1].get(month.label, 0),
            "professionals_booking": booking[1].get(month.label, 0),
            "teleconsultation": {
                "nurses": nurses[1].get(month.label, 0),
                "gps": gps[1].get(month.label, 0),
                "completed": completed.get(month.label, 0),
            },
        }
        for month in months
    ]
    return {
        "period": period.as_dict(),
        "agenda": {
            **{name: sum(row[name] for row in rows) for name in FIGURES},
            "professionals_publishing": publishing[0],
            "professionals_booking": booking[0],
        },
        "teleconsultation": {
            "nurses": nurses[0],
            "gps": gps[0],
            "completed": sum(row["teleconsultations_completed"] for row in rows),
        },
        "directory": directory_figures(),
        "by_month": rows,
    }


def directory_figures() -> dict[str, int]:
    """GPs of the directory accepting new patients now, and the sum of their monthly places."""
    volunteers, capacity = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Professional.new_patient_capacity), 0)).where(
            Professional.profession == "gp",
            Professional.active.is_(True),
            Professional.accepts_new_patients.is_(True),
        )
    ).one()
    return {"volunteer_gps": int(volunteers), "volunteer_capacity": int(capacity)}
