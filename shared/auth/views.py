"""`POST /api/auth/token` and logout, mounted on every service."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, current_app, request

from shared.auth.accounts import (
    RESET_SENT,
    UNCHANGED,
    approve_access_request,
    disable_account,
    invite_user,
    pending_access_requests,
    reject_access_request,
    search_accounts,
    throttled_password_reset,
    update_account,
)
from shared.auth.mail import link_base
from shared.auth.models import AccessRequest, User
from shared.auth.permissions import ANY_ROLE, allow, current_principal, public, record_rule
from shared.auth.roles import ADMIN, COORDINATOR
from shared.auth.service import issue_token, revoke_token
from shared.http.openapi import documented
from shared.http.parsing import json_body
from shared.schemas import UUID, BaseSchema, Boolean, List, Nested, OutputSchema, String

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


# --- who am I, accounts and access requests ---------------------------------------------------


class AccountLinksSchema(OutputSchema):
    """An account's e-mail, roles and links, shown by `/me` and by the account list."""

    id = String(required=True)
    email = String(required=True)
    roles = List(String(), required=True)
    professional_id = String(allow_none=True)
    organisation_id = String(allow_none=True)


class MeSchema(AccountLinksSchema):
    auth_method = String(required=True)


class AccountSchema(AccountLinksSchema):
    idnps = String(allow_none=True)
    active = Boolean(required=True)
    has_password = Boolean(required=True)
    totp_enabled = Boolean(required=True)
    last_login_at = String(allow_none=True)
    last_login_method = String(allow_none=True)


class AccountListSchema(OutputSchema):
    items = List(Nested(AccountSchema), required=True)


class AccountChangesSchema(BaseSchema):
    """What an admin may change on an account: its roles and its links."""

    roles = List(String())
    professional_id = UUID(allow_none=True)
    organisation_id = UUID(allow_none=True)


class NewAccountSchema(AccountChangesSchema):
    """An invitation: the e-mail, the roles (required here) and the links, an IDNPS."""

    email = String(required=True)
    roles = List(String(), required=True)
    idnps = String(allow_none=True)


class AccessRequestSchema(OutputSchema):
    id = String(required=True)
    idnps = String(required=True)
    given_name = String(required=True)
    family_name = String(required=True)
    professions = List(String(), required=True)
    email = String(allow_none=True)
    status = String(required=True)
    created_at = String(required=True)


class AccessRequestListSchema(OutputSchema):
    items = List(Nested(AccessRequestSchema), required=True)


class ApprovalSchema(BaseSchema):
    roles = List(String(), required=True)
    professional_id = UUID(allow_none=True)
    email = String(allow_none=True)


class ResetRequestSchema(BaseSchema):
    email = String(required=True)


class AcceptedSchema(OutputSchema):
    message = String(required=True)


def _id(value: object) -> str | None:
    return str(value) if value is not None else None


def account_document(user: User) -> dict:
    """An account as the API shows it (never its password hash or TOTP secret)."""
    return {
        "id": str(user.id),
        "email": user.email,
        "roles": sorted(user.roles),
        "professional_id": _id(user.professional_id),
        "organisation_id": _id(user.organisation_id),
        "idnps": user.idnps,
        "active": user.active,
        "has_password": user.has_password,
        "totp_enabled": user.totp_secret is not None,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "last_login_method": user.last_login_method,
    }


def access_request_document(request_: AccessRequest) -> dict:
    """An access request as the API shows it."""
    return {
        "id": str(request_.id),
        "idnps": request_.idnps,
        "given_name": request_.given_name,
        "family_name": request_.family_name,
        "professions": [code for code in request_.professions.split(",") if code],
        "email": request_.email,
        "status": request_.status,
        "created_at": request_.created_at.isoformat(),
    }


@blueprint.get("/me")
@allow(*ANY_ROLE)
@record_rule("the caller's own account only")
@documented(summary="Le compte appelant", response=MeSchema)
def me():
    """Who is calling, and how they authenticated."""
    principal = current_principal()
    return {
        "id": str(principal.user_id),
        "email": principal.email,
        "roles": sorted(principal.roles),
        "professional_id": _id(principal.professional_id),
        "organisation_id": _id(principal.organisation_id),
        "auth_method": principal.auth_method,
    }


@blueprint.get("/users")
@allow(ADMIN)
@documented(summary="Lister les comptes", response=AccountListSchema)
def list_users():
    """Every account, searched by e-mail or IDNPS with `q`."""
    return {"items": [account_document(u) for u in search_accounts(request.args.get("q", ""))]}


@blueprint.post("/users")
@allow(ADMIN)
@documented(
    summary="Inviter une personne",
    body=NewAccountSchema,
    response=AccountSchema,
    status=201,
    errors=(409, 422),
)
def create_account():
    """Create an account and e-mail it a single-use link (72 h) to choose a password."""
    data = json_body(NewAccountSchema())
    user = invite_user(public_url=link_base(), **data)
    return account_document(user), 201


@blueprint.patch("/users/<uuid:user_id>")
@allow(ADMIN)
@documented(
    summary="Modifier les rôles et rattachements d'un compte",
    body=AccountChangesSchema,
    response=AccountSchema,
    errors=(404, 422),
)
def change_account(user_id: uuid.UUID):
    """Change roles, directory entry and organisation."""
    data = json_body(AccountChangesSchema())
    user = update_account(
        user_id=user_id,
        roles=data.get("roles"),
        professional_id=data.get("professional_id", UNCHANGED),
        organisation_id=data.get("organisation_id", UNCHANGED),
    )
    return account_document(user)


@blueprint.post("/users/<uuid:user_id>/disable")
@allow(ADMIN)
@documented(summary="Désactiver un compte", response=AccountSchema, errors=(404,))
def disable(user_id: uuid.UUID):
    """Disable an account: its tokens and page sessions stop at once."""
    return account_document(disable_account(user_id))


@blueprint.get("/access-requests")
@allow(ADMIN, COORDINATOR)
@documented(summary="Demandes d'accès en attente", response=AccessRequestListSchema)
def list_access_requests():
    """The pending access requests, oldest first."""
    return {"items": [access_request_document(r) for r in pending_access_requests()]}


@blueprint.post("/access-requests/<uuid:request_id>/approve")
@allow(ADMIN, COORDINATOR)
@record_rule("only an admin may grant the admin role")
@documented(
    summary="Accepter une demande d'accès",
    body=ApprovalSchema,
    response=AccountSchema,
    errors=(403, 404, 409, 422),
)
def approve(request_id: uuid.UUID):
    """Open the account, with roles and a directory link; the person is told by e-mail."""
    data = json_body(ApprovalSchema())
    principal = current_principal()
    user = approve_access_request(
        request_id=request_id,
        roles=data["roles"],
        professional_id=data.get("professional_id"),
        email=data.get("email"),
        decided_by=principal,
        public_url=link_base(),
    )
    return account_document(user)


@blueprint.post("/access-requests/<uuid:request_id>/reject")
@allow(ADMIN, COORDINATOR)
@documented(summary="Refuser une demande d'accès", response=AccessRequestSchema, errors=(404, 409))
def reject(request_id: uuid.UUID):
    """Refuse the request; the person is told by e-mail when they left an address."""
    request_ = reject_access_request(request_id=request_id, decided_by=current_principal())
    return access_request_document(request_)


@blueprint.post("/password-reset")
@public
@documented(
    summary="Demander un lien pour changer de mot de passe",
    body=ResetRequestSchema,
    response=AcceptedSchema,
    status=202,
    errors=(429,),
)
def password_reset():
    """Always the same answer; an e-mail with a single-use link (1 h) to existing accounts."""
    data = json_body(ResetRequestSchema())
    throttled_password_reset(
        email=data["email"], ip=request.remote_addr or "", public_url=link_base()
    )
    return {"message": RESET_SENT}, 202
