"""`POST /api/auth/token` and logout, mounted on every service."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, request

from shared.auth.permissions import ANY_ROLE, allow, current_principal, public
from shared.auth.service import issue_token, revoke_token
from shared.http.openapi import documented
from shared.http.parsing import json_body
from shared.schemas import BaseSchema, List, OutputSchema, String

blueprint = Blueprint("auth", __name__, url_prefix="/api/auth")


class TokenRequestSchema(BaseSchema):
    email = String(required=True)
    password = String(required=True, load_only=True)
    totp = String(load_only=True)


class TokenSchema(OutputSchema):
    token = String(required=True)
    expires_at = String(required=True)
    roles = List(String(), required=True)


@blueprint.post("/token")
@public
@documented(
    summary="Obtenir un jeton d'accès",
    body=TokenRequestSchema,
    response=TokenSchema,
    errors=(401, 429),
)
def create_token():
    """Exchange an e-mail and password for a bearer token accepted by every service."""
    data = json_body(TokenRequestSchema())
    settings = current_app.config["RELAIS_SETTINGS"]
    token, record, user = issue_token(
        email=data["email"],
        password=data["password"],
        ip=request.remote_addr or "",
        lifetime=dt.timedelta(hours=settings.token_lifetime_hours),
        totp=data.get("totp"),
    )
    return {
        "token": token,
        "expires_at": record.expires_at.isoformat(),
        "roles": sorted(user.roles),
    }


@blueprint.post("/logout")
@allow(*ANY_ROLE)
@documented(summary="Révoquer le jeton courant", status=204)
def logout():
    """Revoke the bearer token used for this call."""
    principal = current_principal()
    assert principal.token is not None
    revoke_token(principal.token)
    return "", 204
