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

from sqlalchemy import func, select

from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from services.agenda.teleconsultation.models import COMPLETED, TeleconsultationCase
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.periods import Period, TallyByMonth, during
from shared.timeutil import today_paris

MAX_MONTHS = 120

# One statement per table, each month one range scan of the table's covering index that
# gives the count and the distinct people at once.
_PUBLISHED = TallyByMonth(
    # `ix_agenda_slots_search` (kind, start_at) INCLUDE (professional_id).
    lambda month: during(Slot.start_at, month),
    Slot.kind == "snp",
    Slot.withdrawn_at.is_(None),
    keys={"professionals": Slot.professional_id},
)
_BOOKED = TallyByMonth(
    # Slots booked: at most one active booking per slot (`uq_agenda_bookings_active_slot`),
    # so counting active bookings counts distinct slots, without sorting the slot ids;
    # `ix_agenda_bookings_indicators_active` (kind, start_at) INCLUDE (created_by).
    lambda month: during(Booking.start_at, month),
    Booking.kind == "snp",
    Booking.cancelled_at.is_(None),
    keys={"accounts": Booking.created_by},
)
_COMPLETED = TallyByMonth(
    # `ix_agenda_tc_cases_indicators_completed` (completed_at) INCLUDE (the nurse, the GP).
    lambda month: during(TeleconsultationCase.completed_at, month),
    COMPLETED,
    keys={
        "nurses": TeleconsultationCase.nurse_professional_id,
        "gps": TeleconsultationCase.professional_id,
    },
)


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
    published = _PUBLISHED.counts(period)
    booked = _BOOKED.counts(period)
    completed = _COMPLETED.counts(period)
    rows = []
    for month in months:
        slots = published[1].get(month.label, {})
        bookings = booked[1].get(month.label, {})
        teleconsultations = completed[1].get(month.label, {})
        rows.append(
            {
                "month": month.label,
                "snp_slots_published": slots.get("rows", 0),
                "snp_slots_booked": bookings.get("rows", 0),
                "teleconsultations_completed": teleconsultations.get("rows", 0),
                "professionals_publishing": slots.get("professionals", 0),
                "professionals_booking": bookings.get("accounts", 0),
                "teleconsultation": {
                    "nurses": teleconsultations.get("nurses", 0),
                    "gps": teleconsultations.get("gps", 0),
                    "completed": teleconsultations.get("rows", 0),
                },
            }
        )
    return {
        "period": period.as_dict(),
        "agenda": {
            "snp_slots_published": published[0]["rows"],
            "snp_slots_booked": booked[0]["rows"],
            "teleconsultations_completed": completed[0]["rows"],
            "professionals_publishing": published[0]["professionals"],
            "professionals_booking": booked[0]["accounts"],
        },
        "teleconsultation": {
            "nurses": completed[0]["nurses"],
            "gps": completed[0]["gps"],
            "completed": completed[0]["rows"],
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
