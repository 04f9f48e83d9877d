"""The pages of one's own account: forgotten password, the single-use link to choose one,
changing it, and the second factor (TOTP)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, session
from werkzeug.datastructures import MultiDict

from shared.auth.accounts import (
    RESET_SENT,
    LinkInvalid,
    change_password,
    link_account,
    set_password_with_link,
    throttled_password_reset,
)
from shared.auth.mail import link_base
from shared.auth.models import User
from shared.auth.permissions import public
from shared.auth.totp import enrol, needs_second_factor, new_secret, provisioning_uri, qr_svg
from shared.errors import RateLimited, ValidationFailed
from shared.web.forms import Field, FormState
from shared.web.pages import page, render_error
from shared.web.session import session_principal

blueprint = Blueprint("account", __name__, template_folder="templates")

FORGOT_FIELDS = (Field("email", "Adresse e-mail", "email", required=True, autocomplete="username"),)
NEW_PASSWORD_FIELDS = (
    Field(
        "password",
        "Nouveau mot de passe",
        "password",
        required=True,
        autocomplete="new-password",
        hint="Au moins 12 caractères ; une phrase de plusieurs mots est idéale.",
    ),
)
CHANGE_FIELDS = (
    Field(
        "current", "Mot de passe actuel", "password", required=True, autocomplete="current-password"
    ),
    *NEW_PASSWORD_FIELDS,
)
CODE_FIELD = Field(
    "code",
    "Code affiché par l'application",
    "text",
    required=True,
    autocomplete="one-time-code",
    hint="6 chiffres.",
)
TOTP_FIELDS = (CODE_FIELD,)
PENDING_SECRET = "totp_pending"  # noqa: S105 - a session key


@blueprint.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a reset link; the answer never tells whether the account exists."""
    if request.method == "GET":
        return render_template("web/account/forgot.html", form=FormState.blank(FORGOT_FIELDS))
    try:
        throttled_password_reset(
            email=request.form.get("email", ""),
            ip=request.remote_addr or "",
            public_url=link_base(),
        )
    except RateLimited as error:
        form = FormState(FORGOT_FIELDS, request.form, {}, [error.message])
        return render_template("web/account/forgot.html", form=form), 429
    return render_template("web/account/forgot.html", form=None, sent=RESET_SENT)


def _pending_enrolment(email: str) -> dict[str, str]:
    """The secret being enrolled in this browser (kept in the signed cookie until confirmed),
    with its QR code."""
    secret = session.get(PENDING_SECRET) or new_secret()
    session[PENDING_SECRET] = secret
    uri = provisioning_uri(secret, email=email)
    return {"secret": secret, "qr": qr_svg(uri)}


def _must_enrol(user: User) -> bool:
    settings = current_app.config["RELAIS_SETTINGS"]
    return user.totp_secret is None and needs_second_factor(
        user, require_strong=settings.auth_require_strong
    )


@blueprint.route("/compte/mot-de-passe/<token>", methods=["GET", "POST"])
@public
def choose_password(token: str):
    """The page of an invitation or reset link: choose a password (once), and set up the
    second factor when the account needs one and has none."""
    try:
        user = link_account(token)
    except LinkInvalid as error:
        return render_error(error)
    enrolment = _pending_enrolment(user.email) if _must_enrol(user) else None
    fields = NEW_PASSWORD_FIELDS + (TOTP_FIELDS if enrolment else ())
    context = {"email": user.email, "enrolment": enrolment}
    if request.method == "GET":
        return render_template("web/account/choose.html", form=FormState.blank(fields), **context)
    try:
        recovery_codes = set_password_with_link(
            token=token,
            password=request.form.get("password", ""),
            totp_secret=enrolment["secret"] if enrolment else None,
            totp_code=request.form.get("code", ""),
        )
    except LinkInvalid as error:
        return render_error(error)
    except ValidationFailed as error:
        form = FormState.failed(fields, MultiDict(), error.fields)
        return render_template("web/account/choose.html", form=form, **context), 422
    session.pop(PENDING_SECRET, None)
    return render_template(
        "web/account/choose.html", form=None, done=True, recovery_codes=recovery_codes, **context
    )


@blueprint.route("/compte/double-authentification", methods=["GET", "POST"])
@page()
def totp():
    """Set up (or replace) the authenticator app: scan the QR code, type the code shown."""
    principal = session_principal()
    assert principal is not None
    enrolment = _pending_enrolment(principal.email)
    if request.method == "GET":
        form = FormState.blank(TOTP_FIELDS)
        return render_template("web/account/totp.html", form=form, enrolment=enrolment)
    try:
        codes = enrol(
            user_id=principal.user_id,
            secret=enrolment["secret"],
            code=request.form.get("code", ""),
        )
    except ValidationFailed as error:
        form = FormState.failed(TOTP_FIELDS, MultiDict(), error.fields)
        return render_template("web/account/totp.html", form=form, enrolment=enrolment), 422
    session.pop(PENDING_SECRET, None)
    return render_template("web/account/totp.html", form=None, recovery_codes=codes)


@blueprint.route("/compte", methods=["GET", "POST"])
@page()
def my_account():
    """One's own account: change the password."""
    principal = session_principal()
    assert principal is not None
    if request.method == "GET":
        return render_template("web/account/mine.html", form=FormState.blank(CHANGE_FIELDS))
    try:
        change_password(
            user_id=principal.user_id,
            current=request.form.get("current", ""),
            new=request.form.get("password", ""),
        )
    except ValidationFailed as error:
        form = FormState.failed(CHANGE_FIELDS, MultiDict(), error.fields)
        return render_template("web/account/mine.html", form=form), 422
    form = FormState.blank(CHANGE_FIELDS)
    return render_template("web/account/mine.html", form=form, changed=True)
