"""Use cases of notifications: turn an event into deliveries, send them, read the inbox."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.notifications import mailer
from services.notifications.events import EVENTS, Notice
from services.notifications.models import Delivery, InboxItem, Preference
from services.notifications.rendering import Rendered, render
from shared.auth.models import User
from shared.db import unit_of_work
from shared.errors import NotFound
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.outbox.relay import confirm_event
from shared.settings import Settings
from shared.timeutil import utcnow

log = logging.getLogger(__name__)
# uuid5 namespace of delivery ids: the same (event, user, channel) always gives the same id.
DELIVERY_NAMESPACE = uuid.UUID("6f1c1c52-6a53-4d7e-9a0e-3c0f7f3b8d21")
UNSETTLED = ("pending", "failed")


class DeliveryDelayed(Exception):
    """Some e-mails of an event could not be sent yet; the job is retried later."""


def _settings() -> Settings:
    return current_app.config["RELAIS_SETTINGS"]


def delivery_id(event_id: uuid.UUID, user_id: uuid.UUID, channel: str) -> uuid.UUID:
    """The id derived from the idempotency key (event × recipient × channel)."""
    return uuid.uuid5(DELIVERY_NAMESPACE, f"{event_id}:{user_id}:{channel}")


def _insert_ignoring_duplicates(model: type, values: dict[str, Any]) -> bool:
    """Insert one row unless its key exists (no check-then-insert); True when inserted."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = db.session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


def process_event(event_id: uuid.UUID, *, now: dt.datetime | None = None) -> str:
    """Record the deliveries of one outbox event, send its e-mails, then confirm it.

    Safe to run any number of times, concurrently too: rows are keyed by the idempotency key
    and each e-mail is sent by whoever holds its claim.
    """
    now = now or utcnow()
    event = db.session.get(OutboxEvent, event_id, populate_existing=True)
    if event is None or event.processed_at is not None:
        return "done"
    notice = EVENTS.get(event.name)
    if notice is None:
        log.info("notifications: no recipients declared for event %s, acknowledged", event.name)
        with unit_of_work():
            confirm_event(event.id, now=now)
        return "ignored"
    record_deliveries(event, notice, now=now)
    outcomes = [send_delivery(did, now=utcnow()) for did in _unsettled_emails(event.id)]
    if "delayed" in outcomes:
        raise DeliveryDelayed(f"event {event.id}: e-mail delivery delayed")
    with unit_of_work():
        if not _unsettled_emails(event.id):
            confirm_event(event.id, now=utcnow())
            return "delivered"
    return "in progress"


def _recipients(notice: Notice, payload: dict[str, Any]) -> list[User]:
    # The author of a change knows about it: telling them would only be noise.
    actor = str(payload.get("actor_user_id") or "")
    users: dict[uuid.UUID, User] = {}
    for resolve in notice.recipients:
        for user in resolve(payload):
            if str(user.id) != actor:
                users.setdefault(user.id, user)
    return list(users.values())


def record_deliveries(event: OutboxEvent, notice: Notice, *, now: dt.datetime) -> None:
    """Write one inbox entry and, by preference, one e-mail delivery per recipient (once)."""
    settings = _settings()
    rendered = render(
        notice, reference=event.reference, payload=event.payload, public_url=settings.public_url
    )
    with unit_of_work() as session:
        users = _recipients(notice, event.payload)
        preferences = {
            pref.user_id: pref
            for pref in session.scalars(
                select(Preference).where(Preference.user_id.in_([u.id for u in users]))
            )
        }
        for user in users:
            preference = preferences.get(user.id) or Preference(
                email_enabled=True, daily_digest=False
            )
            _record_inbox(event, user, rendered, now=now)
            if settings.smtp_url and preference.email_enabled:
                _insert_ignoring_duplicates(
                    Delivery,
                    _delivery_values(event, user, "email", rendered, now)
                    | {"status": "pending", "digest": bool(preference.daily_digest)},
                )


def _delivery_values(
    event: OutboxEvent, user: User, channel: str, rendered: Rendered, now: dt.datetime
) -> dict[str, Any]:
    return {
        "id": delivery_id(event.id, user.id, channel),
        "event_id": event.id,
        "event_name": event.name,
        "reference": event.reference,
        "user_id": user.id,
        "channel": channel,
        "recipient": user.email,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "link": rendered.link,
        "created_at": now,
        "attempts": 0,
    }


def _record_inbox(event: OutboxEvent, user: User, rendered: Rendered, *, now: dt.datetime) -> None:
    values = _delivery_values(event, user, "inbox", rendered, now) | {
        "status": "sent",
        "attempts": 1,
        "sent_at": now,
        "digest": False,
    }
    if _insert_ignoring_duplicates(Delivery, values):
        _insert_ignoring_duplicates(
            InboxItem,
            {
                "id": values["id"],
                "user_id": user.id,
                "event_name": event.name,
                "reference": event.reference,
                "title": rendered.subject.removeprefix("[Relais] "),
                "body": rendered.summary,
                "link": rendered.link,
                "created_at": now,
            },
        )


def _unsettled_emails(event_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        db.session.scalars(
            select(Delivery.id).where(
                Delivery.event_id == event_id,
                Delivery.channel == "email",
                Delivery.digest.is_(False),
                Delivery.status.in_(UNSETTLED),
            )
        )
    )


def claim(delivery: uuid.UUID, *, now: dt.datetime) -> bool:
    """Take a delivery for sending unless another sender holds a live claim on it."""
    with unit_of_work() as session:
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery,
                Delivery.status.in_(UNSETTLED),
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .values(claimed_until=now + dt.timedelta(seconds=_settings().delivery_lease_seconds))
        )
        return bool(result.rowcount)


def send_delivery(delivery: uuid.UUID, *, now: dt.datetime) -> str:
    """Send one e-mail delivery: `sent`, `dead` (refused for good), `delayed` or `busy`."""
    if not claim(delivery, now=now):
        return "busy"
    settings = _settings()
    row = db.session.get(Delivery, delivery, populate_existing=True)
    assert row is not None and settings.smtp_url
    mail = mailer.OutgoingEmail(
        sender=settings.mail_from,
        to=row.recipient,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        message_id=f"<{row.id}@relais>",
    )
    return _send_and_record(row.id, settings, mail)


def _send_and_record(delivery: uuid.UUID, settings: Settings, mail: mailer.OutgoingEmail) -> str:
    outcome, error = "sent", None
    try:
        assert settings.smtp_url
        mailer.send(settings.smtp_url, mail, timeout=settings.smtp_timeout_seconds)
    except mailer.PermanentFailure as exc:
        outcome, error = "dead", str(exc)
    except mailer.TransientFailure as exc:
        outcome, error = "delayed", str(exc)
    with unit_of_work():
        values: dict[str, Any] = {
            "attempts": Delivery.attempts + 1,
            "claimed_until": None,
            "last_error": error[:2000] if error else None,
        }
        if outcome == "sent":
            values |= {"status": "sent", "sent_at": utcnow()}
        elif outcome == "dead":
            values |= {"status": "dead"}
        else:
            values |= {"status": "failed"}
        statement = update(Delivery).where(Delivery.id == delivery)
        if outcome != "sent":
            # A sender whose claim ran out must not undo another sender's success.
            statement = statement.where(Delivery.status.in_(UNSETTLED))
        db.session.execute(statement.values(**values))
    if outcome != "sent":
        log.warning("notifications: delivery %s %s", delivery, outcome)
    return outcome


# --- reading -------------------------------------------------------------------------------


def inbox_query(*, user_id: uuid.UUID, unread: bool) -> Select[Any]:
    """The caller's inbox, newest first."""
    query = select(InboxItem).where(InboxItem.user_id == user_id)
    if unread:
        query = query.where(InboxItem.read_at.is_(None))
    return query.order_by(InboxItem.created_at.desc(), InboxItem.id)


def mark_read(*, item_id: uuid.UUID, user_id: uuid.UUID) -> InboxItem:
    """Mark one of the caller's inbox entries as read (404 for anyone else's)."""
    with unit_of_work() as session:
        item = session.get(InboxItem, item_id)
        if item is None or item.user_id != user_id:
            raise NotFound("Notification introuvable.")
        if item.read_at is None:
            item.read_at = utcnow()
    return item


def unread_count(*, user_id: uuid.UUID) -> int:
    """How many inbox entries the user has not read."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(InboxItem)
            .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
        )
        or 0
    )


def deliveries_for(*, reference: str) -> list[Delivery]:
    """Every delivery about one case, oldest first (coordination's view of who was told)."""
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.reference == reference)
            .order_by(Delivery.created_at, Delivery.channel, Delivery.recipient)
        )
    )


def preferences_of(*, user_id: uuid.UUID) -> Preference:
    """The user's preferences (the defaults when never changed)."""
    return db.session.get(Preference, user_id) or Preference(
        user_id=user_id, email_enabled=True, daily_digest=False
    )


def update_preferences(*, user_id: uuid.UUID, changes: dict[str, bool]) -> Preference:
    """Change the user's e-mail and digest choices."""
    with unit_of_work() as session:
        _insert_ignoring_duplicates(
            Preference,
            {
                "user_id": user_id,
                "email_enabled": True,
                "daily_digest": False,
                "updated_at": utcnow(),
            },
        )
        preference = session.get(Preference, user_id, populate_existing=True)
        assert preference is not None
        for key, value in changes.items():
            setattr(preference, key, value)
        preference.updated_at = utcnow()
    return preference
