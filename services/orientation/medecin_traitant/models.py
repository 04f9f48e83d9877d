"""Tables of médecin-traitant cases and their history."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.orientation.medecin_traitant.intake.sources import LABELS as SOURCE_LABELS
from services.orientation.medecin_traitant.intake.sources import needs_review
from services.orientation.medecin_traitant.states import STATES
from shared.cases.models import CaseMixin, HistoryMixin
from shared.cases.states import state_not_in
from shared.crypto import EncryptedString, current_keyring
from shared.extensions import db
from shared.patients import PatientMixin, search_indexes
from shared.types import UTCDateTime, UUIDType

_OPEN = state_not_in(STATES.final)


class MedecinTraitantCase(CaseMixin, PatientMixin, db.Model):
    __tablename__ = "orientation_mt_cases"
    __table_args__ = (
        *search_indexes("orientation_mt_cases"),
        # At most one open case per patient: the database, not Python, refuses a duplicate,
        # by NIR (or identity when there is none)...
        Index(
            "uq_orientation_mt_cases_open_patient",
            "patient_key",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        # ...and by names + birth date, which catches one signalement sent with the NIR and
        # another without it, even when both arrive at the same moment.
        Index(
            "uq_orientation_mt_cases_open_identity",
            "patient_identity_hash",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        # The coordinator's board: open cases by priority, oldest first.
        Index("ix_orientation_mt_cases_board", "state", "priority", "created_at"),
        Index("ix_orientation_mt_cases_oriented_at", "oriented_at"),
        # The indicators (services/orientation/indicators/queries.py) read a year of cases
        # by instant; these covering indexes carry every column those aggregations group by,
        # so PostgreSQL answers from the index alone (index-only scan) instead of visiting
        # wide case rows (names, encrypted identifiers, JSON). Partial where only closed cases
        # matter, to stay small.
        Index(
            "ix_orientation_mt_cases_indicators_created",
            "created_at",
            postgresql_include=[
                "priority",
                "ald",
                "patient_postal_code",
                "patient_city",
                "source",
            ],
        ),
        Index(
            "ix_orientation_mt_cases_indicators_oriented",
            "oriented_at",
            postgresql_include=[
                "previous_oriented_at",
                "ald",
                "priority",
                "created_at",
                "patient_postal_code",
                "patient_city",
                "source",
            ],
            postgresql_where=text("oriented_at IS NOT NULL"),
            sqlite_where=text("oriented_at IS NOT NULL"),
        ),
        Index(
            "ix_orientation_mt_cases_indicators_cancelled",
            "cancelled_at",
            postgresql_include=["cancel_reason", "created_at"],
            postgresql_where=text("cancelled_at IS NOT NULL"),
            sqlite_where=text("cancelled_at IS NOT NULL"),
        ),
        # The delay from signalement to orientation, in order: the percentiles' second pass
        # reads the few delays at a given rank from it. PostgreSQL only (an interval
        # expression; `info` keeps it out of SQLite's comparison in migrations/env.py).
        Index(
            "ix_orientation_mt_cases_delay",
            text("(oriented_at - created_at)"),
            postgresql_include=["oriented_at", "created_at"],
            postgresql_where=text("oriented_at IS NOT NULL"),
            info={"dialects": ("postgresql",)},
        ),
        # Also PostgreSQL only, created by the orientation migration `f75ee4179bbb` (SQLAlchemy
        # does not model them): extended statistics on (priority, ald, postal code, city) and
        # on the whole days of the delay, which tell the planner that a month groups into
        # hundreds of rows, not tens of thousands, so it runs the per-month branches of the
        # indicators in parallel workers.
    )
    kind = STATES.kind

    ald: Mapped[bool] = mapped_column(default=False)
    ald_label: Mapped[str | None] = mapped_column(String(200))
    vulnerabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    reduced_mobility: Mapped[bool] = mapped_column(default=False)
    needs_home_visits: Mapped[bool] = mapped_column(default=False)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    priority: Mapped[int] = mapped_column(index=True)
    priority_score: Mapped[int] = mapped_column(default=0)
    priority_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority_overridden: Mapped[bool] = mapped_column(default=False)

    synthesis: Mapped[str | None] = mapped_column(Text)
    held_from: Mapped[str | None] = mapped_column(String(32))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # When the case was last proposed (to one GP or several at once): the reminder and the
    # expiry count from it. Who it was proposed to is in `proposals`.
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # GPs who declined this case or let it expire: never suggested again for it.
    excluded_professional_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    accepted_professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    appointment_date: Mapped[dt.date | None]
    first_visit_date: Mapped[dt.date | None]
    declared_on: Mapped[dt.date | None]
    oriented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When this patient (same patient_key) was last oriented before this case, if ever. Set
    # at orientation; lets the indicators count distinct oriented patients of any period with
    # a plain sum ("first orientation since the period began") instead of COUNT(DISTINCT),
    # which sorts every key and is ~20 times slower on a year of cases.
    previous_oriented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Who reported the patient (`intake/sources.py`), set by the server.
    source: Mapped[str] = mapped_column(String(16), default="professional", index=True)
    # The hospital discharge this case was created from, if any (linked both ways).
    discharge_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    discharge_reference: Mapped[str | None] = mapped_column(String(32))
    # Who filled in the public form (`intake/public.py`): the patient or a carer, and how to
    # reach them; and what later self-registrations of the same patient added (each a dict
    # `{at, relationship, reason}`), since the answer never reveals that the case exists.
    contact_relationship: Mapped[str | None] = mapped_column(String(8))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    intake_notes: Mapped[list[dict] | None] = mapped_column(JSON, default=list)
    # Every GP this case was ever proposed to, with the outcome of each proposal. Read only
    # when needed (a lazy load; lists load them in one query): the allocation reads ten
    # thousand cases and never these.
    proposals: Mapped[list[MedecinTraitantProposal]] = relationship(
        order_by="MedecinTraitantProposal.proposed_at, MedecinTraitantProposal.professional_id",
        cascade="all, delete-orphan",
        lazy="select",
    )

    @property
    def pending_proposals(self) -> list[MedecinTraitantProposal]:
        """The proposals still waiting for an answer (several when broadcast)."""
        return [p for p in self.proposals if p.status == PENDING]

    @property
    def proposed_professional_ids(self) -> list[uuid.UUID]:
        """The GPs the case is proposed to now (by when they were asked, then by id)."""
        return [p.professional_id for p in self.pending_proposals]

    @property
    def proposed_professional_id(self) -> uuid.UUID | None:
        """The first GP the case is proposed to now (the only one unless broadcast)."""
        pending = self.proposed_professional_ids
        return pending[0] if pending else None

    @property
    def source_label(self) -> str:
        """Where the case came from, in French."""
        return SOURCE_LABELS.get(self.source, self.source)

    @property
    def readable_intake_notes(self) -> list[dict]:
        """The later self-registrations, their phone numbers decrypted."""
        keyring = current_keyring()
        return [
            {**note, "phone": keyring.decrypt(note["phone"]) if note.get("phone") else None}
            for note in self.intake_notes or []
        ]

    @property
    def linked_references(self) -> list[str]:
        """The references of the cases this one is linked to (the discharge it came from)."""
        return [self.discharge_reference] if self.discharge_reference else []

    @property
    def needs_review(self) -> bool:
        """Self-reported and not triaged yet: shown "à vérifier"."""
        return needs_review(source=self.source, state=self.state)


# What became of a proposal. Only `pending` ones hold a place and let the GP see the case.
PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
# Another GP of the same broadcast accepted first, or the case was cancelled.
WITHDRAWN = "withdrawn"


class MedecinTraitantProposal(db.Model):
    """One GP asked to become a case's médecin traitant. A case proposed to several GPs at
    once has one row per GP; a GP is asked at most once per case (who declined or let it
    expire is excluded from the case), hence the key."""

    __tablename__ = "orientation_mt_proposals"
    __table_args__ = (
        # A GP's pending proposals: their visibility, their places held (allocation).
        Index("ix_orientation_mt_proposals_professional", "professional_id", "status"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("orientation_mt_cases.id", ondelete="CASCADE"), primary_key=True
    )
    professional_id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True)
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MedecinTraitantHistory(HistoryMixin, db.Model):
    __tablename__ = "orientation_mt_history"
    __table_args__ = (
        # Open cases by state at the end of a past period: the transitions since then, read
        # from this index alone (services/orientation/indicators/queries.py, `_open_then`).
        Index("ix_orientation_mt_history_at", "at", postgresql_include=["from_state", "to_state"]),
    )
