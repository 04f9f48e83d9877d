"""One row per read or change of patient data; never updated, never deleted but by retention."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, SmallInteger, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.audit.chain import GENESIS, link
from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid

AUDIT_ACTIONS = ("read", "create", "update", "transition", "export", "login", "download")


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_reference_at", "reference", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    service: Mapped[str] = mapped_column(String(32), index=True)
    user_email: Mapped[str] = mapped_column(String(254), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    # The entry's place in the hash chain and its link (`shared.audit.chain`), set at flush.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(db.Model):
    """The chain's head (its last entry) and anchor (the link just before the first entry
    kept by the retention purge). One row, written only by the database's insert trigger and
    by the purge; no row yet means an empty chain that starts from `GENESIS`."""

    __tablename__ = "audit_chain"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_chain_single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    anchor_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    anchor_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    # Set by the purge for the length of its transaction: entries up to it may be deleted.
    purging_through: Mapped[int | None] = mapped_column(BigInteger)


@event.listens_for(Session, "before_flush")
def _link_new_entries(session: Session, _context: Any, _instances: Any) -> None:
    """Chain the entries this flush inserts, oldest first, to the head of the trail."""
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not entries:
        return
    for entry in entries:
        entry.id = entry.id or new_uuid()
        entry.at = entry.at or utcnow()
    link(session.connection(), sorted(entries, key=lambda entry: entry.at))
