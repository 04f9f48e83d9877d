"""Tables of assisted-teleconsultation cases and their history."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from services.agenda.teleconsultation.states import STATES
from shared.cases.models import CaseMixin, HistoryMixin
from shared.extensions import db
from shared.patients import PatientMixin, search_indexes
from shared.types import UTCDateTime, UUIDType

COMPLETED = text("state = 'completed'")


class TeleconsultationCase(CaseMixin, PatientMixin, db.Model):
    __tablename__ = "agenda_tc_cases"
    __table_args__ = (
        *search_indexes("agenda_tc_cases"),
        # The indicators count completed teleconsultations by month from this index alone
        # (the predicate is written as SQL text so that the query repeats it word for word).
        Index(
            "ix_agenda_tc_cases_indicators_completed",
            "completed_at",
            # ...and the distinct nurses and GPs who took part.
            postgresql_include=["nurse_professional_id", "professional_id"],
            postgresql_where=COMPLETED,
            sqlite_where=COMPLETED,
        ),
    )
    kind = STATES.kind

    reason: Mapped[str] = mapped_column(Text)
    window_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    window_to: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    nurse_professional_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    preferred_professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType)
    # Set while scheduled: the GP, the booked slot and its booking.
    professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    slot_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType)
    scheduled_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    scheduled_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    no_show_count: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The video call's address (https only), set by the nurse, the GP or the coordination.
    video_url: Mapped[str | None] = mapped_column(String(500))
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TeleconsultationHistory(HistoryMixin, db.Model):
    __tablename__ = "agenda_tc_history"
