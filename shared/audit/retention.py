"""Retention of the audit trail and of failed logins: only expired rows are ever removed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, text

from shared.audit.models import AuditEntry
from shared.auth.models import LoginFailure
from shared.auth.throttle import FAILURE_WINDOW
from shared.db import unit_of_work
from shared.extensions import db
from shared.timeutil import utcnow


def audit_cutoff(*, retention_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Entries older than this instant have outlived the retention period."""
    if retention_days < 1:
        raise ValueError("the audit retention must be at least one day")
    return (now or utcnow()) - dt.timedelta(days=retention_days)


def purge_expired(*, retention_days: int, now: dt.datetime | None = None) -> int:
    """Delete audit entries older than the retention; returns how many were removed."""
    cutoff = audit_cutoff(retention_days=retention_days, now=now)
    with unit_of_work() as session:
        if db.engine.dialect.name == "postgresql":
            # The append-only trigger lets this transaction delete rows older than the cut-off.
            session.execute(
                text("SELECT set_config('relais.audit_purge_before', :cutoff, true)"),
                {"cutoff": cutoff.isoformat()},
            )
        result = session.execute(
            delete(AuditEntry).where(AuditEntry.at < cutoff),
            execution_options={"synchronize_session": False},
        )
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
