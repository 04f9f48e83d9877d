"""Use cases of notifications: turn an event into deliveries, send them, mark the inbox read,
change preferences; reads are in `reads.py`."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.notifications import mailer
from services.notifications.events import EVENTS, DirectoryAddress, Notice, shared_lookups
from services.notifications.models import Delivery, InboxItem, Preference
from services.notifications.rendering import Rendered, render, title_of
from shared.auth.models import User
from shared.db import unit_of_work
from shared.errors import NotFound
from shared.extensions import db
from shared.outbox.models import OutboxEvent
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


def _insert_ignoring_duplicates(model: type, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert rows unless their key exists (no check-then-insert); returns the inserted ids."""
    if not rows:
        return set()
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = model.__table__  # type: ignore[attr-defined]
    primary_key = next(iter(table.primary_key.columns))
    # One statement compiled once and cached, whatever the number of rows: the driver sends
    # them in multi-row batches ("insertmanyvalues").
    statement = insert(table).on_conflict_do_nothing().returning(primary_key)
    return set(db.session.execute(statement, rows).scalars())


def process_event(event_id: uuid.UUID, *, now: dt.datetime | None = None, batch: int = 1) -> str:
    """Record the deliveries of one outbox event, send its e-mails, then confirm it; with
    `batch` > 1, do the same in the same transactions for up to `batch - 1` other events that
    nobody has started on yet (the oldest first), whose own jobs then find them done.

    Safe to run any number of times, concurrently too: rows are keyed by the idempotency key,
    each event is taken by one sender at a time (`FOR UPDATE SKIP LOCKED`: an event another
    sender holds is left to it) and each e-mail is sent only by whoever holds its claim. Two
    transactions when there are e-mails to send: record and claim, then (after sending)
    outcomes and confirmation; one when there are none (inbox only, digest, no SMTP).
    """
    now = now or utcnow()
    try:
        taken = _take_and_record(event_id, batch=batch, now=now)
    except Exception:
        if batch <= 1:
            raise
        # One of the other events may be what fails: the job's own event on its own, then.
        log.warning("notifications: batch with event %s failed, retried alone", event_id)
        taken = _take_and_record(event_id, batch=1, now=now)
    if not taken.claimed:
        return taken.own_status
    results = _send_claimed(_settings(), taken, event_id)
    with unit_of_work():
        sent = [delivery for delivery, _, outcome, _ in results if outcome == "sent"]
        record_sent(sent)
        own_failed = False
        for delivery, owner, outcome, error in results:
            if outcome == "sent":
                continue
            if outcome == "unsent":
                _release(delivery)
            elif record_outcome(delivery, outcome, error) == "failed" and owner == event_id:
                own_failed = True
        confirmed = _confirm_and_erase(taken.events, taken.verbatim, now=utcnow())
    if own_failed:
        raise DeliveryDelayed(f"event {event_id}: e-mail delivery delayed")
    if not taken.own:
        return taken.own_status
    return _delivered_or_not(event_id, confirmed)


@dataclass
class _Taken:
    """What the first transaction of `process_event` took: its events (the job's own first,
    when it could take it), their claimed e-mails, and the job's own outcome so far."""

    own: bool
    own_status: str
    events: list[OutboxEvent] = field(default_factory=list)
    claimed: list[Any] = field(default_factory=list)
    verbatim: set[uuid.UUID] = field(default_factory=set)


def _take_and_record(event_id: uuid.UUID, *, batch: int, now: dt.datetime) -> _Taken:
    """The first transaction: take the events, write their deliveries and inbox entries (for
    those without any yet), confirm those without recipients, claim the e-mails to send."""
    with unit_of_work() as session:
        state, events = take_events(event_id, batch=batch)
        own = state == "taken"
        # Otherwise gone or confirmed ("done"), or another sender holds it right now.
        own_status = "in progress" if state != "done" else "done"
        if not events:
            return _Taken(own, own_status)
        recorded = set(
            session.scalars(
                select(Delivery.event_id)
                .where(Delivery.event_id.in_([e.id for e in events]))
                .distinct()
            )
        )
        ignored: list[uuid.UUID] = []
        notified: list[OutboxEvent] = []
        planned: list[tuple[OutboxEvent, Notice, list[User], list[DirectoryAddress]]] = []
        verbatim: set[uuid.UUID] = set()
        with shared_lookups():  # the batch's events look the same people up once
            for outbox_event in events:
                notice = EVENTS.get(outbox_event.name)
                if notice is None:
                    log.info(
                        "notifications: no recipients declared for event %s, acknowledged",
                        outbox_event.name,
                    )
                    ignored.append(outbox_event.id)
                    continue
                if outbox_event.id not in recorded:  # else written whole by an earlier run
                    try:
                        planned.append(
                            (outbox_event, notice, *_recipients(notice, outbox_event.payload))
                        )
                    except Exception:
                        if outbox_event.id == event_id:
                            raise
                        # Left to its own job, which reports what is wrong with it.
                        log.warning("notifications: event %s left to its own job", outbox_event.id)
                        continue
                notified.append(outbox_event)
                if notice.verbatim:
                    verbatim.add(outbox_event.id)
        deliveries: list[dict[str, Any]] = []
        inbox: list[dict[str, Any]] = []
        preferences = _preferences({user.id for *_, users, _ in planned for user in users})
        for outbox_event, notice, users, addresses in planned:
            rows, items = delivery_rows(
                outbox_event, notice, users, addresses, preferences, now=now
            )
            deliveries += rows
            inbox += items
        inserted = _insert_ignoring_duplicates(Delivery, deliveries)
        _insert_ignoring_duplicates(InboxItem, [item for item in inbox if item["id"] in inserted])
        if ignored:
            _confirm_settled(ignored, now=now)
            if own and events[0].id in ignored:
                own_status = "ignored"
        claimed = _claim_emails([e.id for e in notified], now=now)
        if not claimed:
            # Nothing to send by us: confirm now what nothing is left for anyone else either.
            confirmed = _confirm_and_erase(notified, verbatim, now=now)
            if own and own_status != "ignored":
                own_status = _delivered_or_not(event_id, confirmed)
        return _Taken(own, own_status, notified, claimed, verbatim)


def _confirm_and_erase(
    events: list[OutboxEvent], verbatim: set[uuid.UUID], *, now: dt.datetime
) -> set[uuid.UUID]:
    """Confirm those of `events` that nothing is left to send for, and erase the text of those
    that carried it verbatim (`verbatim`) once confirmed; returns the ids confirmed."""
    confirmed = _confirm_settled([e.id for e in events], now=now)
    for verbatim_event in verbatim & confirmed:
        _erase_text(verbatim_event)
    return confirmed


def _delivered_or_not(event_id: uuid.UUID, confirmed: set[uuid.UUID]) -> str:
    """The job's own outcome: `delivered` once its event is confirmed (by this transaction or
    an earlier one), `in progress` while another sender still has e-mails of it to send."""
    return "delivered" if event_id in confirmed or _is_confirmed(event_id) else "in progress"


def take_events(event_id: uuid.UUID, *, batch: int = 1) -> tuple[str, list[OutboxEvent]]:
    """Lock, for this transaction, event `event_id` unless it is confirmed or gone (`done`) or
    another sender holds it (`held`), and up to `batch - 1` other unconfirmed events that have
    no delivery yet and that no other sender holds, the oldest first; returns the state of
    `event_id` (`taken`, `held` or `done`) and the events taken, it first (`SKIP LOCKED`;
    SQLite runs one writer at a time anyway).

    A job whose event is done already still takes the others: an event committed a moment
    ago is then sent by the next job any worker runs, not once the queue reaches its own."""
    processed = db.session.execute(
        select(OutboxEvent.processed_at).where(OutboxEvent.id == event_id)
    ).first()
    own: list[OutboxEvent] = []
    if processed is not None and processed[0] is None:
        own = list(
            db.session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.id == event_id, OutboxEvent.processed_at.is_(None))
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        )
        state = "taken" if own else "held"
    else:
        state = "done"
    if batch <= 1:
        return state, own
    recorded = select(Delivery.id).where(Delivery.event_id == OutboxEvent.id).exists()
    others = db.session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None), OutboxEvent.id != event_id, ~recorded)
        .order_by(OutboxEvent.created_at)
        .limit(batch - 1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    return state, [*own, *others]


def _send_claimed(
    settings: Settings, taken: _Taken, own_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID, str, str | None]]:
    """Send the claimed e-mails, the job's own event's first: (delivery, event, outcome,
    error). The other events' e-mails are sent while the server takes them and for at most
    `SMTP_TIMEOUT_SECONDS`; the rest come back `unsent` (released for another try)."""
    order = {e.id: index for index, e in enumerate(taken.events)}
    rows = sorted(taken.claimed, key=lambda row: order.get(row.event_id, len(order)))
    deadline = time.monotonic() + settings.smtp_timeout_seconds
    results: list[tuple[uuid.UUID, uuid.UUID, str, str | None]] = []
    stopped = False
    for row in rows:
        if row.event_id != own_id and (stopped or time.monotonic() > deadline):
            results.append((row.id, row.event_id, "unsent", None))
            continue
        outcome, error = send_email(settings, _mail(settings, row))
        # A server that failed once is not tried again for the other events' e-mails.
        stopped = stopped or outcome != "sent" and outcome != "dead"
        results.append((row.id, row.event_id, outcome, error))
    return results


def _recipients(
    notice: Notice, payload: dict[str, Any]
) -> tuple[list[User], list[DirectoryAddress]]:
    """The accounts to notify, and the directory entries without account to e-mail."""
    # The author of a change knows about it: telling them would only be noise.
    actor = str(payload.get("actor_user_id") or "")
    users: dict[uuid.UUID, User] = {}
    addresses: dict[uuid.UUID, DirectoryAddress] = {}
    for resolve in notice.recipients:
        for person in resolve(payload):
            if isinstance(person, DirectoryAddress):
                addresses.setdefault(person.directory_id, person)
            elif str(person.id) != actor:
                users.setdefault(person.id, person)
    return list(users.values()), list(addresses.values())


def _preferences(user_ids: set[uuid.UUID]) -> dict[uuid.UUID, Preference]:
    """The preferences of these users who changed the defaults, in one query."""
    if not user_ids:
        return {}
    return {
        preference.user_id: preference
        for preference in db.session.scalars(
            select(Preference).where(Preference.user_id.in_(user_ids))
        )
    }


def delivery_rows(
    event: OutboxEvent,
    notice: Notice,
    users: list[User],
    addresses: list[DirectoryAddress],
    preferences: dict[uuid.UUID, Preference],
    *,
    now: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of one event for its recipients: one inbox entry and, by preference, one
    e-mail delivery per account, one e-mail per directory address (deliveries, then inbox
    entries, each keyed by its delivery's id)."""
    if not users and not addresses:
        return [], []
    settings = _settings()
    rendered = render(
        notice, reference=event.reference, payload=event.payload, public_url=settings.public_url
    )
    inbox_rows, email_rows = [], []
    for user in users:
        preference = preferences.get(user.id)
        inbox_rows.append(
            _delivery_values(event, user, "inbox", rendered, now)
            | {"status": "sent", "attempts": 1, "sent_at": now, "digest": False}
        )
        if settings.smtp_url and (preference is None or preference.email_enabled):
            email_rows.append(
                _delivery_values(event, user, "email", rendered, now)
                | {
                    "status": "pending",
                    "sent_at": None,
                    "digest": bool(preference and preference.daily_digest),
                }
            )
    if settings.smtp_url:
        # No account, no inbox nor preferences: one e-mail to the directory's MSSanté address,
        # keyed by the directory entry's id (never a user id) so re-runs add nothing.
        email_rows += [
            _delivery_values(event, address, "email", rendered, now)
            | {"status": "pending", "sent_at": None, "digest": False}
            for address in addresses
        ]
    title = title_of(rendered.subject)
    inbox = [
        {
            "id": row["id"],
            "user_id": row["user_id"],
            "event_name": event.name,
            "reference": event.reference,
            "title": title,
            "body": rendered.summary,
            "link": row["link"],
            "created_at": now,
        }
        for row in inbox_rows
    ]
    return inbox_rows + email_rows, inbox


def _delivery_values(
    event: OutboxEvent,
    person: User | DirectoryAddress,
    channel: str,
    rendered: Rendered,
    now: dt.datetime,
) -> dict[str, Any]:
    key = person.directory_id if isinstance(person, DirectoryAddress) else person.id
    return {
        "id": delivery_id(event.id, key, channel),
        "event_id": event.id,
        "event_name": event.name,
        "reference": event.reference,
        "user_id": key,
        "channel": channel,
        "recipient": person.email,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        # The inbox is a page of the application: its link is relative; an e-mail's is not.
        "link": rendered.path if channel == "inbox" else rendered.link,
        "created_at": now,
        "attempts": 0,
        "last_error": None,
        "claimed_until": None,
    }


def _claim_emails(event_ids: list[uuid.UUID], *, now: dt.datetime) -> list[Any]:
    """Claim the events' unsent e-mails not held by a live claim of another sender."""
    if not event_ids:
        return []
    lease = now + dt.timedelta(seconds=_settings().delivery_lease_seconds)
    return list(
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.event_id.in_(event_ids),
                Delivery.channel == "email",
                Delivery.digest.is_(False),
                Delivery.status.in_(UNSETTLED),
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .values(claimed_until=lease)
            .returning(
                Delivery.id,
                Delivery.event_id,
                Delivery.recipient,
                Delivery.subject,
                Delivery.body_text,
                Delivery.body_html,
            )
        ).all()
    )


def _confirm_settled(event_ids: list[uuid.UUID], *, now: dt.datetime) -> set[uuid.UUID]:
    """Confirm, in one statement, those of the events none of whose immediate e-mails is left
    to send; returns the ids this statement confirmed."""
    if not event_ids:
        return set()
    unsettled = (
        select(Delivery.id)
        .where(
            Delivery.event_id == OutboxEvent.id,
            Delivery.channel == "email",
            Delivery.digest.is_(False),
            Delivery.status.in_(UNSETTLED),
        )
        .exists()
    )
    return set(
        db.session.scalars(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(event_ids), OutboxEvent.processed_at.is_(None), ~unsettled)
            .values(processed_at=now)
            .returning(OutboxEvent.id)
        )
    )


def _is_confirmed(event_id: uuid.UUID) -> bool:
    return (
        db.session.scalar(select(OutboxEvent.processed_at).where(OutboxEvent.id == event_id))
        is not None
    )


def _release(delivery: uuid.UUID) -> None:
    """Give back the claim of an e-mail left unsent, for the next sender to try it."""
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def _erase_text(event_id: uuid.UUID) -> None:
    """Blank a settled verbatim e-mail (its single-use link is a secret) in the event and its
    delivery; the recipient, subject and outcome stay."""
    db.session.execute(
        update(Delivery).where(Delivery.event_id == event_id).values(body_text="", body_html="")
    )
    db.session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event_id)
        .values(payload={"erased": True})
        .execution_options(synchronize_session=False)
    )


def _mail(settings: Settings, row: Any) -> mailer.OutgoingEmail:
    return mailer.OutgoingEmail(
        sender=settings.mail_from,
        to=row.recipient,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        message_id=f"<{row.id}@relais>",
    )


def send_email(settings: Settings, mail: mailer.OutgoingEmail) -> tuple[str, str | None]:
    """Hand one e-mail to SMTP: (`sent` | `dead` | `delayed` | `tls_failed`, error)."""
    try:
        mailer.send(settings, mail)
    except mailer.PermanentFailure as exc:
        return "dead", str(exc)
    except mailer.TlsFailure as exc:
        return "tls_failed", str(exc)
    except mailer.TransientFailure as exc:
        return "delayed", str(exc)
    return "sent", None


def record_sent(deliveries: list[uuid.UUID]) -> int:
    """Mark the e-mails SMTP accepted as sent, in one statement inside the caller's unit of
    work, and release their claims; returns how many."""
    if not deliveries:
        return 0
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(deliveries))
            .values(
                attempts=Delivery.attempts + 1,
                claimed_until=None,
                last_error=None,
                status="sent",
                sent_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount or 0


def record_outcome(delivery: uuid.UUID, outcome: str, error: str | None) -> str | None:
    """Store a send's outcome and release the claim, inside the caller's unit of work; returns
    the delivery's new status (None if another sender had settled it meanwhile).

    A server that is down (`delayed`) leaves the delivery `failed`, retried for as long as it
    takes; a TLS failure (`tls_failed`) does too, until the delivery has been tried once plus
    once per `DELIVERY_RETRY_SECONDS` interval: then it is `dead`, like a 5xx refusal."""
    attempts = Delivery.attempts + 1
    tries = 1 + len(_settings().delivery_retry_seconds)
    status: Any = {
        "sent": "sent",
        "dead": "dead",
        "tls_failed": case((attempts >= tries, "dead"), else_="failed"),
    }.get(outcome, "failed")
    values: dict[str, Any] = {
        "attempts": attempts,
        "claimed_until": None,
        "last_error": error[:2000] if error else None,
        "status": status,
    }
    statement = update(Delivery).where(Delivery.id == delivery)
    if outcome == "sent":
        values["sent_at"] = utcnow()
    else:
        # A sender whose claim ran out must not undo another sender's success.
        statement = statement.where(Delivery.status.in_(UNSETTLED))
        log.warning("notifications: delivery %s %s", delivery, outcome)
    return db.session.scalar(statement.values(**values).returning(Delivery.status))


def mark_read(*, item_id: uuid.UUID, user_id: uuid.UUID) -> InboxItem:
    """Mark one of the caller's inbox entries as read (404 for anyone else's)."""
    with unit_of_work() as session:
        item = session.get(InboxItem, item_id)
        if item is None or item.user_id != user_id:
            raise NotFound("Notification introuvable.")
        if item.read_at is None:
            item.read_at = utcnow()
    return item


def mark_all_read(*, user_id: uuid.UUID) -> int:
    """Mark every unread inbox entry of the user read in one UPDATE; returns how many."""
    with unit_of_work() as session:
        result = session.execute(
            update(InboxItem)
            .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return result.rowcount or 0


def update_preferences(*, user_id: uuid.UUID, changes: dict[str, bool]) -> Preference:
    """Change the user's e-mail and digest choices."""
    with unit_of_work() as session:
        _insert_ignoring_duplicates(
            Preference,
            [
                {
                    "user_id": user_id,
                    "email_enabled": True,
                    "daily_digest": False,
                    "updated_at": utcnow(),
                }
            ],
        )
        preference = session.get(Preference, user_id, populate_existing=True)
        assert preference is not None
        for key, value in changes.items():
            setattr(preference, key, value)
        preference.updated_at = utcnow()
    return preference
