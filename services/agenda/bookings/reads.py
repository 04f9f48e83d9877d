"""Reading bookings: who may see which, the caller's lists, bookings with their slot, counts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from services.agenda.slots.reads import describe
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR
from shared.extensions import db
from shared.periods import Period, during


def visibility(principal: Principal) -> ColumnElement[bool]:
    """Bookings the caller may see: their own, those on their slots; all for the coordinator."""
    if principal.has(COORDINATOR):
        return true()
    conditions = [Booking.created_by == principal.user_id]
    if principal.professional_id is not None:
        conditions.append(Booking.professional_id == principal.professional_id)
    return or_(*conditions) if conditions else false()


def can_see(booking: Booking, principal: Principal) -> bool:
    """Whether `principal` may read `booking`."""
    return (
        principal.has(COORDINATOR)
        or booking.created_by == principal.user_id
        or (
            principal.professional_id is not None
            and booking.professional_id == principal.professional_id
        )
    )


def list_query(*, principal: Principal, include_cancelled: bool) -> Select[Any]:
    """The caller's bookings (and those on their slots), soonest first."""
    query = select(Booking).where(visibility(principal))
    if not include_cancelled:
        query = query.where(Booking.cancelled_at.is_(None))
    return query.order_by(Booking.start_at, Booking.id)


def active_bookings(*, principal: Principal) -> list[Booking]:
    """The active bookings the caller may see (theirs and those on their slots), soonest first."""
    return list(db.session.scalars(list_query(principal=principal, include_cancelled=False)))


def present(bookings: list[Booking]) -> list[dict[str, Any]]:
    """Bookings with their slot, ready for `BookingSchema`."""
    slots = {
        slot.id: slot
        for slot in db.session.scalars(
            select(Slot).where(Slot.id.in_({booking.slot_id for booking in bookings}))
        )
    }
    described = {row["id"]: row for row in describe(list(slots.values()))}
    return [
        {
            "id": booking.id,
            "booking": booking,
            "slot": described.get(booking.slot_id),
            "teleconsultation_id": booking.teleconsultation_id,
            "created_at": booking.created_at,
            "cancelled_at": booking.cancelled_at,
        }
        for booking in bookings
    ]


def count_booked_on(*, professional_id: uuid.UUID, day: dt.date) -> int:
    """How many active bookings a professional has on a given day (Paris time)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.professional_id == professional_id,
                Booking.cancelled_at.is_(None),
                during(Booking.start_at, Period(day, day)),
            )
        )
        or 0
    )
