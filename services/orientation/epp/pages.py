"""Pages of EPP referrals: refer a pregnant patient, the lists, the referral with its actions."""

from __future__ import annotations

import uuid

from flask import Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from services.orientation.epp import reads, service
from services.orientation.epp.forms import REFERRAL_FIELDS, TRANSITION_FIELDS
from services.orientation.epp.machine import MACHINE
from services.orientation.epp.models import EppReferral
from services.orientation.epp.pregnancy import referral_is_late, weeks_on
from services.orientation.epp.schemas import ReferralSchema
from services.orientation.epp.service import EPP
from services.orientation.epp.states import STATES
from services.orientation.epp.suggestions import suggest_midwives
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, COORDINATOR, MIDWIFE
from shared.cases.service import get_visible_case
from shared.errors import Duplicate, ValidationFailed
from shared.http.parsing import load
from shared.schemas import Boolean, String, one_of
from shared.timeutil import today_paris
from shared.web.case_conversation import add_conversation_pages
from shared.web.case_pages import FormTransitions, history_timeline, page_principal
from shared.web.forms import Field, FormState, form_body
from shared.web.listing import ListQuerySchema, ListView, list_args, sort_choices
from shared.web.pages import page, page_blueprint
from shared.web.patient import patient_body_skeleton
from shared.web.registry import EPP as EPP_GROUP
from shared.web.registry import CountedTask, add_nav_link, add_task_counter

blueprint = page_blueprint(
    "orientation_epp_pages", __name__, url_prefix="/orientation/epp", templates="../templates"
)
SUGGESTION_LIMIT = 5
TRANSITION_LABELS = {"submit": "demande", **MACHINE.transition_labels}


def register_pages(app: Flask) -> None:
    """Mount the pages, their links in the top bar and the tasks they count."""
    app.register_blueprint(blueprint)
    add_nav_link(
        app,
        "Adresser pour un EPP",
        f"{blueprint.name}.new_referral",
        *CLINICAL_ROLES,
        order=40,
        group=EPP_GROUP,
    )
    add_nav_link(
        app,
        "Demandes d'EPP",
        f"{blueprint.name}.referrals",
        *CLINICAL_ROLES,
        order=41,
        group=EPP_GROUP,
    )
    add_task_counter(app, tasks)


def tasks(principal: Principal) -> list[CountedTask]:
    """Referrals to answer or to complete (midwife), to assign (coordinator)."""
    url = url_for(f"{blueprint.name}.referrals")
    found = []
    if principal.has(MIDWIFE) and principal.professional_id is not None:
        mine = principal.professional_id
        found.append(
            CountedTask(
                "Demandes d'EPP à accepter ou refuser",
                reads.in_state_query("assigned", assigned_to=mine),
                url,
            )
        )
        found.append(
            CountedTask("EPP à réaliser", reads.in_state_query("accepted", assigned_to=mine), url)
        )
    if principal.has(COORDINATOR):
        found.append(
            CountedTask("Demandes d'EPP à attribuer", reads.in_state_query("submitted"), url)
        )
    return found


# --- referral -----------------------------------------------------------------------------


@blueprint.get("/new")
@page(*CLINICAL_ROLES)
def new_referral() -> ResponseReturnValue:
    """The EPP referral form."""
    form = FormState.blank(REFERRAL_FIELDS, MultiDict({"patient.sex": "F"}))
    return render_template("epp/new.html", form=form)


@blueprint.post("/new")
@page(*CLINICAL_ROLES)
def submit_referral() -> ResponseReturnValue:
    """Validate with the API's schema; French errors next to each field, nothing stored."""
    try:
        body = patient_body_skeleton(form_body(request.form, REFERRAL_FIELDS))
        body.setdefault("pregnancy", {})
        data = load(ReferralSchema(), body)
        referral = service.submit_referral(data=data, principal=page_principal())
    except ValidationFailed as error:
        form = FormState.failed(REFERRAL_FIELDS, request.form, error.fields)
        return render_template("epp/new.html", form=form), 422
    except Duplicate as error:
        form = FormState(REFERRAL_FIELDS, request.form, {}, [error.message])
        return render_template("epp/new.html", form=form), 409
    flash(f"Demande {referral.reference} envoyée à la coordination.", "success")
    return redirect(url_for(".referral_page", referral_id=referral.id), code=303)


# --- lists --------------------------------------------------------------------------------


class ReferralListQuerySchema(ListQuerySchema):
    """The list's query string: a state, late ones only, the order, the page."""

    state = String(load_default=None, validate=one_of(STATES.names))
    retard = Boolean(load_default=False)
    sort = String(load_default="retard", validate=one_of(tuple(reads.SORTS)))


@blueprint.get("/")
@page(*CLINICAL_ROLES)
def referrals() -> ResponseReturnValue:
    """Late referrals first; a midwife sees hers to answer, the coordinator every one."""
    principal = page_principal()
    schema = ReferralListQuerySchema()
    args = list_args(schema)
    lists = reads.referral_lists(
        principal=principal,
        state=args["state"],
        late=True if args["retard"] else None,
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    today = today_paris()
    return render_template(
        "epp/list.html",
        to_answer=lists.to_answer,
        to_complete=lists.to_complete,
        totals=lists.totals,
        others=lists.others,
        state=args["state"],
        view=ListView.of(f"{blueprint.name}.referrals", schema, args),
        sorts=sort_choices(reads.SORTS),
        labels=MACHINE.labels,
        weeks=lambda r: weeks_on(r.pregnancy_start_date, today),
        late=lambda r: referral_is_late(r, today),
        is_coordinator=principal.has(COORDINATOR),
    )


# --- referral page ------------------------------------------------------------------------


@blueprint.get("/<uuid:referral_id>")
@page(*CLINICAL_ROLES)
def referral_page(referral_id: uuid.UUID) -> ResponseReturnValue:
    """One referral, with the actions the user may take now."""
    return render_referral(get_visible_case(EPP, case_id=referral_id, principal=page_principal()))


@blueprint.post("/<uuid:referral_id>/transitions/<name>")
@page(*CLINICAL_ROLES)
def fire_transition(referral_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire a transition from its form; a stale page never overwrites a newer state."""
    return TRANSITIONS.fire(referral_id, name)


def _fields_for(name: str, referral: EppReferral) -> tuple[Field, ...]:
    fields = TRANSITION_FIELDS[name]
    if name != "assign":
        return fields
    choices, details = [], {}
    for found in suggest_midwives(referral, limit=SUGGESTION_LIMIT):
        midwife = found.professional
        choices.append(
            (midwife["id"], f"{midwife['first_name']} {midwife['last_name']} — {midwife['city']}")
        )
        details[midwife["id"]] = found.reasons
    return (fields[0].with_choices(choices, details), *fields[1:])


def render_referral(
    referral: EppReferral,
    *,
    failed: dict[str, FormState] | None = None,
    notice: str | None = None,
) -> str:
    """The referral page, with a form for exactly each allowed transition."""
    principal = page_principal()
    failed = failed or {}
    forms = {
        name: failed.get(name) or FormState.blank(_fields_for(name, referral), prefix=f"{name}-")
        for name in MACHINE.allowed_transitions(referral, principal)
        if name in TRANSITION_FIELDS
    }
    today = today_paris()
    return render_template(
        "epp/referral.html",
        referral=referral,
        forms=forms,
        notice=notice,
        labels=MACHINE.labels,
        transition_labels=TRANSITION_LABELS,
        timeline=history_timeline(
            EPP,
            referral,
            principal=principal,
            transition_labels=TRANSITION_LABELS,
        ),
        weeks=weeks_on(referral.pregnancy_start_date, today),
        late=referral_is_late(referral, today),
        is_final=referral.state in MACHINE.final,
    )


TRANSITIONS = FormTransitions(
    EPP,
    fields=TRANSITION_FIELDS,
    home=lambda _principal: ".referrals",
    render=render_referral,
    case_url=lambda referral: url_for(".referral_page", referral_id=referral.id),
    fields_for=_fields_for,
    changed=(
        "Cette demande a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
        "Votre action « {label} » n'a pas été enregistrée : voici son état actuel. "
        "Vérifiez-la avant de recommencer."
    ),
)


# The thread and the documents of the referral page.
add_conversation_pages(
    blueprint, EPP, roles=CLINICAL_ROLES, case_endpoint="referral_page", id_arg="referral_id"
)
