"""A booking of one slot for one patient."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.patients import PatientMixin
from shared.privacy.registry import PatientRecords, register_case_type
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid

_ACTIVE = text("cancelled_at IS NULL")


class Booking(PatientMixin, db.Model):
    """A slot reserved for a patient; cancelling (not deleting) frees the slot.

    The database decides who wins a slot: a partial unique index allows one active booking per
    slot, and on PostgreSQL the migration adds `ex_agenda_bookings_no_overlap`, an exclusion
    constraint over `tstzrange(start_at, end_at)` per professional among active bookings
    (hence the copies of the slot's professional and times).
    """

    __tablename__ = "agenda_bookings"
    __table_args__ = (
        Index(
            "uq_agenda_bookings_active_slot",
            "slot_id",
            unique=True,
            postgresql_where=_ACTIVE,
            sqlite_where=_ACTIVE,
        ),
        Index("ix_agenda_bookings_professional", "professional_id", "start_at"),
        # The coordinator's bookings page: active bookings in time order, a page at a time.
        Index(
            "ix_agenda_bookings_active_start",
            "start_at",
            postgresql_where=_ACTIVE,
            sqlite_where=_ACTIVE,
        ),
        # The indicators count active bookings by kind and month from this index alone.
        Index(
            "ix_agenda_bookings_indicators_active",
            "kind",
            "start_at",
            postgresql_include=["created_by"],
            postgresql_where=_ACTIVE,
            sqlite_where=_ACTIVE,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    slot_id: Mapped[uuid.UUID] = mapped_column(UUIDType, ForeignKey("agenda_slots.id"))
    professional_id: Mapped[uuid.UUID] = mapped_column(UUIDType)
    kind: Mapped[str] = mapped_column(String(32))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    created_by_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    teleconsultation_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(254))

    @property
    def reference(self) -> str:
        """How the audit trail and data subject requests name a booking (its id, 32 hex digits)."""
        return self.id.hex

    def is_closed(self) -> bool:
        """Cancelled, or its slot is over: nobody expects this patient any more."""
        return self.cancelled_at is not None or self.end_at <= utcnow()

    @classmethod
    def by_reference(cls, reference: str) -> Booking | None:
        """The booking named `reference` (its id in hex), if any."""
        try:
            booking_id = uuid.UUID(hex=reference)
        except ValueError:
            return None
        return db.session.get(cls, booking_id)


register_case_type(
    PatientRecords(
        Booking,
        free_text=("reason",),
        is_closed=Booking.is_closed,
        by_reference=Booking.by_reference,
    )
)
