"""Reading bookings: who may see which, the caller's lists, bookings with their slot, counts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from services.agenda.slots.reads import describe
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR
from shared.cases.service import record_reads
from shared.extensions import db
from shared.periods import Period, during
from shared.timeutil import utcnow
from shared.web.listing import ListPage, Sorts, page_of


def visibility(principal: Principal) -> ColumnElement[bool]:
    """Bookings the caller may see: their own, those on their slots; all for the coordinator."""
    if principal.has(COORDINATOR):
        return true()
    conditions = [Booking.created_by == principal.user_id]
    if principal.professional_id is not None:
        conditions.append(Booking.professional_id == principal.professional_id)
    return or_(*conditions) if conditions else false()


def can_see(booking: Booking, principal: Principal) -> bool:
    """Whether `principal` may read `booking`."""
    return (
        principal.has(COORDINATOR)
        or booking.created_by == principal.user_id
        or (
            principal.professional_id is not None
            and booking.professional_id == principal.professional_id
        )
    )


def list_query(*, principal: Principal, include_cancelled: bool) -> Select[Any]:
    """The caller's bookings (and those on their slots), soonest first."""
    query = select(Booking).where(visibility(principal))
    if not include_cancelled:
        query = query.where(Booking.cancelled_at.is_(None))
    return query.order_by(Booking.start_at, Booking.id)


def active_bookings(*, principal: Principal) -> list[Booking]:
    """The active bookings the caller may see (theirs and those on their slots), soonest first."""
    return list(db.session.scalars(list_query(principal=principal, include_cancelled=False)))


# The bookings page's views, in the order of its tabs (`vues_for` keeps those the user has).
VIEWS = {
    "sur_mes_creneaux": "Patients réservés sur mes créneaux",
    "miennes": "Mes réservations",
    "autres": "Autres réservations",
    "toutes": "Toutes les réservations",
}
PERIODS = {"toutes": "À venir et passées", "a_venir": "À venir", "passees": "Passées"}
SORTS: Sorts = {
    "date": ("Date du rendez-vous", (Booking.start_at,)),
    "date_desc": ("Date du rendez-vous, la plus lointaine d'abord", (Booking.start_at.desc(),)),
    "reservation": ("Réservations les plus récentes", (Booking.created_at.desc(),)),
}


def views_for(principal: Principal) -> list[str]:
    """The views of the bookings page this user has (on my slots: a directory entry;
    the others': the coordinator, who sees every booking)."""
    found = ["miennes"]
    if principal.professional_id is not None:
        found.insert(0, "sur_mes_creneaux")
    if principal.has(COORDINATOR):
        found.append("autres")
    return [*found, "toutes"]


def _view_condition(principal: Principal, view: str) -> ColumnElement[bool]:
    mine = Booking.created_by == principal.user_id
    on_my_slots = (
        Booking.professional_id == principal.professional_id
        if principal.professional_id is not None
        else false()
    )
    conditions = {
        "sur_mes_creneaux": on_my_slots,
        "miennes": mine,
        "autres": ~or_(mine, on_my_slots),
        "toutes": true(),
    }
    return and_(visibility(principal), Booking.cancelled_at.is_(None), conditions[view])


def view_counts(principal: Principal) -> dict[str, int]:
    """How many active bookings each of the user's views holds."""
    return {
        view: db.session.scalar(
            select(func.count()).select_from(Booking).where(_view_condition(principal, view))
        )
        or 0
        for view in views_for(principal)
    }


def booking_page(
    *,
    principal: Principal,
    view: str,
    period: str,
    sort: str,
    page: int,
    per_page: int,
) -> ListPage[dict[str, Any]]:
    """One page of the active bookings of one view, upcoming or past if asked, presented
    with their slot; audited."""
    query = select(Booking).where(_view_condition(principal, view))
    now = utcnow()
    if period == "a_venir":
        query = query.where(Booking.start_at >= now)
    elif period == "passees":
        query = query.where(Booking.start_at < now)
    found = page_of(query.order_by(*SORTS[sort][1], Booking.id), page=page, per_page=per_page)
    record_reads(found.items)
    return ListPage(present(found.items), found.total, found.page, found.per_page)


def present(bookings: list[Booking]) -> list[dict[str, Any]]:
    """Bookings with their slot, ready for `BookingSchema`."""
    slots = {
        slot.id: slot
        for slot in db.session.scalars(
            select(Slot).where(Slot.id.in_({booking.slot_id for booking in bookings}))
        )
    }
    described = {row["id"]: row for row in describe(list(slots.values()))}
    return [
        {
            "id": booking.id,
            "booking": booking,
            "slot": described.get(booking.slot_id),
            "teleconsultation_id": booking.teleconsultation_id,
            "created_at": booking.created_at,
            "cancelled_at": booking.cancelled_at,
        }
        for booking in bookings
    ]


def booked_on_query(*, professional_id: uuid.UUID, day: dt.date) -> Select[int]:
    """The count of a professional's active bookings on a given day (Paris time)."""
    return (
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.professional_id == professional_id,
            Booking.cancelled_at.is_(None),
            during(Booking.start_at, Period(day, day)),
        )
    )
