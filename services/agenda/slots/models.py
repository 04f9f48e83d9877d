"""A slot published by a professional in the shared agenda."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid

SLOT_KINDS = ("snp", "teleconsultation")
_PUBLISHED = text("withdrawn_at IS NULL")
# What the SAS may see: published SNP slots their professional offers it (services/agenda/sas).
_OFFERED_TO_SAS = text("withdrawn_at IS NULL AND sas_visible AND kind = 'snp'")


class Slot(db.Model):
    """A time range of one professional, stored in UTC; withdrawn slots are kept for history.

    On PostgreSQL the migration adds `ex_agenda_slots_no_overlap`, an exclusion constraint over
    `tstzrange(start_at, end_at)` per professional among published slots (btree_gist).
    """

    __tablename__ = "agenda_slots"
    __table_args__ = (
        # The search: free slots of a kind between two times, soonest first.
        Index(
            "ix_agenda_slots_search",
            "kind",
            "start_at",
            # The indicators count distinct publishing professionals from this index alone.
            postgresql_include=["professional_id"],
            postgresql_where=_PUBLISHED,
            sqlite_where=_PUBLISHED,
        ),
        Index("ix_agenda_slots_professional", "professional_id", "start_at"),
        # The SAS search: up to 25 professionals over a few days.
        Index(
            "ix_agenda_slots_sas",
            "professional_id",
            "start_at",
            postgresql_where=_OFFERED_TO_SAS,
            sqlite_where=_OFFERED_TO_SAS,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    professional_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("agenda_professionals.id")
    )
    kind: Mapped[str] = mapped_column(String(32))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID] = mapped_column(UUIDType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Offered to the national SAS (SNP slots only; see docs/sas.md).
    sas_visible: Mapped[bool] = mapped_column(default=False, server_default=false())
