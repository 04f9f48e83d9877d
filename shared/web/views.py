"""The pages every service shares: login at `/`, each role's home, logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from shared.auth.permissions import public
from shared.errors import RateLimited, Unauthenticated
from shared.web.forms import Field, FormState
from shared.web.registry import tasks_for
from shared.web.session import log_in, log_out, session_principal

blueprint = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

LOGIN_FIELDS = (
    Field("email", "Adresse e-mail", "email", required=True, autocomplete="username"),
    Field("password", "Mot de passe", "password", required=True, autocomplete="current-password"),
    Field(
        "totp",
        "Code de double authentification",
        "text",
        autocomplete="one-time-code",
        hint="Les 6 chiffres de votre application d'authentification, ou un code de secours.",
    ),
)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never `//host`, a full URL or a trick with control
    characters or backslashes, which browsers may strip or rewrite) may follow the login."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 33 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@blueprint.get("/")
@public
def home():
    """The login form, or the logged-in user's home: their tasks and their pages."""
    principal = session_principal()
    if principal is None:
        form = FormState.blank(LOGIN_FIELDS)
        return render_template("web/login.html", form=form, next=request.args.get("next", ""))
    return render_template("web/home.html", tasks=tasks_for(principal))


@blueprint.post("/login")
@public
def login():
    """Open a session; wrong credentials and throttling are explained in French."""
    form = request.form
    try:
        log_in(
            email=form.get("email", ""),
            password=form.get("password", ""),
            ip=request.remote_addr or "",
            totp=form.get("totp") or None,
        )
    except (Unauthenticated, RateLimited) as error:
        state = FormState(LOGIN_FIELDS, form, {}, [error.message])
        state.values = type(form)({"email": form.get("email", "")})
        return render_template(
            "web/login.html", form=state, next=form.get("next", "")
        ), error.status
    return redirect(safe_next(form.get("next")) or url_for("web.home"), code=303)


@blueprint.post("/logout")
@public
def logout():
    """Close the session and revoke its token."""
    log_out()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("web.home"), code=303)
