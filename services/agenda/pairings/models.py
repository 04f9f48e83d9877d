"""A standing pair of a home nurse and a GP."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid


class Pairing(db.Model):
    __tablename__ = "agenda_pairings"
    __table_args__ = (UniqueConstraint("nurse_id", "gp_id", name="uq_agenda_pairings_pair"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    nurse_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("agenda_professionals.id"), index=True
    )
    gp_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("agenda_professionals.id"), index=True
    )
    created_by: Mapped[uuid.UUID] = mapped_column(UUIDType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
