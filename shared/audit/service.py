"""Record and query the audit trail."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, has_request_context, request
from sqlalchemy import Select, select

from shared.audit.models import AUDIT_ACTIONS, AuditEntry
from shared.extensions import db


def _service_name() -> str:
    if has_request_context():
        parts = request.path.split("/")
        if request.path.startswith("/api/"):
            return parts[2]
        # Pages live under their service's name (`/orientation/cases/…`).
        if parts[1] in current_app.config.get("RELAIS_SERVICES", ()):
            return parts[1]
    return current_app.config.get("RELAIS_SERVICE_LABEL", "relais")


def record_audit(
    *,
    action: str,
    reference: str | None = None,
    user_email: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if user_email is None:
        principal = g.get("principal") if has_request_context() else None
        user_email = principal.email if principal else "system@relais"
    if ip is None and has_request_context():
        ip = request.remote_addr
    entry = AuditEntry(
        service=_service_name(), user_email=user_email, action=action, reference=reference, ip=ip
    )
    db.session.add(entry)
    return entry


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
