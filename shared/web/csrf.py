"""One CSRF token per session, required on every form POST to a page."""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

from shared.errors import DomainError

FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(DomainError):
    status, code = 400, "csrf_failed"
    default_message = (
        "Ce formulaire a expiré ou ne vient pas de Relais : rechargez la page et recommencez."
    )


def csrf_token() -> str:
    """The session's token, created on first use (embedded in every form)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def rotate_csrf_token() -> None:
    """A new token, at login and logout."""
    session["csrf"] = secrets.token_urlsafe(32)


def check_csrf() -> None:
    """Refuse an unsafe request whose form does not carry the session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = session.get("csrf")
    sent = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), sent):
        raise CsrfFailed()
