"""The territory's baseline: patients without a médecin traitant per commune and month, as the
CPAM (or Rézone) counts them, uploaded by the coordination (`territory.py`)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid


class TerritoryBaseline(db.Model):
    """One commune's count for one month (the first day of the month); one row per pair."""

    __tablename__ = "orientation_territory_baseline"
    __table_args__ = (
        Index(
            "uq_orientation_territory_baseline_commune_month",
            "commune_insee",
            "month",
            unique=True,
        ),
        # The indicators read a range of months.
        Index("ix_orientation_territory_baseline_month", "month"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    commune_insee: Mapped[str] = mapped_column(String(5))
    month: Mapped[dt.date] = mapped_column(Date)
    patients_without_mt: Mapped[int]
    population: Mapped[int | None]
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(UUIDType)
