"""Reading slots: one slot, free slots near a commune, a professional's slots, a page at a time."""

from __future__ import annotations

import datetime as dt
import uuid
from math import cos, radians
from typing import Any

from sqlalchemy import Select, func, select

from services.agenda.bookings.models import Booking
from services.agenda.directory.models import Professional
from services.agenda.slots.models import Slot
from services.agenda.slots.service import active_booking_exists
from shared.errors import NotFound, ValidationFailed
from shared.extensions import db
from shared.geo import Commune, distance_km, find_by_name, locate
from shared.timeutil import utcnow

KM_PER_DEGREE = 111.0


def get_slot(slot_id: uuid.UUID) -> Slot:
    """One published slot, or `NotFound`."""
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.withdrawn_at is not None:
        raise NotFound("Créneau introuvable.")
    return slot


def describe_slot(slot_id: uuid.UUID) -> dict[str, Any]:
    """One published slot with its professional and availability, or `NotFound`."""
    return describe([get_slot(slot_id)])[0]


def find_commune(*, city: str | None, postal_code: str | None) -> Commune:
    """The commune a search starts from (422 when unknown)."""
    commune = locate(postal_code, city) if postal_code else None
    if commune is None and city:
        matches = find_by_name(city)
        commune = matches[0] if matches else None
    if commune is None:
        raise ValidationFailed({"city": ["Commune inconnue."]})
    return commune


def professionals_near(commune: Commune, radius_km: float) -> dict[uuid.UUID, float]:
    """Directory entries within `radius_km` of `commune`, with their distance."""
    # A bounding box in SQL first, then the exact great-circle distance on what is left.
    lat_span = radius_km / KM_PER_DEGREE
    lon_span = radius_km / (KM_PER_DEGREE * max(cos(radians(commune.latitude)), 0.01))
    rows = db.session.execute(
        select(Professional.id, Professional.latitude, Professional.longitude).where(
            Professional.latitude.between(commune.latitude - lat_span, commune.latitude + lat_span),
            Professional.longitude.between(
                commune.longitude - lon_span, commune.longitude + lon_span
            ),
        )
    )
    found = {}
    for professional_id, latitude, longitude in rows:
        if latitude is None or longitude is None:
            continue
        distance = distance_km(commune.latitude, commune.longitude, latitude, longitude)
        if distance <= radius_km:
            found[professional_id] = round(distance, 1)
    return found


def search_query(
    *,
    start: dt.datetime | None,
    end: dt.datetime | None,
    kind: str | None,
    available: bool | None,
    professional_id: uuid.UUID | None,
    professional_ids: list[uuid.UUID] | None,
) -> Select[Any]:
    """Published slots matching the filters, soonest first."""
    query = select(Slot).where(Slot.withdrawn_at.is_(None))
    if start is not None:
        query = query.where(Slot.start_at >= start)
    if end is not None:
        query = query.where(Slot.start_at < end)
    if kind:
        query = query.where(Slot.kind == kind)
    if professional_id is not None:
        query = query.where(Slot.professional_id == professional_id)
    if professional_ids is not None:
        query = query.where(Slot.professional_id.in_(professional_ids))
    if available is True:
        query = query.where(Slot.start_at > utcnow(), ~active_booking_exists())
    elif available is False:
        query = query.where(active_booking_exists())
    return query.order_by(Slot.start_at, Slot.id)


def _present(
    slot: Slot,
    professional: Professional | None,
    booked: bool,
    distances: dict[uuid.UUID, float] | None,
) -> dict[str, Any]:
    return {
        "id": slot.id,
        "professional_id": slot.professional_id,
        "professional": professional,
        "kind": slot.kind,
        "start_at": slot.start_at,
        "end_at": slot.end_at,
        "available": not booked,
        "sas_visible": slot.sas_visible,
        "distance_km": (distances or {}).get(slot.professional_id),
    }


def search_page(
    query: Select[Any],
    *,
    page: int,
    per_page: int,
    distances: dict[uuid.UUID, float] | None,
) -> dict[str, Any]:
    """One page of `search_query` in a single round trip: slots, professionals, total."""
    paged = (
        query.add_columns(
            Professional,
            active_booking_exists().label("booked"),
            func.count().over().label("total"),
        )
        .join(Professional, Professional.id == Slot.professional_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(paged).all()
    if rows:
        total = rows[0].total
    else:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = [_present(row[0], row[1], row[2], distances) for row in rows]
    if distances is not None:
        # Soonest first; among slots starting together, the nearest first.
        items.sort(key=lambda item: (item["start_at"], item["distance_km"]))
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total or 0,
    }


def describe(slots: list[Slot], distances: dict[uuid.UUID, float] | None = None) -> list[dict]:
    """Slots with their professional, availability and distance, ready to serialise."""
    if not slots:
        return []
    ids = [slot.id for slot in slots]
    booked = set(
        db.session.scalars(
            select(Booking.slot_id).where(Booking.slot_id.in_(ids), Booking.cancelled_at.is_(None))
        )
    )
    professionals = {
        p.id: p
        for p in db.session.scalars(
            select(Professional).where(
                Professional.id.in_({slot.professional_id for slot in slots})
            )
        )
    }
    return [
        _present(slot, professionals.get(slot.professional_id), slot.id in booked, distances)
        for slot in slots
    ]
