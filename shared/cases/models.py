"""Columns every case has, the history row written with each transition, and the tables of
every case type alike: messages, thread read markers, documents."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from shared.crypto import EncryptedBytes, EncryptedString
from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid


class CaseMixin:
    """Identity, state and optimistic-lock version of a case."""

    kind: ClassVar[str]

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Not a column: the history rows read inside the unit of work that wrote or read the case,
    # so presenting the case afterwards needs no new transaction (see `load_history`).
    loaded_history: list[Any] | None = None
    # Not a column: the instant of the transition being fired, one clock reading that the
    # history row records and the effects stamp on the case (`oriented_at`, …), so a case's
    # columns and its history agree to the microsecond (see `fire_transition`).
    transition_at: dt.datetime | None = None


class HistoryMixin:
    """One transition of one case: who fired it, when, from which state to which."""

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    transition: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(254))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)


class CaseMessage(db.Model):
    """One message on one case (`case_kind` + `case_id`: a case of any type)."""

    __tablename__ = "case_messages"
    __table_args__ = (Index("ix_case_messages_case", "case_kind", "case_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    case_kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[uuid.UUID] = mapped_column(UUIDType)
    reference: Mapped[str] = mapped_column(String(32))
    author_user_id: Mapped[uuid.UUID] = mapped_column(UUIDType)
    author_name: Mapped[str] = mapped_column(String(254))
    author_role: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(EncryptedString)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThreadRead(db.Model):
    """Up to when one user has read the thread of one case."""

    __tablename__ = "case_thread_reads"
    __table_args__ = (UniqueConstraint("case_kind", "case_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    case_kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[uuid.UUID] = mapped_column(UUIDType)
    user_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CaseDocument(db.Model):
    """One document of one case (`case_kind` + `case_id`)."""

    __tablename__ = "case_documents"
    __table_args__ = (Index("ix_case_documents_case", "case_kind", "case_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    case_kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[uuid.UUID] = mapped_column(UUIDType)
    reference: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(EncryptedString)
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # Read only when downloaded (lists never load the content).
    content: Mapped[bytes] = deferred(mapped_column(EncryptedBytes))
    uploaded_by: Mapped[uuid.UUID] = mapped_column(UUIDType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
