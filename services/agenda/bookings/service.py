"""Booking use cases: book a free slot (the database picks the one winner), cancel, read one
(audited); lists and presentation are in `reads.py`."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.agenda.bookings.models import Booking
from services.agenda.bookings.reads import can_see
from services.agenda.slots.models import Slot
from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.db import for_update, unit_of_work
from shared.errors import InvalidTransition, NotFound, SlotTaken, ValidationFailed
from shared.extensions import db
from shared.outbox.emit import emit
from shared.timeutil import utcnow


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
