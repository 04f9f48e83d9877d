"""The directory of the territory: member professionals (with their practice sites) and the
structures (DAC, SSIAD, PMI…) of the "who does what" map."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
QUALIFICATIONS = ("ipa", "msu", "etp", "protocoles")
ORGANISATION_KINDS = (
    "dac",
    "ssiad",
    "had",
    "pmi",
    "ccas",
    "cmp",
    "ehpad",
    "hospital",
    "clinic",
    "laboratory",
    "pharmacy",
    "cpam",
    "mda",
    "france_services",
    "association",
    "other",
)
# What a professional may change on their own entry ("Ma disponibilité"); the rest is the
# coordinator's. Changing any of these stamps `capacity_updated_at`.
AVAILABILITY_FIELDS = frozenset(
    {
        "accepts_new_patients",
        "new_patient_capacity",
        "languages",
        "home_visits",
        "teleconsultation",
        "phone",
        "mssante_email",
    }
)


class Professional(db.Model):
    __tablename__ = "agenda_professionals"
    __table_args__ = (
        Index("ix_agenda_professionals_search", "profession", "accepts_new_patients"),
        Index("ix_agenda_professionals_search_name", "search_name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    rpps: Mapped[str] = mapped_column(String(11), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    # "last first", lower case without accents: what the accent-insensitive search reads.
    search_name: Mapped[str] = mapped_column(String(201), default="")
    profession: Mapped[str] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100), index=True)
    insee: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    mssante_email: Mapped[str | None] = mapped_column(String(254))
    accepts_new_patients: Mapped[bool] = mapped_column(default=False)
    new_patient_capacity: Mapped[int] = mapped_column(default=0)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_visits: Mapped[bool] = mapped_column(default=False)
    teleconsultation: Mapped[bool] = mapped_column(default=False)
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    cpts_member: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    capacity_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    availability_reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sites: Mapped[list[PracticeSite]] = relationship(
        back_populates="professional",
        order_by="PracticeSite.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def idnps(self) -> str:
        """The national identifier of Pro Santé Connect and the SAS: `8` + RPPS."""
        return "8" + self.rpps


class PracticeSite(db.Model):
    """One place where a professional practises (the Annuaire Santé has one line per site)."""

    __tablename__ = "agenda_practice_sites"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    professional_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("agenda_professionals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100))
    insee: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    siret: Mapped[str | None] = mapped_column(String(14))
    finess: Mapped[str | None] = mapped_column(String(9))
    mode: Mapped[str | None] = mapped_column(String(1))

    professional: Mapped[Professional] = relationship(back_populates="sites")


class Organisation(db.Model):
    """A structure of the territory: DAC, SSIAD, HAD, PMI, CCAS, CMP, pharmacy…"""

    __tablename__ = "agenda_organisations"
    __table_args__ = (Index("ix_agenda_organisations_kind", "kind", "active"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(32))
    finess: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100))
    insee: Mapped[str | None] = mapped_column(String(5))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    mssante_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    communes_served: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(String(2000))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
