"""`GET /api/<service>/audit`, admin only."""

from __future__ import annotations

from flask import Blueprint

from shared.audit.models import AuditEntry
from shared.audit.service import audit_query
from shared.auth.permissions import allow
from shared.auth.roles import ADMIN
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import query_args
from shared.schemas import AwareDateTime, OutputSchema, PageQuerySchema, String, length


class AuditQuerySchema(PageQuerySchema):
    reference = String(load_default=None)
    # Not `Email`: the trail also names non-personal actors such as `system@relais`.
    user = String(load_default=None, validate=length(254))
    from_ = AwareDateTime(data_key="from", load_default=None)
    to = AwareDateTime(load_default=None)


class AuditEntrySchema(OutputSchema):
    at = String()
    user = String(attribute="user_email")
    action = String()
    reference = String(allow_none=True)
    ip = String(allow_none=True)


def make_audit_blueprint(service: str) -> Blueprint:
    """The audit endpoint of one service."""
    blueprint = Blueprint(f"{service}_audit", __name__, url_prefix=f"/api/{service}")

    @blueprint.get("/audit")
    @allow(ADMIN)
    @documented(
        summary="Journal d'audit", query=AuditQuerySchema, response=page_schema(AuditEntrySchema)
    )
    def list_audit_entries():
        """Who read or changed what, newest first (admin only)."""
        args = query_args(AuditQuerySchema())
        query = audit_query(
            service=service,
            reference=args["reference"],
            user=args["user"],
            start=args["from_"],
            end=args["to"],
        )
        return paginate(
            query,
            page=args["page"],
            per_page=args["per_page"],
            dump=lambda rows: [_dump(row) for row in rows],
        )

    return blueprint


def _dump(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": entry.at.isoformat(),
        "user": entry.user_email,
        "action": entry.action,
        "reference": entry.reference,
        "ip": entry.ip,
    }
