"""Benchmark accounts: a user with a bearer token, written straight to the database."""

from __future__ import annotations

import secrets
import uuid


def token_account(role: str, email: str, professional_id: uuid.UUID | None = None) -> str:
    """The bearer token of a new user with `role` (no password login), valid a year; added and
    flushed in the current app context's session, committed by the caller."""
    from shared.auth.models import ApiToken, User, UserRole
    from shared.auth.service import hash_token
    from shared.extensions import db
    from shared.timeutil import utcnow

    token = secrets.token_hex(16)
    user = User(
        email=email,
        password_hash="unused",  # noqa: S106 - tokens only
        role_rows=[UserRole(role=role)],
        professional_id=professional_id,
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(
        ApiToken(
            token_hash=hash_token(token),
            user_id=user.id,
            expires_at=utcnow().replace(year=utcnow().year + 1),
        )
    )
    return token
