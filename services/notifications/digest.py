"""The daily digest: one e-mail a day gathering the notifications of users who chose it."""

from __future__ import annotations

import datetime as dt
import uuid
from itertools import groupby

from flask import current_app
from sqlalchemy import or_, select, update

from services.notifications import mailer
from services.notifications.models import Delivery
from services.notifications.rendering import render_digest, title_of
from services.notifications.service import UNSETTLED, record_outcome, send_email
from shared.db import unit_of_work
from shared.extensions import db
from shared.settings import Settings
from shared.timeutil import PARIS, utcnow


def digest_cutoff(now: dt.datetime, hour: int) -> dt.datetime | None:
    """Today's digest time in Paris if it has passed, else None (nothing is due yet)."""
    local = now.astimezone(PARIS)
    cutoff = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return cutoff.astimezone(dt.UTC) if local >= cutoff else None


def send_due_digests(now: dt.datetime | None = None) -> int:
    """Send each digest user the notifications gathered before today's digest time; idempotent."""
    settings: Settings = current_app.config["RELAIS_SETTINGS"]
    now = now or utcnow()
    cutoff = digest_cutoff(now, settings.digest_hour)
    if cutoff is None or not settings.smtp_url:
        return 0
    rows = db.session.execute(
        select(Delivery.user_id, Delivery.id)
        .where(
            Delivery.channel == "email",
            Delivery.digest.is_(True),
            Delivery.status.in_(UNSETTLED),
            Delivery.created_at < cutoff,
        )
        .order_by(Delivery.user_id, Delivery.created_at)
    ).all()
    sent = 0
    for user_id, group in groupby(rows, key=lambda row: row.user_id):
        if _send_digest(user_id, [row.id for row in group], settings, now):
            sent += 1
    return sent


def _send_digest(
    user_id: uuid.UUID, ids: list[uuid.UUID], settings: Settings, now: dt.datetime
) -> bool:
    lease = now + dt.timedelta(seconds=settings.delivery_lease_seconds)
    with unit_of_work() as session:
        claimed = session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.status.in_(UNSETTLED),
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .values(claimed_until=lease)
        ).rowcount
    if claimed != len(ids):
        return False  # another sweep is sending this user's digest
    deliveries = list(db.session.scalars(select(Delivery).where(Delivery.id.in_(ids))))
    rendered = render_digest(
        items=[{"title": title_of(d.subject), "link": d.link} for d in deliveries],
        public_url=settings.public_url,
    )
    first = deliveries[0]
    mail = mailer.OutgoingEmail(
        sender=settings.mail_from,
        to=first.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=f"<digest-{first.id}@relais>",
    )
    outcome, error = send_email(settings, mail)
    with unit_of_work():
        # Every delivery of the digest shares the fate of the one e-mail that carried them.
        for delivery in ids:
            record_outcome(delivery, outcome, error)
    return outcome == "sent"
