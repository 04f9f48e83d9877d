"""Record and query the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request
from sqlalchemy import Select, select

from shared.audit.models import AUDIT_ACTIONS, AuditEntry, hold_for_commit
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
) -> None:
    """Add an audit entry to the current transaction: written, chained, as its last statements
    and committed with the change it records (`shared.audit.models.write_held_entries`)."""
    _check_action(action)
    user_email, ip = _author(user_email, ip)
    entry = _Row(new_uuid(), utcnow(), _service_name(), user_email, action, reference, ip)
    hold_for_commit(db.session(), [entry])


@dataclass
class _Row:
    """An audit entry held for the commit without the ORM: its fields, then its link."""

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
    """One entry per reference (a page of a list: one entry per case shown, as `record_audit`
    each), written with the transaction's other entries in one multi-row INSERT at commit."""
    _check_action(action)
    user_email, ip = _author(None, None)
    service, at = _service_name(), utcnow()
    rows = [_Row(new_uuid(), at, service, user_email, action, ref, ip) for ref in references]
    hold_for_commit(db.session(), rows)


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
