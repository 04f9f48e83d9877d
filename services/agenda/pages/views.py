"""Agenda pages: free slots near a commune, booking in two clicks, my bookings; a GP's slots."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from services.agenda.bookings import service as bookings
from services.agenda.bookings.schemas import BookingCreateSchema
from services.agenda.pages.blueprint import blueprint
from services.agenda.pages.forms import (
    BOOKING_FIELDS,
    KIND_LABELS,
    RECURRING_FIELDS,
    SEARCH_FIELDS,
    SLOT_ERROR_FIELDS,
    SLOT_FIELDS,
    SlotFormSchema,
    SlotSearchFormSchema,
)
from services.agenda.slots import service as slots
from services.agenda.slots.schemas import RecurringSlotsSchema
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, GP
from shared.cases.service import record_reads
from shared.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    SlotTaken,
    ValidationFailed,
)
from shared.extensions import db
from shared.http.parsing import load
from shared.timeutil import PARIS, today_paris, utcnow
from shared.web.case_pages import page_principal
from shared.web.forms import FormState, form_body
from shared.web.pages import page
from shared.web.patient import patient_body_skeleton
from shared.web.registry import Task

SEARCH_PAGE_SIZE = 50
MY_SLOTS_DAYS = 60


def tasks(principal: Principal) -> list[Task]:
    """A GP's patients booked on their slots today."""
    if principal.professional_id is None or not principal.has(GP):
        return []
    today = bookings.count_booked_on(professional_id=principal.professional_id, day=today_paris())
    url = url_for(f"{blueprint.name}.my_bookings")
    return [Task("Patients réservés sur vos créneaux aujourd'hui", today, url)]


# --- search and booking -------------------------------------------------------------------


@blueprint.get("/")
@page(*CLINICAL_ROLES)
def search() -> ResponseReturnValue:
    """Free slots near a commune between two days, soonest then nearest first."""
    raw = MultiDict({k: v for k, v in request.args.items() if v.strip()})
    if "city" not in raw:
        today = today_paris()
        values = MultiDict(
            {
                "start_date": today.isoformat(),
                "end_date": (today + dt.timedelta(days=7)).isoformat(),
                "radius_km": "30",
            }
        )
        return render_template(
            "agenda/search.html", form=FormState.blank(SEARCH_FIELDS, values), found=None
        )
    try:
        args = load(SlotSearchFormSchema(), form_body(raw, SEARCH_FIELDS))
        commune = slots.find_commune(city=args["city"], postal_code=args["postal_code"])
        distances = slots.professionals_near(commune, args["radius_km"])
    except ValidationFailed as error:
        form = FormState.failed(SEARCH_FIELDS, raw, error.fields)
        return render_template("agenda/search.html", form=form, found=None), 422
    start = max(dt.datetime.combine(args["start_date"], dt.time(0), tzinfo=PARIS), utcnow())
    end = dt.datetime.combine(args["end_date"] + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS)
    query = slots.search_query(
        start=start,
        end=end,
        kind="snp",
        available=True,
        professional_id=None,
        professional_ids=list(distances),
    )
    found = slots.search_page(query, page=1, per_page=SEARCH_PAGE_SIZE, distances=distances)
    return render_template(
        "agenda/search.html",
        form=FormState.blank(SEARCH_FIELDS, raw),
        found=found,
        commune=commune,
    )


def _slot_view(slot_id: uuid.UUID) -> dict[str, Any]:
    return slots.describe([slots.get_slot(slot_id)])[0]


@blueprint.get("/slots/<uuid:slot_id>/book")
@page(*CLINICAL_ROLES)
def book_form(slot_id: uuid.UUID) -> ResponseReturnValue:
    """The second click: the patient and the reason, for this slot."""
    slot = _slot_view(slot_id)
    if not slot["available"]:
        flash("Ce créneau vient d'être réservé : choisissez-en un autre.", "warning")
        return redirect(url_for(".search"), code=303)
    return render_template(
        "agenda/book.html", slot=slot, form=FormState.blank(BOOKING_FIELDS), kinds=KIND_LABELS
    )


@blueprint.post("/slots/<uuid:slot_id>/book")
@page(*CLINICAL_ROLES)
def book(slot_id: uuid.UUID) -> ResponseReturnValue:
    """Book with the API's schema and service: exactly one booking wins a slot."""
    slot = _slot_view(slot_id)
    try:
        body = patient_body_skeleton(form_body(request.form, BOOKING_FIELDS))
        data = load(BookingCreateSchema(), body)
        bookings.book_slot(slot_id=slot_id, data=data, principal=page_principal())
    except ValidationFailed as error:
        form = FormState.failed(BOOKING_FIELDS, request.form, error.fields)
        return render_template("agenda/book.html", slot=slot, form=form, kinds=KIND_LABELS), 422
    except SlotTaken:
        flash(
            "Ce créneau vient d'être réservé par quelqu'un d'autre : rien n'a été enregistré. "
            "Choisissez un autre créneau.",
            "warning",
        )
        return redirect(url_for(".search"), code=303)
    flash("Réservation enregistrée.", "success")
    return redirect(url_for(".my_bookings"), code=303)


# --- bookings -----------------------------------------------------------------------------


@blueprint.get("/bookings")
@page(*CLINICAL_ROLES)
def my_bookings() -> ResponseReturnValue:
    """Bookings I made; for a GP, also who booked what on their slots."""
    principal = page_principal()
    rows = list(
        db.session.scalars(bookings.list_query(principal=principal, include_cancelled=False))
    )
    record_reads(rows)
    presented = bookings.present(rows)
    mine = [b for b in presented if b["booking"].created_by == principal.user_id]
    on_my_slots = [
        b
        for b in presented
        if principal.professional_id is not None
        and b["booking"].professional_id == principal.professional_id
    ]
    others = [b for b in presented if b not in mine and b not in on_my_slots]
    return render_template(
        "agenda/bookings.html",
        mine=mine,
        on_my_slots=on_my_slots,
        others=others,
        is_gp=principal.has(GP),
        kinds=KIND_LABELS,
    )


@blueprint.post("/bookings/<uuid:booking_id>/cancel")
@page(*CLINICAL_ROLES)
def cancel_booking(booking_id: uuid.UUID) -> ResponseReturnValue:
    """Cancel a booking, which frees the slot."""
    try:
        bookings.cancel_booking(booking_id=booking_id, principal=page_principal())
    except InvalidTransition as error:
        flash(error.message, "warning")
        return redirect(url_for(".my_bookings"), code=303)
    flash("Réservation annulée : le créneau est de nouveau libre.", "success")
    return redirect(url_for(".my_bookings"), code=303)


# --- a GP's slots -------------------------------------------------------------------------


def _my_slots(principal: Principal) -> dict[str, Any]:
    if principal.professional_id is None:
        raise Forbidden("Votre compte n'est pas lié à une fiche de l'annuaire.")
    now = utcnow()
    query = slots.search_query(
        start=now,
        end=now + dt.timedelta(days=MY_SLOTS_DAYS),
        kind=None,
        available=None,
        professional_id=principal.professional_id,
        professional_ids=None,
    )
    return slots.search_page(query, page=1, per_page=500, distances=None)


def _render_my_slots(
    principal: Principal,
    *,
    one: FormState | None = None,
    recurring: FormState | None = None,
    status: int = 200,
) -> tuple[str, int]:
    today = today_paris().isoformat()
    return render_template(
        "agenda/my_slots.html",
        found=_my_slots(principal),
        one=one or FormState.blank(SLOT_FIELDS, MultiDict({"date": today}), prefix="one-"),
        recurring=recurring
        or FormState.blank(
            RECURRING_FIELDS, MultiDict({"slot_minutes": "20", "weeks": "4"}), prefix="rec-"
        ),
        kinds=KIND_LABELS,
        days=MY_SLOTS_DAYS,
    ), status


@blueprint.get("/my-slots")
@page(GP)
def my_slots() -> ResponseReturnValue:
    """My slots of the coming weeks (free or booked), publish one or a series, withdraw."""
    return _render_my_slots(page_principal())


@blueprint.post("/my-slots")
@page(GP)
def publish_slot() -> ResponseReturnValue:
    """Publish one slot typed as a day and two times."""
    principal = page_principal()
    try:
        data = load(SlotFormSchema(), form_body(request.form, SLOT_FIELDS))
        slots.publish_slot(data=data, principal=principal)
    except ValidationFailed as error:
        errors = {SLOT_ERROR_FIELDS.get(k, k): v for k, v in error.fields.items()}
        form = FormState.failed(SLOT_FIELDS, request.form, errors, prefix="one-")
        if error.message != ValidationFailed.default_message:
            form.general_errors.append(error.message)
        return _render_my_slots(principal, one=form, status=422)
    flash("Créneau publié.", "success")
    return redirect(url_for(".my_slots"), code=303)


@blueprint.post("/my-slots/recurring")
@page(GP)
def publish_recurring() -> ResponseReturnValue:
    """Publish a series of slots, all or none (the API's schema and service)."""
    principal = page_principal()
    try:
        data = load(RecurringSlotsSchema(), form_body(request.form, RECURRING_FIELDS))
        result = slots.publish_recurring(data=data, principal=principal)
    except ValidationFailed as error:
        form = FormState.failed(RECURRING_FIELDS, request.form, error.fields, prefix="rec-")
        if error.message != ValidationFailed.default_message:
            form.general_errors.append(error.message)
        return _render_my_slots(principal, recurring=form, status=422)
    flash(f"{len(result.slots)} créneaux publiés.", "success")
    return redirect(url_for(".my_slots"), code=303)


@blueprint.post("/my-slots/<uuid:slot_id>/withdraw")
@page(GP)
def withdraw_slot(slot_id: uuid.UUID) -> ResponseReturnValue:
    """Withdraw a free slot; a booked one stays (cancel the booking first)."""
    try:
        slots.withdraw_slot(slot_id=slot_id, principal=page_principal())
    except SlotTaken as error:
        flash(error.message, "warning")
        return redirect(url_for(".my_slots"), code=303)
    except NotFound:
        flash("Ce créneau a déjà été retiré.", "warning")
        return redirect(url_for(".my_slots"), code=303)
    flash("Créneau retiré.", "success")
    return redirect(url_for(".my_slots"), code=303)
