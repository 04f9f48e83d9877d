"""Record and query the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request
from sqlalchemy import Select, insert, select

from shared.audit.chain import link
from shared.audit.models import AUDIT_ACTIONS, AuditEntry
from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import new_uuid


def _service_name() -> str:
    if has_request_context():
        parts = request.path.split("/")
        if request.path.startswith("/api/"):
            return parts[2]
        # Pages live under their service's name (`/orientation/cases/…`).
        if parts[1] in current_app.config.get("RELAIS_SERVICES", ()):
            return parts[1]
    return current_app.config.get("RELAIS_SERVICE_LABEL", "relais")


def _author(user_email: str | None, ip: str | None) -> tuple[str, str | None]:
    """Who acts (the request's principal, else the system) and from where, unless given."""
    if user_email is None:
        principal = g.get("principal") if has_request_context() else None
        user_email = principal.email if principal else "system@relais"
    if ip is None and has_request_context():
        ip = request.remote_addr
    return user_email, ip


def _check_action(action: str) -> None:
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")


def record_audit(
    *,
    action: str,
    reference: str | None = None,
    user_email: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    _check_action(action)
    user_email, ip = _author(user_email, ip)
    entry = AuditEntry(
        service=_service_name(), user_email=user_email, action=action, reference=reference, ip=ip
    )
    db.session.add(entry)
    return entry


@dataclass
class _Row:
    """An audit entry written without the ORM: the chain's fields, then its link."""

    id: uuid.UUID
    at: dt.datetime
    service: str
    user_email: str
    action: str
    reference: str | None
    ip: str | None
    seq: int = 0
    hash: str = ""


def record_audits(*, action: str, references: Sequence[str]) -> None:
    """One entry per reference, written at once in the current transaction with one
    multi-row INSERT (a page of a list: one entry per case shown, as `record_audit` each)."""
    _check_action(action)
    if not references:
        return
    session = db.session
    # Entries added one by one before take their places in the chain first.
    session.flush()
    user_email, ip = _author(None, None)
    service, at = _service_name(), utcnow()
    rows = [_Row(new_uuid(), at, service, user_email, action, ref, ip) for ref in references]
    link(session.connection(), rows)
    # With RETURNING, SQLAlchemy sends the rows as one multi-row INSERT whose SQL it compiles
    # once ("insertmanyvalues"); without it, the driver would execute the INSERT once a row.
    table = AuditEntry.__table__
    session.execute(insert(table).returning(table.c.seq), [vars(row) for row in rows])


def audit_query(
    *,
    service: str,
    reference: str | None,
    user: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> Select:
    """Entries of a service matching the filters, newest first."""
    query = select(AuditEntry).where(AuditEntry.service.in_((service, "auth")))
    if reference:
        query = query.where(AuditEntry.reference == reference)
    if user:
        query = query.where(AuditEntry.user_email == user.lower())
    if start:
        query = query.where(AuditEntry.at >= start)
    if end:
        query = query.where(AuditEntry.at < end)
    return query.order_by(AuditEntry.at.desc())
