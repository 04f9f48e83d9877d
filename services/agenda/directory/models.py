"""A member professional of the CPTS."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid

PROFESSIONS = (
    "gp",
    "nurse",
    "midwife",
    "pharmacist",
    "physiotherapist",
    "speech_therapist",
    "dentist",
    "specialist",
    "other",
)


class Professional(db.Model):
    __tablename__ = "agenda_professionals"
    __table_args__ = (
        Index("ix_agenda_professionals_search", "profession", "accepts_new_patients"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    rpps: Mapped[str] = mapped_column(String(11), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    profession: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    mssante_email: Mapped[str | None] = mapped_column(String(254))
    accepts_new_patients: Mapped[bool] = mapped_column(default=False)
    new_patient_capacity: Mapped[int] = mapped_column(default=0)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_visits: Mapped[bool] = mapped_column(default=False)
    teleconsultation: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
