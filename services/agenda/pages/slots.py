"""Agenda pages of slots: free slots near a commune; a GP's slots (publish, withdraw)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from services.agenda.pages.blueprint import blueprint
from services.agenda.pages.forms import (
    KIND_LABELS,
    RECURRING_FIELDS,
    SEARCH_FIELDS,
    SLOT_ERROR_FIELDS,
    SLOT_FIELDS,
    SlotFormSchema,
    SlotSearchFormSchema,
)
from services.agenda.slots import reads, service
from services.agenda.slots.schemas import RecurringSlotsSchema
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, GP
from shared.errors import Forbidden, NotFound, SlotTaken, ValidationFailed
from shared.http.parsing import load
from shared.periods import Period
from shared.timeutil import today_paris, utcnow
from shared.web.case_pages import page_principal
from shared.web.forms import Field, FormState, form_body
from shared.web.pages import page

SEARCH_PAGE_SIZE = 50
MY_SLOTS_DAYS = 60


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
        commune = reads.find_commune(city=args["city"], postal_code=args["postal_code"])
        distances = reads.professionals_near(commune, args["radius_km"])
    except ValidationFailed as error:
        form = FormState.failed(SEARCH_FIELDS, raw, error.fields)
        return render_template("agenda/search.html", form=form, found=None), 422
    days = Period(args["start_date"], args["end_date"])
    query = reads.search_query(
        start=max(days.start, utcnow()),
        end=days.end,
        kind="snp",
        available=True,
        professional_id=None,
        professional_ids=list(distances),
    )
    found = reads.search_page(query, page=1, per_page=SEARCH_PAGE_SIZE, distances=distances)
    return render_template(
        "agenda/search.html",
        form=FormState.blank(SEARCH_FIELDS, raw),
        found=found,
        commune=commune,
    )


# --- a GP's slots -------------------------------------------------------------------------


def _my_slots(principal: Principal) -> dict[str, Any]:
    if principal.professional_id is None:
        raise Forbidden("Votre compte n'est pas lié à une fiche de l'annuaire.")
    now = utcnow()
    query = reads.search_query(
        start=now,
        end=now + dt.timedelta(days=MY_SLOTS_DAYS),
        kind=None,
        available=None,
        professional_id=principal.professional_id,
        professional_ids=None,
    )
    return reads.search_page(query, page=1, per_page=500, distances=None)


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
        one=one
        or FormState.blank(
            SLOT_FIELDS, MultiDict({"date": today, "sas_visible": "on"}), prefix="one-"
        ),
        recurring=recurring
        or FormState.blank(
            RECURRING_FIELDS,
            MultiDict({"slot_minutes": "20", "weeks": "4", "sas_visible": "on"}),
            prefix="rec-",
        ),
        kinds=KIND_LABELS,
        days=MY_SLOTS_DAYS,
    ), status


def _refused(
    fields: Sequence[Field],
    error: ValidationFailed,
    *,
    prefix: str,
    renamed: Mapping[str, str] | None = None,
) -> FormState:
    """The posted form shown again with the field messages (named as the form names them) and
    the error's own message when it has one (an overlap, a series that is all past)."""
    errors = {(renamed or {}).get(k, k): v for k, v in error.fields.items()}
    form = FormState.failed(fields, request.form, errors, prefix=prefix)
    if error.message != ValidationFailed.default_message:
        form.general_errors.append(error.message)
    return form


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
        service.publish_slot(data=data, principal=principal)
    except ValidationFailed as error:
        form = _refused(SLOT_FIELDS, error, prefix="one-", renamed=SLOT_ERROR_FIELDS)
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
        result = service.publish_recurring(data=data, principal=principal)
    except ValidationFailed as error:
        form = _refused(RECURRING_FIELDS, error, prefix="rec-")
        return _render_my_slots(principal, recurring=form, status=422)
    flash(f"{len(result.slots)} créneaux publiés.", "success")
    return redirect(url_for(".my_slots"), code=303)


@blueprint.post("/my-slots/<uuid:slot_id>/withdraw")
@page(GP)
def withdraw_slot(slot_id: uuid.UUID) -> ResponseReturnValue:
    """Withdraw a free slot; a booked one stays (cancel the booking first)."""
    try:
        service.withdraw_slot(slot_id=slot_id, principal=page_principal())
    except SlotTaken as error:
        flash(error.message, "warning")
        return redirect(url_for(".my_slots"), code=303)
    except NotFound:
        flash("Ce créneau a déjà été retiré.", "warning")
        return redirect(url_for(".my_slots"), code=303)
    flash("Créneau retiré.", "success")
    return redirect(url_for(".my_slots"), code=303)
