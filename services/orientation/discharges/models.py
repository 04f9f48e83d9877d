"""Tables of hospital discharge cases, the city professionals named on them, and their history."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.orientation.discharges.states import STATES
from shared.cases.models import CaseMixin, HistoryMixin
from shared.extensions import db
from shared.patients import PatientMixin, search_indexes
from shared.types import UTCDateTime, UUIDType, new_uuid

# Written as SQL text so that the indicators' query repeats the partial index's predicate word
# for word: bound parameters would keep PostgreSQL from using the index in a generic plan.
DISCHARGED = text("state IN ('discharged', 'followed_up')")


class DischargeCase(CaseMixin, PatientMixin, db.Model):
    __tablename__ = "orientation_sh_cases"
    __table_args__ = (
        *search_indexes("orientation_sh_cases"),
        # The DAC worklist: open cases by planned date.
        Index("ix_orientation_sh_cases_worklist", "state", "planned_discharge_date"),
        Index("ix_orientation_sh_cases_actual_discharge_date", "actual_discharge_date"),
        # The indicators count discharges and "ready the day before" by month from this
        # index alone (index-only scan).
        Index(
            "ix_orientation_sh_cases_indicators_discharged",
            "actual_discharge_date",
            postgresql_include=["ready_on"],
            postgresql_where=DISCHARGED,
            sqlite_where=DISCHARGED,
        ),
    )
    kind = STATES.kind

    hospital_name: Mapped[str] = mapped_column(String(200))
    hospital_service: Mapped[str | None] = mapped_column(String(200))
    admission_date: Mapped[dt.date | None]
    planned_discharge_date: Mapped[dt.date | None]
    summary: Mapped[str | None] = mapped_column(Text)
    prescription: Mapped[str | None] = mapped_column(Text)
    home_services: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)

    preparing_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The Paris date the case became ready: indicators compare it with the actual discharge date.
    ready_on: Mapped[dt.date | None]
    actual_discharge_date: Mapped[dt.date | None]
    discharged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    follow_up_date: Mapped[dt.date | None]
    follow_up_outcome: Mapped[str | None] = mapped_column(Text)
    follow_up_issues: Mapped[bool | None]
    readmitted: Mapped[bool | None]
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Whether the patient has a médecin traitant (None: not asked yet); when not, the
    # médecin-traitant case created from this discharge (linked both ways).
    patient_has_gp: Mapped[bool | None]
    signalement_case_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType)
    signalement_reference: Mapped[str | None] = mapped_column(String(32))

    @property
    def linked_references(self) -> list[str]:
        """The references of the cases this one is linked to (its médecin-traitant case)."""
        return [self.signalement_reference] if self.signalement_reference else []

    professionals: Mapped[list[DischargeProfessional]] = relationship(
        order_by="DischargeProfessional.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def city_professional_ids(self) -> list[str]:
        """Directory ids of the city professionals on the case, in the order given."""
        return [str(p.professional_id) for p in self.professionals]


class DischargeProfessional(db.Model):
    """A city professional (directory entry) named on a discharge case: they may read it."""

    __tablename__ = "orientation_sh_professionals"
    __table_args__ = (UniqueConstraint("case_id", "professional_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("orientation_sh_cases.id", ondelete="CASCADE"), index=True
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    role: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class DischargeHistory(HistoryMixin, db.Model):
    __tablename__ = "orientation_sh_history"
