"""Persistence of users, their roles, API tokens, page sessions and failed logins."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType, new_uuid


class User(db.Model):
    __tablename__ = "auth_users"

    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    professional_id: Mapped[uuid.UUID | None] = mapped_column(UUIDType, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)


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
