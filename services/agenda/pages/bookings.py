"""Agenda pages of bookings: book a slot in two clicks, my bookings, cancel."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.agenda.bookings import reads, service
from services.agenda.bookings.schemas import BookingCreateSchema
from services.agenda.pages.blueprint import blueprint
from services.agenda.pages.forms import BOOKING_FIELDS, KIND_LABELS
from services.agenda.slots.reads import describe_slot
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, GP
from shared.errors import InvalidTransition, SlotTaken, ValidationFailed
from shared.http.parsing import load
from shared.schemas import String, one_of
from shared.timeutil import today_paris
from shared.web.case_pages import page_principal
from shared.web.forms import FormState, form_body
from shared.web.listing import ListQuerySchema, ListView, list_args, sort_choices
from shared.web.pages import page
from shared.web.patient import patient_body_skeleton
from shared.web.registry import CountedTask


def tasks(principal: Principal) -> list[CountedTask]:
    """A GP's patients booked on their slots today."""
    if principal.professional_id is None or not principal.has(GP):
        return []
    today = reads.booked_on_query(professional_id=principal.professional_id, day=today_paris())
    url = url_for(f"{blueprint.name}.my_bookings")
    return [CountedTask("Patients réservés sur vos créneaux aujourd'hui", today, url)]


@blueprint.get("/slots/<uuid:slot_id>/book")
@page(*CLINICAL_ROLES)
def book_form(slot_id: uuid.UUID) -> ResponseReturnValue:
    """The second click: the patient and the reason, for this slot."""
    slot = describe_slot(slot_id)
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
    slot = describe_slot(slot_id)
    try:
        body = patient_body_skeleton(form_body(request.form, BOOKING_FIELDS))
        data = load(BookingCreateSchema(), body)
        service.book_slot(slot_id=slot_id, data=data, principal=page_principal())
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


class BookingListQuerySchema(ListQuerySchema):
    """The bookings page's query string: the view, the period, the order, the page."""

    vue = String(load_default=None, validate=one_of(tuple(reads.VIEWS)))
    periode = String(load_default="toutes", validate=one_of(tuple(reads.PERIODS)))
    sort = String(load_default="date", validate=one_of(tuple(reads.SORTS)))


@blueprint.get("/bookings")
@page(*CLINICAL_ROLES)
def my_bookings() -> ResponseReturnValue:
    """Bookings I made; for a GP, also who booked what on their slots; for the coordinator,
    every booking: one view at a time, a page at a time."""
    principal = page_principal()
    schema = BookingListQuerySchema()
    args = list_args(schema)
    views = reads.views_for(principal)
    if args["vue"] is None or args["vue"] not in views:
        args["vue"] = views[0]
    found = reads.booking_page(
        principal=principal,
        view=args["vue"],
        period=args["periode"],
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return render_template(
        "agenda/bookings.html",
        result=found,
        view=ListView.of(f"{blueprint.name}.my_bookings", schema, args),
        views=views,
        view_labels=reads.VIEWS,
        counts=reads.view_counts(principal),
        periods=reads.PERIODS,
        sorts=sort_choices(reads.SORTS),
        with_booker=args["vue"] != "miennes",
        kinds=KIND_LABELS,
    )


@blueprint.post("/bookings/<uuid:booking_id>/cancel")
@page(*CLINICAL_ROLES)
def cancel_booking(booking_id: uuid.UUID) -> ResponseReturnValue:
    """Cancel a booking, which frees the slot."""
    try:
        service.cancel_booking(booking_id=booking_id, principal=page_principal())
    except InvalidTransition as error:
        flash(error.message, "warning")
        return redirect(url_for(".my_bookings"), code=303)
    flash("Réservation annulée : le créneau est de nouveau libre.", "success")
    return redirect(url_for(".my_bookings"), code=303)
