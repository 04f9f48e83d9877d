"""Slot use cases: publish (one or recurring), withdraw; reads are in `reads.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR
from shared.db import for_update, unit_of_work
from shared.errors import Forbidden, NotFound, SlotTaken, ValidationFailed
from shared.extensions import db
from shared.timeutil import PARIS, exists_in_paris, from_paris, today_paris, utcnow

MAX_SLOT = dt.timedelta(hours=4)


def _paris(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def _publisher(*, principal: Principal, professional_id: uuid.UUID | None) -> Professional:
    """The professional the caller publishes for: a GP for themself, the coordinator for anyone."""
    if professional_id is None:
        if principal.professional_id is None:
            raise ValidationFailed({"professional_id": ["Ce champ est obligatoire."]})
        professional_id = principal.professional_id
    if not principal.has(COORDINATOR) and principal.professional_id != professional_id:
        raise Forbidden("Vous ne pouvez publier que vos propres créneaux.")
    professional = db.session.get(Professional, professional_id)
    if professional is None:
        raise ValidationFailed({"professional_id": ["Professionnel introuvable dans l'annuaire."]})
    return professional


def check_times(start: dt.datetime, end: dt.datetime, *, now: dt.datetime) -> None:
    """Refuse an empty, reversed, over-long or past time range (422, French messages)."""
    errors: dict[str, list[str]] = {}
    if end <= start:
        errors["end"] = ["La fin du créneau doit être postérieure à son début."]
    elif end - start > MAX_SLOT:
        errors["end"] = ["Un créneau dure 4 heures au maximum."]
    if start <= now:
        errors["start"] = ["Un créneau ne peut pas commencer dans le passé."]
    if errors:
        raise ValidationFailed(errors)


def _overlap_error(start: dt.datetime, end: dt.datetime) -> ValidationFailed:
    return ValidationFailed(
        {
            "start": [
                "Ce créneau chevauche un autre créneau publié par ce professionnel "
                f"(le {_paris(start)} – {end.astimezone(PARIS):%H:%M})."
            ]
        },
        "Les créneaux d'un même professionnel ne peuvent pas se chevaucher.",
    )


def _insert_slots(
    *,
    professional: Professional,
    ranges: list[tuple[dt.datetime, dt.datetime]],
    data: dict[str, Any],
    principal: Principal,
) -> list[Slot]:
    """Store a slot of the request's kind and SAS offer per (start, end) UTC range, all or
    none: none when one overlaps a published slot of the professional.

    The check runs inside the write transaction (serialised by BEGIN IMMEDIATE on SQLite); on
    PostgreSQL the exclusion constraint also refuses a concurrent overlapping insert.
    """
    professional_id = professional.id
    slots = [
        Slot(
            professional_id=professional_id,
            kind=data["kind"],
            start_at=start,
            end_at=end,
            created_by=principal.user_id,
            sas_visible=offered_to_sas(data),
        )
        for start, end in ranges
    ]
    first = min(slot.start_at for slot in slots)
    last = max(slot.end_at for slot in slots)
    try:
        with unit_of_work() as session:
            existing = list(
                session.scalars(
                    select(Slot).where(
                        Slot.professional_id == professional_id,
                        Slot.withdrawn_at.is_(None),
                        Slot.start_at < last,
                        Slot.end_at > first,
                    )
                )
            )
            for slot in slots:
                for other in existing:
                    if slot.start_at < other.end_at and other.start_at < slot.end_at:
                        raise _overlap_error(other.start_at, other.end_at)
            session.add_all(slots)
            session.flush()
    except IntegrityError as exc:
        raise _overlap_error(first, last) from exc
    return slots


def offered_to_sas(data: dict[str, Any]) -> bool:
    """Whether new slots go to the SAS: only SNP slots, unless their professional declines."""
    return data["kind"] == "snp" and data.get("sas_visible", True)


def publish_slot(*, data: dict[str, Any], principal: Principal) -> Slot:
    """Publish one slot for a professional (a GP for themself, or the coordinator)."""
    professional = _publisher(principal=principal, professional_id=data["professional_id"])
    start, end = data["start"].astimezone(dt.UTC), data["end"].astimezone(dt.UTC)
    check_times(start, end, now=utcnow())
    [slot] = _insert_slots(
        professional=professional, ranges=[(start, end)], data=data, principal=principal
    )
    return slot


@dataclass(frozen=True)
class Recurrence:
    """Ordinary slots produced by a recurring publication."""

    slots: list[Slot]
    skipped_past: int


def _to_utc(local: dt.datetime) -> dt.datetime:
    """A Paris wall-clock time as UTC (the first one when the autumn change repeats it)."""
    return from_paris(local).astimezone(dt.UTC)


def expand_recurrence(
    *,
    weekday: int,
    start_time: str,
    end_time: str,
    slot_minutes: int,
    count: int | None,
    weeks: int,
    start_date: dt.date,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) in UTC of every slot: local Paris times hold across DST changes."""
    if end_time <= start_time:
        raise ValidationFailed({"end_time": ["L'heure de fin doit suivre l'heure de début."]})
    range_minutes = (int(end_time[:2]) * 60 + int(end_time[3:])) - (
        int(start_time[:2]) * 60 + int(start_time[3:])
    )
    fitting = range_minutes // slot_minutes
    if fitting == 0:
        raise ValidationFailed(
            {"slot_minutes": ["La durée d'un créneau dépasse la plage horaire."]}
        )
    if count is not None and count > fitting:
        raise ValidationFailed(
            {"count": [f"Seuls {fitting} créneaux de {slot_minutes} min tiennent dans la plage."]}
        )
    per_day = count or fitting
    first_day = start_date + dt.timedelta(days=(weekday - start_date.isoweekday()) % 7)
    hours, minutes = map(int, start_time.split(":"))
    ranges = []
    for week in range(weeks):
        day = first_day + dt.timedelta(weeks=week)
        day_start = dt.datetime.combine(day, dt.time(hours, minutes))
        for index in range(per_day):
            # Wall-clock arithmetic, then conversion: 08:00 Paris stays 08:00 across DST.
            local_start = day_start + dt.timedelta(minutes=index * slot_minutes)
            local_end = local_start + dt.timedelta(minutes=slot_minutes)
            if not exists_in_paris(local_start):
                continue  # that hour does not exist on the night of the spring change
            ranges.append((_to_utc(local_start), _to_utc(local_end)))
    return ranges


def publish_recurring(*, data: dict[str, Any], principal: Principal) -> Recurrence:
    """Create the ordinary slots of a recurring publication, all or none."""
    professional = _publisher(principal=principal, professional_id=data["professional_id"])
    today = today_paris()
    start_date = data["start_date"] or today
    if start_date < today:
        raise ValidationFailed({"start_date": ["La date de début ne peut pas être passée."]})
    ranges = expand_recurrence(
        weekday=data["weekday"],
        start_time=data["start_time"],
        end_time=data["end_time"],
        slot_minutes=data["slot_minutes"],
        count=data["count"],
        weeks=data["weeks"],
        start_date=start_date,
    )
    now = utcnow()
    future = [(start, end) for start, end in ranges if start > now]
    if not future:
        raise ValidationFailed({"start_date": ["Tous les créneaux demandés sont déjà passés."]})
    slots = _insert_slots(professional=professional, ranges=future, data=data, principal=principal)
    return Recurrence(slots=slots, skipped_past=len(ranges) - len(future))


def active_booking_exists() -> Any:
    """SQL condition: the slot has an active booking."""
    return exists().where(Booking.slot_id == Slot.id, Booking.cancelled_at.is_(None))


def withdraw_slot(*, slot_id: uuid.UUID, principal: Principal) -> None:
    """Withdraw a free slot (its GP or the coordinator); 409 when it is booked."""
    with unit_of_work() as session:
        slot = session.scalar(
            for_update(select(Slot).where(Slot.id == slot_id, Slot.withdrawn_at.is_(None)))
        )
        if slot is None:
            raise NotFound("Créneau introuvable.")
        if not principal.has(COORDINATOR) and principal.professional_id != slot.professional_id:
            raise Forbidden("Vous ne pouvez retirer que vos propres créneaux.")
        # This slot's bookings only (a bare `active_booking_exists()` would scan every slot).
        booked = exists().where(Booking.slot_id == slot.id, Booking.cancelled_at.is_(None))
        if session.scalar(select(booked)):
            raise SlotTaken("Ce créneau est réservé : annulez d'abord la réservation.")
        slot.withdrawn_at = utcnow()
