"""Booking use cases: book a free slot (the database picks the one winner), cancel, read."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from services.agenda.slots.service import describe
from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR
from shared.db import for_update, unit_of_work
from shared.errors import InvalidTransition, NotFound, SlotTaken, ValidationFailed
from shared.extensions import db
from shared.outbox.emit import emit
from shared.timeutil import PARIS, utcnow


def _event(booking: Booking) -> dict[str, Any]:
    return {
        "booking_id": str(booking.id),
        "slot_id": str(booking.slot_id),
        "professional_id": str(booking.professional_id),
        "created_by": str(booking.created_by),
    }


def add_booking(
    *,
    slot: Slot,
    patient: dict[str, Any],
    reason: str,
    principal: Principal,
    teleconsultation_id: uuid.UUID | None = None,
) -> Booking:
    """Insert a booking of `slot` in the current transaction; the flush raises on a lost race.

    The unique index on active bookings (and, on PostgreSQL, the exclusion constraint) is what
    refuses the second booking: there is deliberately no "is it free?" query before this insert.
    """
    if slot.start_at <= utcnow():
        raise ValidationFailed(
            {"slot": ["Ce créneau est déjà passé : il ne peut plus être réservé."]}
        )
    booking = Booking(
        slot_id=slot.id,
        professional_id=slot.professional_id,
        kind=slot.kind,
        start_at=slot.start_at,
        end_at=slot.end_at,
        reason=reason,
        created_by=principal.user_id,
        created_by_email=principal.email,
        teleconsultation_id=teleconsultation_id,
    )
    booking.set_patient(patient)
    db.session.add(booking)
    db.session.flush()
    return booking


def book_slot(*, slot_id: uuid.UUID, data: dict[str, Any], principal: Principal) -> Booking:
    """Book a free slot for a patient; 409 `slot_already_booked` when another booking won."""
    try:
        with unit_of_work() as session:
            # The row lock orders bookers and withdrawals of the same slot on PostgreSQL.
            slot = session.scalar(
                for_update(select(Slot).where(Slot.id == slot_id, Slot.withdrawn_at.is_(None)))
            )
            if slot is None:
                raise NotFound("Créneau introuvable.")
            booking = add_booking(
                slot=slot, patient=data["patient"], reason=data["reason"], principal=principal
            )
            record_audit(action="create", reference=booking.reference)
            emit("agenda.booking_created", reference=None, payload=_event(booking))
    except IntegrityError as exc:
        raise SlotTaken() from exc
    return booking


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


def get_booking(*, booking_id: uuid.UUID, principal: Principal) -> Booking:
    """One booking the caller may see (404 otherwise); audited."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_see(booking, principal):
        raise NotFound("Réservation introuvable.")
    with unit_of_work():
        record_audit(action="read", reference=booking.reference)
    return booking


def cancel_booking(*, booking_id: uuid.UUID, principal: Principal) -> Booking:
    """Cancel a booking (its booker, the slot's professional, the coordinator): frees the slot."""
    with unit_of_work() as session:
        booking = session.scalar(for_update(select(Booking).where(Booking.id == booking_id)))
        if booking is None or not can_see(booking, principal):
            raise NotFound("Réservation introuvable.")
        if booking.teleconsultation_id is not None:
            raise InvalidTransition(
                "Cette réservation appartient à une téléconsultation : "
                "utilisez les actions de la téléconsultation."
            )
        if booking.cancelled_at is not None:
            raise InvalidTransition("Cette réservation est déjà annulée.")
        release(booking, principal)
        record_audit(action="update", reference=booking.reference)
        emit(
            "agenda.booking_cancelled",
            reference=None,
            payload={**_event(booking), "cancelled_by": str(principal.user_id)},
        )
    return booking


def release(booking: Booking, principal: Principal) -> None:
    """Mark `booking` cancelled, which frees its slot (the unique index covers active ones)."""
    booking.cancelled_at = utcnow()
    booking.cancelled_by = principal.email


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
    start = dt.datetime.combine(day, dt.time(0), tzinfo=PARIS)
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.professional_id == professional_id,
                Booking.cancelled_at.is_(None),
                Booking.start_at >= start,
                Booking.start_at < start + dt.timedelta(days=1),
            )
        )
        or 0
    )
