"""Page sessions: a row on the server per browser session, apart from API tokens.

The cookie carries a random session id and the table its SHA-256, so neither the cookie's
content nor a database leak gives a bearer token. A session ends at logout, when its account is
disabled, after `SessionPolicy.idle` without a page request, and `SessionPolicy.lifetime` after
the login whatever the activity.

The pages of one service may call another service over HTTP on the user's behalf: they present
the session's *delegate token*, an API token bound to the session (valid only while the session
is), derived from the session id with the server's secret and never sent to the browser.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from shared.auth.models import ApiToken, PageSession, User
from shared.auth.principal import Principal
from shared.auth.service import authenticate, hash_token, principal_for, record_login
from shared.db import unit_of_work
from shared.errors import Unauthenticated
from shared.extensions import db
from shared.timeutil import utcnow

# Activity pushes the idle end forward at most once per this fraction of the idle timeout,
# so that a burst of page requests writes once: a session ends between 9/10 of the idle
# timeout and the idle timeout after its last request.
REFRESH_FRACTION = 10


@dataclass(frozen=True)
class SessionPolicy:
    """How long page sessions last, and the secret their delegate tokens derive from."""

    lifetime: dt.timedelta
    idle: dt.timedelta
    secret: str


def delegate_token(session_id: str, *, secret: str) -> str:
    """The session's API token for calls between services (never sent to the browser)."""
    message = b"relais page session delegate:" + session_id.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def open_page_session(
    *,
    email: str,
    password: str,
    ip: str,
    policy: SessionPolicy,
    now: dt.datetime | None = None,
    totp: str | None = None,
) -> tuple[str, Principal]:
    """Check credentials (401 / 429 as the API) and open a session; returns its id (for the
    cookie) and the principal, whose token is the session's delegate token."""
    user = authenticate(email=email, password=password, ip=ip, totp=totp)
    return start_page_session(user, ip=ip, policy=policy, method="password", now=now)


def start_page_session(
    user: User, *, ip: str, policy: SessionPolicy, method: str, now: dt.datetime | None = None
) -> tuple[str, Principal]:
    """Open a session for `user`, already authenticated by `method` (`password` or `psc`)."""
    now = now or utcnow()
    session_id = secrets.token_urlsafe(32)
    delegate = delegate_token(session_id, secret=policy.secret)
    expires_at = now + policy.lifetime
    with unit_of_work() as session:
        # The account's ended sessions (and their delegate tokens) are forgotten.
        session.execute(
            delete(PageSession).where(
                PageSession.user_id == user.id,
                or_(
                    PageSession.revoked_at.is_not(None),
                    PageSession.idle_expires_at <= now,
                    PageSession.expires_at <= now,
                ),
            )
        )
        page_session = PageSession(
            session_hash=hash_token(session_id),
            user_id=user.id,
            created_at=now,
            expires_at=expires_at,
            idle_expires_at=min(now + policy.idle, expires_at),
            method=method,
        )
        session.add(page_session)
        session.add(
            ApiToken(
                token_hash=hash_token(delegate),
                user_id=user.id,
                expires_at=expires_at,
                page_session=page_session,
            )
        )
        record_login(user, ip=ip, method=method)
    return session_id, principal_for(user, token=delegate, auth_method=method)


def resolve_page_session(
    session_id: str, *, policy: SessionPolicy, now: dt.datetime | None = None
) -> Principal:
    """The user of a live page session, whose idle end this request pushes forward;
    `Unauthenticated` once the session has ended."""
    now = now or utcnow()
    page_session = (
        db.session.scalars(
            select(PageSession)
            .options(joinedload(PageSession.user).joinedload(User.role_rows))
            .where(PageSession.session_hash == hash_token(session_id))
        )
        .unique()
        .first()
    )
    if page_session is None or not page_session.is_live(now):
        raise Unauthenticated()
    principal = principal_for(
        page_session.user,
        token=delegate_token(session_id, secret=policy.secret),
        auth_method=page_session.method,
    )
    pushed = min(now + policy.idle, page_session.expires_at)
    if pushed - page_session.idle_expires_at > policy.idle / REFRESH_FRACTION:
        with unit_of_work() as session:
            session.execute(
                update(PageSession)
                .where(PageSession.id == page_session.id)
                .values(idle_expires_at=pushed)
            )
    return principal


def close_page_session(session_id: str) -> None:
    """End a page session (logout): its id and its delegate token stop working at once."""
    with unit_of_work() as session:
        session.execute(
            update(PageSession)
            .where(
                PageSession.session_hash == hash_token(session_id),
                PageSession.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
