"""One row per read or change of patient data; never updated, never deleted but by retention."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, SmallInteger, String, event, insert
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from shared.audit.chain import GENESIS, Linkable, append_on_postgresql, link
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
    # The entry's place in the hash chain and its link (`shared.audit.chain`), set at commit.
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


# Where a session keeps the entries of its transaction until they are written at commit.
_PENDING = "relais_audit_pending"
# The columns an entry is inserted with.
_COLUMNS = ("id", "at", "service", "user_email", "action", "reference", "ip", "seq", "hash")


def hold_for_commit(session: Session, entries: Sequence[Linkable]) -> None:
    """Keep new entries for the end of the session's transaction (`write_held_entries`); a
    transaction is begun if none is, so that a rollback forgets them (no connection yet)."""
    if not entries:
        return
    if session.get_transaction() is None:
        session.begin()
    session.info.setdefault(_PENDING, []).extend(entries)


def write_held_entries(session: Session) -> None:
    """Write the entries held by this transaction: everything else flushed first, then the
    chain's lock, its head and the entries — the last statements before the commit.

    The chain's lock is held from there to the commit (`shared.audit.chain`), so writers take
    turns only for these statements, not for their whole transaction, and nothing is locked
    after it (no deadlock with the case rows locked before). PostgreSQL: one call does it all
    (`append_on_postgresql`); SQLite: the head, then one multi-row INSERT."""
    session.flush()  # the ORM's own entries join those held (`_hold_entries_added`)
    entries = session.info.pop(_PENDING, None)
    if not entries:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        append_on_postgresql(connection, entries)
        return
    link(connection, entries)
    # With RETURNING, SQLAlchemy sends the rows as one multi-row INSERT whose SQL it compiles
    # once ("insertmanyvalues"); without it, the driver would execute the INSERT once a row.
    table = AuditEntry.__table__
    rows = [{column: getattr(entry, column) for column in _COLUMNS} for entry in entries]
    session.execute(insert(table).returning(table.c.seq), rows)


@event.listens_for(Session, "before_flush")
def _hold_entries_added(session: Session, _context: Any, _instances: Any) -> None:
    """Entries added through the ORM wait for the commit as `record_audit`'s do, oldest first."""
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not entries:
        return
    for entry in entries:
        entry.id = entry.id or new_uuid()
        entry.at = entry.at or utcnow()
        session.expunge(entry)
    hold_for_commit(session, sorted(entries, key=lambda entry: entry.at))


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    write_held_entries(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's entries are not written (nor carried into the next one)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
