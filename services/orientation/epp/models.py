"""Tables of EPP referrals and their history."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from services.orientation.epp.states import STATES
from shared.cases.models import CaseMixin, HistoryMixin
from shared.cases.states import state_in
from shared.extensions import db
from shared.patients import PatientMixin, search_indexes
from shared.types import UTCDateTime, UUIDType

_OPEN = state_in(STATES.open)
# Written as SQL text so that the indicators' query repeats the partial index's predicate word
# for word: a bound parameter would keep PostgreSQL from using the index in a generic plan.
COMPLETED = text("state = 'completed'")
ACCEPTED = text("accepted_at IS NOT NULL")


class EppReferral(CaseMixin, PatientMixin, db.Model):
    __tablename__ = "orientation_epp_referrals"
    __table_args__ = (
        *search_indexes("orientation_epp_referrals"),
        # At most one open referral per patient: the database refuses a duplicate, by NIR
        # (or identity when there is none)...
        Index(
            "uq_orientation_epp_referrals_open_patient",
            "patient_key",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        # ...and by names + birth date, which catches one referral sent with the NIR and
        # another without it, even when both arrive at the same moment.
        Index(
            "uq_orientation_epp_referrals_open_identity",
            "patient_identity_hash",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        Index("ix_orientation_epp_referrals_board", "state", "pregnancy_start_date"),
        Index("ix_orientation_epp_referrals_epp_date", "epp_date"),
        # The indicators count completed EPPs by month from this index alone.
        Index(
            "ix_orientation_epp_referrals_indicators_completed",
            "epp_date",
            postgresql_where=COMPLETED,
            sqlite_where=COMPLETED,
        ),
        # ...and the distinct patients whose referral was accepted, by month.
        Index(
            "ix_orientation_epp_referrals_indicators_accepted",
            "accepted_at",
            postgresql_include=["patient_key"],
            postgresql_where=ACCEPTED,
            sqlite_where=ACCEPTED,
        ),
    )
    kind = STATES.kind

    # The date pregnancy weeks are counted from, as the referrer declared it (or computed
    # from the weeks they gave on the day of the referral).
    pregnancy_start_date: Mapped[dt.date]
    weeks_at_referral: Mapped[int]
    preferred_professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType)
    notes: Mapped[str | None] = mapped_column(Text)

    assigned_professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    appointment_date: Mapped[dt.date | None]
    # Midwives who declined this referral: never suggested or assigned again for it.
    excluded_professional_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    epp_date: Mapped[dt.date | None]
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class EppHistory(HistoryMixin, db.Model):
    __tablename__ = "orientation_epp_history"
