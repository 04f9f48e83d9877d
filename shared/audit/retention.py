"""Retention of the audit trail and of failed logins: only expired rows are ever removed.

The trail is removed from its start only, up to the last entry before the first one still
within the retention, and the hash of the last removed entry becomes the chain's anchor: what
is kept verifies from there (`relais audit verify`). The database itself allows no other
deletion: on PostgreSQL only the `audit_purge(retention_days)` function (SECURITY DEFINER,
migration `b3d8f2a6c9e1`) deletes, and it refuses a retention under `MIN_RETENTION_DAYS`; on
SQLite the delete trigger lets through only the entries up to the mark this module sets in
`audit_chain.purging_through`, inside the purge's own transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, text, update

from shared.audit.models import AuditChain, AuditEntry
from shared.auth.models import LoginFailure
from shared.auth.throttle import FAILURE_WINDOW
from shared.db import unit_of_work
from shared.timeutil import utcnow

# Six months, the lower bound of the CNIL's guidance for access logs; the PostgreSQL purge
# function states the same floor (a test checks that they agree).
MIN_RETENTION_DAYS = 180


class RetentionTooShort(ValueError):
    """The requested retention would remove entries the trail must keep."""


def audit_cutoff(*, retention_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Entries older than this instant have outlived the retention period."""
    if retention_days < MIN_RETENTION_DAYS:
        raise RetentionTooShort(
            f"the audit retention must be at least {MIN_RETENTION_DAYS} days, not {retention_days}"
        )
    return (now or utcnow()) - dt.timedelta(days=retention_days)


def purge_expired(*, retention_days: int) -> int:
    """Delete audit entries older than the retention; returns how many were removed."""
    cutoff = audit_cutoff(retention_days=retention_days)
    with unit_of_work() as session:
        if session.get_bind().dialect.name == "postgresql":
            # The cut-off is computed by the database, from its own clock.
            removed = session.scalar(text("SELECT audit_purge(:days)"), {"days": retention_days})
            return int(removed or 0)
        return _purge_sqlite(session, cutoff)


def _purge_sqlite(session, cutoff: dt.datetime) -> int:
    first_kept = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= cutoff))
    through = (
        first_kept - 1
        if first_kept is not None
        else session.scalar(select(func.max(AuditEntry.seq)))
    )
    anchor = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == through))
    if anchor is None:  # nothing before the first kept entry
        return 0
    chain = update(AuditChain).where(AuditChain.id == 1)
    session.execute(chain.values(purging_through=through))
    result = session.execute(
        delete(AuditEntry).where(AuditEntry.seq <= through),
        execution_options={"synchronize_session": False},
    )
    session.execute(chain.values(purging_through=None, anchor_seq=through, anchor_hash=anchor))
    return result.rowcount or 0


def purge_login_failures(*, now: dt.datetime | None = None) -> int:
    """Forget failed logins older than the throttling window (they hold e-mails and IPs)."""
    cutoff = (now or utcnow()) - FAILURE_WINDOW
    with unit_of_work() as session:
        result = session.execute(
            delete(LoginFailure).where(LoginFailure.at < cutoff),
            execution_options={"synchronize_session": False},
        )
    return result.rowcount or 0
