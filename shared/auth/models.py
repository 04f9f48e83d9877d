"""Persistence of users, their roles, API tokens, page sessions and failed logins."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.crypto import EncryptedString
from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid

# The stored hash of an account without password (invited, or Pro Santé Connect only): no
# password ever verifies against it.
NO_PASSWORD = "!"  # noqa: S105 - not a password: no hash matches it
LOGIN_METHODS = ("password", "psc")


class User(db.Model):
    __tablename__ = "auth_users"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    # The national identifier of a health professional (Pro Santé Connect's `SubjectNameID`).
    idnps: Mapped[str | None] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_method: Mapped[str | None] = mapped_column(String(16))
    # TOTP (RFC 6238): the shared secret, sealed; the last time step accepted (no replay).
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Moved by the database's triggers on every change that can end one of the account's
    # tokens or change who it stands for (migration 9d2b3f09f749): the token cache serves a
    # token only while this is the value it saw (`shared/auth/token_cache.py`). Never written
    # by the application.
    auth_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def has_password(self) -> bool:
        return self.password_hash != NO_PASSWORD


class UserRole(db.Model):
    __tablename__ = "auth_user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class PageSession(db.Model):
    """A browser's session on the pages. The cookie carries a random id, the table only its
    SHA-256; the session ends at `revoked_at` (logout, account disabled), `idle_expires_at`
    (pushed forward by each request) or `expires_at` (the absolute end), whichever comes first.
    """

    __tablename__ = "auth_page_sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("auth_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    idle_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # How the session was opened (`password` or `psc`).
    method: Mapped[str] = mapped_column(String(16), default="password")
    user: Mapped[User] = relationship(lazy="joined")

    def is_live(self, now: dt.datetime) -> bool:
        """Whether the session still opens the pages at `now`."""
        return (
            self.revoked_at is None
            and now < self.idle_expires_at
            and now < self.expires_at
            and self.user.active
        )


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no usable token.

    A token bound to a page session (`page_session_id`) lets the pages call the other services
    on the user's behalf; it is valid only while that session is.
    """

    __tablename__ = "auth_tokens"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("auth_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    page_session_id: Mapped[uuid.UUID | None] = mapped_column(
        UUIDType, ForeignKey("auth_page_sessions.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship(lazy="joined")
    page_session: Mapped[PageSession | None] = relationship()


class LoginFailure(db.Model):
    """Failed logins counted to throttle guessing (`shared/auth/throttle.py`): one row per
    account and address, and one per address whose `email` is empty (every account)."""

    __tablename__ = "auth_login_failures"
    __table_args__ = (
        Index("ix_auth_login_failures_at", "at"),
        UniqueConstraint("email", "ip", name="uq_auth_login_failures_email_ip"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    # Failures (and attempts being checked) since `window_start`.
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last attempt, and when the next one may come.
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retry_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OneTimeLink(db.Model):
    """A single-use link sent by e-mail: an invitation (choose a password) or a password reset.
    Only the SHA-256 of its secret is stored."""

    __tablename__ = "auth_one_time_links"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # `invitation` | `reset`
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("auth_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(db.Model):
    """A second-factor recovery code (its SHA-256), good once."""

    __tablename__ = "auth_recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUIDType, ForeignKey("auth_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AccessRequest(db.Model):
    """A health professional known to Pro Santé Connect but to no account, asking for one."""

    __tablename__ = "auth_access_requests"
    __table_args__ = (
        # One pending request per person: a second PSC login finds the first.
        Index(
            "uq_auth_access_requests_pending",
            "idnps",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    idnps: Mapped[str] = mapped_column(String(32))
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    # `SubjectRefPro.exercices[].codeProfession`, comma-separated (`10` médecin, `60` infirmier…)
    professions: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUIDType, ForeignKey("auth_users.id", ondelete="SET NULL")
    )
