"""Every table of the notifications service (imported for migrations)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.extensions import db
from shared.timeutil import utcnow
from shared.types import UTCDateTime, UUIDType

CHANNELS = ("inbox", "email")
STATUSES = ("pending", "sent", "failed", "dead")


class Delivery(db.Model):
    """One notification of one event to one user through one channel.

    The unique (event, user, channel) triple is the idempotency key: however often an event is
    handed over, it yields one row, hence one e-mail and one inbox entry.
    """

    __tablename__ = "notifications_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "channel", name="uq_notifications_deliveries_key"),
        Index("ix_notifications_deliveries_status", "status", "digest"),
    )

    # Derived from the idempotency key (uuid5), so a re-run computes the same id.
    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    event_name: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(32), index=True)
    # The user's id; for a directory professional without account (e-mail only), the
    # directory entry's id.
    user_id: Mapped[uuid.UUID] = mapped_column(UUIDType, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    digest: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    # A sender holds the delivery until then; a killed sender's claim simply runs out.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class InboxItem(db.Model):
    """An in-app notification shown in one user's inbox."""

    __tablename__ = "notifications_inbox"
    __table_args__ = (Index("ix_notifications_inbox_user", "user_id", "read_at", "created_at"),)

    # The id of the inbox delivery it comes from: one entry per delivery, ever.
    id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUIDType)
    event_name: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Preference(db.Model):
    """A user's notification choices (defaults apply while no row exists)."""

    __tablename__ = "notifications_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(UUIDType, primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(default=True)
    daily_digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
