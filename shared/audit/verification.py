"""Walk the audit trail's hash chain and report its first broken link."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.audit.chain import GENESIS, digest
from shared.audit.models import AuditChain, AuditEntry

BATCH = 1000


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain breaks: the entry (absent when entries are missing at its end)."""

    seq: int
    entry_id: uuid.UUID | None
    at: dt.datetime | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: how many entries it checked, the head, the first break."""

    checked: int
    first_seq: int
    head_seq: int
    head_hash: str
    broken: BrokenLink | None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every link from the anchor to the head, in one snapshot of the database
    (the session's transaction so far is committed first, as `shared.db.one_snapshot` does)."""
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Entries committed while the walk goes on must not look like a broken head.
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    try:
        return _walk(session)
    finally:
        session.rollback()


def _walk(session: Session) -> ChainReport:
    chain = session.get(AuditChain, 1)
    anchor_seq, previous = (chain.anchor_seq, chain.anchor_hash) if chain else (0, GENESIS)
    head_seq, head_hash = (chain.head_seq, chain.head_hash) if chain else (0, GENESIS)
    expected = anchor_seq + 1

    def report(broken: BrokenLink | None) -> ChainReport:
        return ChainReport(expected - anchor_seq - 1, anchor_seq + 1, head_seq, head_hash, broken)

    entries = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=BATCH)
    )
    try:
        for entry in entries:
            if entry.seq != expected:
                reason = f"entrée(s) n° {expected} à {entry.seq - 1} manquante(s) avant celle-ci"
                return report(BrokenLink(entry.seq, entry.id, entry.at, reason))
            if entry.hash != digest(previous, entry):
                reason = (
                    "empreinte incorrecte : l'entrée ou le lien avec la précédente a été modifié"
                )
                return report(BrokenLink(entry.seq, entry.id, entry.at, reason))
            previous = entry.hash
            expected += 1
    finally:
        entries.close()  # a server-side cursor on PostgreSQL, left mid-way at a break
    if (expected - 1, previous) != (head_seq, head_hash):
        reason = f"la tête de chaîne annonce l'entrée n° {head_seq}, absente ou différente"
        return report(BrokenLink(expected, None, None, reason))
    return report(None)
