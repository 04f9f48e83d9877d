"""Session login for the pages: a server-side page session behind the signed cookie.

The cookie (signed, HttpOnly) holds the session's random id and the CSRF token, never an API
token. Each page request resolves the id against `auth_page_sessions` (`shared/auth/sessions.py`),
so logout, deactivation, the idle timeout (`SESSION_IDLE_MINUTES`) and the absolute lifetime
(`SESSION_ABSOLUTE_HOURS`) take effect at once.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, flash, g, session

from shared.auth.models import User
from shared.auth.principal import Principal
from shared.auth.sessions import (
    SessionPolicy,
    close_page_session,
    open_page_session,
    resolve_page_session,
    start_page_session,
)
from shared.errors import Unauthenticated
from shared.web.csrf import rotate_csrf_token

SESSION_ID = "sid"


def session_policy() -> SessionPolicy:
    """How long page sessions last, from the settings."""
    settings = current_app.config["RELAIS_SETTINGS"]
    return SessionPolicy(
        lifetime=dt.timedelta(hours=settings.session_absolute_hours),
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
        secret=current_app.config["SECRET_KEY"],
    )


def log_in(*, email: str, password: str, ip: str, totp: str | None = None) -> Principal:
    """Check credentials (401 / 429 as the API) and open a session for this browser."""
    session_id, principal = open_page_session(
        email=email, password=password, ip=ip, policy=session_policy(), totp=totp
    )
    return _remember(session_id, principal)


def log_in_user(user: User, *, ip: str, method: str) -> Principal:
    """Open a session for `user`, authenticated elsewhere (Pro Santé Connect)."""
    session_id, principal = start_page_session(user, ip=ip, policy=session_policy(), method=method)
    return _remember(session_id, principal)


def _remember(session_id: str, principal: Principal) -> Principal:
    """The browser's cookie now names the session (and nothing from before the login)."""
    session.clear()
    session.permanent = True
    session[SESSION_ID] = session_id
    rotate_csrf_token()
    g.principal = principal
    return principal


def log_out() -> None:
    """End the page session and forget the cookie's content."""
    session_id = session.get(SESSION_ID)
    if session_id:
        close_page_session(session_id)
    session.clear()
    rotate_csrf_token()
    g.pop("principal", None)


def load_session_principal() -> None:
    """Make the session's user the request's principal (`g.principal`), as a bearer token does."""
    session_id = session.get(SESSION_ID)
    if not session_id:
        return
    try:
        g.principal = resolve_page_session(session_id, policy=session_policy())
    except Unauthenticated:
        session.clear()
        rotate_csrf_token()
        flash("Votre session a expiré : reconnectez-vous.", "info")


def session_principal() -> Principal | None:
    """The logged-in user of this page request, if any."""
    return g.get("principal")
