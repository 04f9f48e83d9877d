"""Account administration pages (admin; access requests also coordinator): list and search
accounts, invite, change roles and links, disable; approve or reject access requests."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from shared.auth.accounts import (
    approve_access_request,
    disable_account,
    invite_user,
    pending_access_requests,
    profession_labels,
    reject_access_request,
    search_accounts,
    update_account,
)
from shared.auth.mail import link_base
from shared.auth.models import User
from shared.auth.permissions import record_rule
from shared.auth.roles import ADMIN, ALL_ROLES, COORDINATOR
from shared.errors import NotFound, ValidationFailed
from shared.extensions import db
from shared.web.forms import Field, FormState
from shared.web.labels import ROLE_LABELS
from shared.web.pages import page, page_blueprint
from shared.web.session import session_principal

blueprint = page_blueprint("admin", __name__, url_prefix="/admin", templates="templates")

ROLES_FIELD = Field(
    "roles",
    "Rôles",
    "checkboxes",
    required=True,
    choices=tuple((role, ROLE_LABELS[role]) for role in ALL_ROLES),
)
LINK_FIELDS = (
    Field(
        "professional_id",
        "Fiche de l'annuaire (identifiant)",
        hint="Obligatoire pour les rôles médecin, sage-femme et infirmier·e.",
    ),
    Field("organisation_id", "Structure (identifiant)"),
)
INVITE_FIELDS = (
    Field("email", "Adresse e-mail", "email", required=True, autocomplete="off"),
    ROLES_FIELD,
    *LINK_FIELDS,
    Field("idnps", "IDNPS (Pro Santé Connect)", hint="8 suivi du numéro RPPS."),
)
EDIT_FIELDS = (ROLES_FIELD, *LINK_FIELDS)
APPROVE_FIELDS = (
    ROLES_FIELD,
    LINK_FIELDS[0],
    Field("email", "Adresse e-mail du compte", "email", required=True),
)


def _uuid(value: str | None, field: str) -> uuid.UUID | None:
    if not value or not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError as error:
        raise ValidationFailed({field: ["Identifiant invalide."]}) from error


def _account(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Compte introuvable.")
    return user


@blueprint.get("/comptes")
@page(ADMIN)
def accounts():
    """Every account (searched), and the invitation form."""
    query = request.args.get("q", "")
    return render_template(
        "web/admin/accounts.html",
        users=search_accounts(query),
        query=query,
        form=FormState.blank(INVITE_FIELDS),
    )


@blueprint.post("/comptes")
@page(ADMIN)
def invite():
    """Invite a person: an account and an e-mail with a link to choose a password."""
    form = request.form
    try:
        user = invite_user(
            email=form.get("email", ""),
            roles=form.getlist("roles"),
            professional_id=_uuid(form.get("professional_id"), "professional_id"),
            organisation_id=_uuid(form.get("organisation_id"), "organisation_id"),
            idnps=form.get("idnps", "").strip() or None,
            public_url=link_base(),
        )
    except ValidationFailed as error:
        state = FormState.failed(INVITE_FIELDS, form, error.fields)
        return render_template(
            "web/admin/accounts.html", users=search_accounts(), query="", form=state
        ), 422
    flash(f"Invitation envoyée à {user.email}.", "success")
    return redirect(url_for("admin.accounts"), code=303)


@blueprint.route("/comptes/<uuid:user_id>", methods=["GET", "POST"])
@page(ADMIN)
def account(user_id: uuid.UUID):
    """One account: roles and links to change, or disable it."""
    user = _account(user_id)
    if request.method == "GET":
        values = MultiDict(
            [("roles", role) for role in sorted(user.roles)]
            + [
                ("professional_id", str(user.professional_id or "")),
                ("organisation_id", str(user.organisation_id or "")),
            ]
        )
        form = FormState.blank(EDIT_FIELDS, values)
        return render_template("web/admin/account.html", user=user, form=form)
    try:
        update_account(
            user_id=user_id,
            roles=request.form.getlist("roles"),
            professional_id=_uuid(request.form.get("professional_id"), "professional_id"),
            organisation_id=_uuid(request.form.get("organisation_id"), "organisation_id"),
        )
    except ValidationFailed as error:
        form = FormState.failed(EDIT_FIELDS, request.form, error.fields)
        return render_template("web/admin/account.html", user=user, form=form), 422
    flash("Compte modifié.", "success")
    return redirect(url_for("admin.account", user_id=user_id), code=303)


@blueprint.post("/comptes/<uuid:user_id>/desactiver")
@page(ADMIN)
def disable(user_id: uuid.UUID):
    """Disable the account: its sessions and tokens stop at once."""
    user = disable_account(user_id)
    flash(f"Le compte {user.email} est désactivé.", "success")
    return redirect(url_for("admin.account", user_id=user_id), code=303)


@blueprint.get("/demandes")
@page(ADMIN, COORDINATOR)
def access_requests():
    """The pending access requests of Pro Santé Connect identities."""
    requests_ = pending_access_requests()
    forms = {
        r.id: FormState.blank(APPROVE_FIELDS, MultiDict({"email": r.email or ""}), prefix=f"r{i}-")
        for i, r in enumerate(requests_)
    }
    return render_template(
        "web/admin/access_requests.html",
        requests=requests_,
        forms=forms,
        professions=profession_labels,
    )


@blueprint.post("/demandes/<uuid:request_id>")
@page(ADMIN, COORDINATOR)
@record_rule("only an admin may grant the admin role")
def decide(request_id: uuid.UUID):
    """Approve (with roles and a directory link) or reject one request."""
    principal = session_principal()
    assert principal is not None
    if request.form.get("decision") == "reject":
        reject_access_request(request_id=request_id, decided_by=principal)
        flash("Demande refusée.", "success")
        return redirect(url_for("admin.access_requests"), code=303)
    try:
        user = approve_access_request(
            request_id=request_id,
            roles=request.form.getlist("roles"),
            professional_id=_uuid(request.form.get("professional_id"), "professional_id"),
            email=request.form.get("email"),
            decided_by=principal,
            public_url=link_base(),
        )
    except ValidationFailed as error:
        flash("Demande non traitée : " + " ".join(sum(error.fields.values(), [])), "error")
        return redirect(url_for("admin.access_requests"), code=303)
    flash(f"Compte ouvert pour {user.email}.", "success")
    return redirect(url_for("admin.access_requests"), code=303)
