"""Calendar feeds: issue and revoke a user's secret address, render their iCalendar feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.agenda.bookings.models import Booking
from services.agenda.calendar.models import CalendarFeed
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from shared.auth.principal import Principal
from shared.db import unit_of_work
from shared.errors import NotFound
from shared.extensions import db
from shared.timeutil import utcnow

PAST = dt.timedelta(days=31)
FUTURE = dt.timedelta(days=366)
KIND_LABELS = {"snp": "Soins non programmés", "teleconsultation": "Téléconsultation assistée"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed(*, principal: Principal) -> str:
    """A new secret token for the caller's feed; any previous address stops working."""
    # A random UUID (122 bits from the OS's CSPRNG): unguessable, and shaped like every other
    # path segment of the API, which carry ids and never free text.
    token = str(uuid.uuid4())
    with unit_of_work() as session:
        _revoke_all(session, principal)
        session.add(
            CalendarFeed(
                user_id=principal.user_id,
                professional_id=principal.professional_id,
                token_hash=_hash(token),
            )
        )
    return token


def revoke_feed(*, principal: Principal) -> None:
    """Revoke the caller's feed address (404 when there is none)."""
    with unit_of_work() as session:
        if not _revoke_all(session, principal):
            raise NotFound("Aucun flux de calendrier actif.")


def _revoke_all(session: Session, principal: Principal) -> int:
    feeds = list(
        session.scalars(
            select(CalendarFeed).where(
                CalendarFeed.user_id == principal.user_id, CalendarFeed.revoked_at.is_(None)
            )
        )
    )
    for feed in feeds:
        feed.revoked_at = utcnow()
    return len(feeds)


def feed_for_token(token: str) -> CalendarFeed:
    """The active feed behind a secret token, or `NotFound` (revoked and unknown look alike)."""
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None:
        raise NotFound("Flux de calendrier introuvable ou révoqué.")
    return feed


def _doctor(professional: Professional | None) -> str:
    if professional is None:
        return "professionnel"
    prefix = "Dr " if professional.profession == "gp" else ""
    return f"{prefix}{professional.first_name} {professional.last_name}"


def render_feed(feed: CalendarFeed) -> bytes:
    """The feed's slots and bookings as iCalendar; never a patient's identity or reason."""
    now = utcnow()
    since, until = now - PAST, now + FUTURE
    calendar = Calendar()
    calendar.add("prodid", "-//Relais//Agenda partagé CPTS//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Relais — agenda CPTS")
    calendar.add("x-wr-timezone", "Europe/Paris")
    if feed.professional_id is not None:
        rows = db.session.execute(
            select(Slot, Booking.id)
            .outerjoin(Booking, (Booking.slot_id == Slot.id) & Booking.cancelled_at.is_(None))
            .where(
                Slot.professional_id == feed.professional_id,
                Slot.withdrawn_at.is_(None),
                Slot.start_at >= since,
                Slot.start_at < until,
            )
            .order_by(Slot.start_at)
        )
        for slot, booking_id in rows:
            status = "réservé" if booking_id else "libre"
            calendar.add_component(
                _event(
                    uid=f"slot-{slot.id}@relais",
                    summary=f"{KIND_LABELS[slot.kind]} — créneau {status}",
                    start=slot.start_at,
                    end=slot.end_at,
                    stamp=slot.created_at,
                    busy=booking_id is not None,
                )
            )
    own_bookings = select(Booking).where(
        Booking.created_by == feed.user_id,
        Booking.cancelled_at.is_(None),
        Booking.start_at >= since,
        Booking.start_at < until,
    )
    if feed.professional_id is not None:
        # A booking on one's own slot is already shown as that slot.
        own_bookings = own_bookings.where(Booking.professional_id != feed.professional_id)
    for booking in db.session.scalars(own_bookings.order_by(Booking.start_at)):
        professional = db.session.get(Professional, booking.professional_id)
        event = _event(
            uid=f"booking-{booking.id}@relais",
            summary=f"{KIND_LABELS[booking.kind]} réservé — {_doctor(professional)}",
            start=booking.start_at,
            end=booking.end_at,
            stamp=booking.created_at,
            busy=True,
        )
        if professional is not None:
            event.add("location", f"{professional.address or ''} {professional.city}".strip())
        calendar.add_component(event)
    return calendar.to_ical()


def _event(
    *, uid: str, summary: str, start: dt.datetime, end: dt.datetime, stamp: dt.datetime, busy: bool
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", start.astimezone(dt.UTC))
    event.add("dtend", end.astimezone(dt.UTC))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("transp", "OPAQUE" if busy else "TRANSPARENT")
    return event
