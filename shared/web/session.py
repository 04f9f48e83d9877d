"""Session login for the pages, backed by the same API tokens as `/api/auth/token`.

Logging in issues an ordinary API token (same credential check, same throttling, same audit)
and keeps it in the signed, HttpOnly session cookie. Each page request resolves it like a
bearer token, so logout and deactivation take effect at once, and calls to other services
carry the user's own token.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, session

from shared.auth.principal import Principal
from shared.auth.service import issue_token, resolve_token, revoke_token
from shared.errors import Unauthenticated
from shared.web.csrf import rotate_csrf_token


def session_lifetime() -> dt.timedelta:
    """How long a page session (and its token) lasts."""
    return dt.timedelta(hours=current_app.config["RELAIS_SETTINGS"].token_lifetime_hours)


def log_in(*, email: str, password: str, ip: str) -> Principal:
    """Check credentials (401 / 429 as the API) and open a session for this browser."""
    token, _record, _user = issue_token(
        email=email, password=password, ip=ip, lifetime=session_lifetime()
    )
    session.clear()
    session.permanent = True
    session["token"] = token
    rotate_csrf_token()
    principal = resolve_token(token)
    g.principal = principal
    return principal


def log_out() -> None:
    """Revoke the session's token and forget the session."""
    token = session.get("token")
    if token:
        revoke_token(token)
    session.clear()
    rotate_csrf_token()
    g.pop("principal", None)


def load_session_principal() -> None:
    """Make the session's user the request's principal (`g.principal`), as a bearer token does."""
    token = session.get("token")
    if not token:
        return
    try:
        g.principal = resolve_token(token)
    except Unauthenticated:
        session.pop("token", None)


def session_principal() -> Principal | None:
    """The logged-in user of this page request, if any."""
    return g.get("principal")
