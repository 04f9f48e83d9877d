"""Pages of hospital discharges (DAC): worklist, creation, case page with edits and actions."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from services.orientation.directory_client import directory
from services.orientation.discharges import reads, service
from services.orientation.discharges.forms import (
    CLEARABLE,
    CREATE_FIELDS,
    EDIT_FIELDS,
    HOME_SERVICE_LABELS,
    TRANSITION_FIELDS,
)
from services.orientation.discharges.machine import MACHINE
from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.readiness import missing_items
from services.orientation.discharges.schemas import DischargeCreateSchema, DischargeUpdateSchema
from services.orientation.discharges.service import DISCHARGE
from services.orientation.discharges.states import EDITABLE_STATES, STATES
from services.orientation.medecin_traitant.intake.discharge import signal_from_discharge
from services.orientation.medecin_traitant.intake.schemas import DischargeSignalementSchema
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, DAC, GP, MIDWIFE, NURSE, PROFESSIONAL
from shared.cases.service import get_visible_case
from shared.errors import Duplicate, InvalidTransition, ValidationFailed, VersionConflict
from shared.http.parsing import load
from shared.schemas import String, one_of
from shared.timeutil import today_paris
from shared.web.case_conversation import add_conversation_pages
from shared.web.case_pages import (
    CHANGED,
    FormTransitions,
    form_version,
    history_timeline,
    page_principal,
)
from shared.web.forms import Field, FormState, form_body
from shared.web.listing import ListQuerySchema, ListView, list_args, sort_choices
from shared.web.pages import page, page_blueprint
from shared.web.registry import DISCHARGES, CountedTask, add_nav_link, add_task_counter

blueprint = page_blueprint(
    "orientation_discharge_pages",
    __name__,
    url_prefix="/orientation/discharges",
    templates="../templates",
)
STAFF = (DAC, COORDINATOR)
# City professionals may read the cases naming them (record-level check in the service).
READERS = (*STAFF, GP, NURSE, MIDWIFE, PROFESSIONAL)
TRANSITION_LABELS = {
    "submit": "annonce",
    "update": "modification",
    **MACHINE.transition_labels,
}
GROUPS = (
    ("overdue", "En retard", "Date de sortie prévue dépassée, sortie non enregistrée."),
    ("today", "Aujourd'hui", None),
    ("tomorrow", "Demain", None),
    ("this_week", "Cette semaine", None),
    ("later", "Plus tard", None),
    ("undated", "Sans date prévue", None),
)
GROUP_TITLES = {key: title for key, title, _ in GROUPS} | {
    "to_follow_up": "Appels de suivi à passer"
}
# Rows of each worklist group (8 groups: at most 96 rows on the page); "voir tout" pages on.
WORKLIST_GROUP_LIMIT = 12


def register_pages(app: Flask) -> None:
    """Mount the pages, their link in the top bar and the tasks they count."""
    app.register_blueprint(blueprint)
    add_nav_link(
        app,
        "Sorties d'hospitalisation",
        f"{blueprint.name}.worklist",
        *STAFF,
        order=60,
        group=DISCHARGES,
    )
    add_task_counter(app, tasks)


def tasks(principal: Principal) -> list[CountedTask]:
    """Discharges due or overdue, and preparations stuck on something missing."""
    queries = reads.task_queries(principal)
    if queries is None:
        return []
    due, stuck = queries
    url = url_for(f"{blueprint.name}.worklist")
    return [
        CountedTask("Sorties prévues aujourd'hui ou en retard", due, url),
        CountedTask("Sorties en préparation incomplètes", stuck, url + "#bloquees"),
    ]


def _professional_choices() -> list[tuple[str, str]]:
    return [
        (p["id"], f"{p['last_name']} {p['first_name']} — {_profession(p)}, {p['city']}")
        for p in sorted(
            directory().professionals(), key=lambda p: (p["last_name"], p["first_name"])
        )
    ]


def _profession(entry: dict[str, Any]) -> str:
    return service.PROFESSION_LABELS.get(entry["profession"], entry["profession"])


def _fields(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    choices = _professional_choices()
    return tuple(f.with_choices(choices) if f.name == "city_professionals" else f for f in fields)


def _body(form: MultiDict, fields: tuple[Field, ...], *, edit: bool) -> dict[str, Any]:
    """The API's request body: professionals as objects; an edit may empty optional fields."""
    body = form_body(form, fields)
    # An empty block must still be sent, so its required fields are named one by one.
    body.setdefault("hospital", {})
    if not edit:
        body.setdefault("patient", {}).setdefault("address", {})
    if "city_professionals" in body:
        body["city_professionals"] = [{"professional_id": v} for v in body["city_professionals"]]
    if edit:
        body.setdefault("home_services", [])
        body.setdefault("city_professionals", [])
        for name in CLEARABLE:
            head, _, leaf = name.rpartition(".")
            target = body.setdefault(head, {}) if head else body
            target.setdefault(leaf, None)
    return body


# --- worklist -----------------------------------------------------------------------------


@blueprint.get("/")
@page(*STAFF)
def worklist() -> ResponseReturnValue:
    """Open discharges by planned date, stuck preparations, follow-up calls to make: the
    first few of each group, the list view pages through the rest."""
    found = reads.worklist(principal=page_principal(), limit=WORKLIST_GROUP_LIMIT)
    return render_template(
        "discharges/worklist.html",
        worklist=found,
        groups=GROUPS,
        labels=MACHINE.labels,
        views=reads.VIEWS,
    )


class DischargeListQuerySchema(ListQuerySchema):
    """The list view's query string: open, closed or all; a state; a worklist group; order."""

    vue = String(load_default="ouvertes", validate=one_of(tuple(reads.VIEWS)))
    state = String(load_default=None, validate=one_of(STATES.names))
    groupe = String(load_default=None, validate=one_of(reads.GROUPS))
    sort = String(load_default="sortie", validate=one_of(tuple(reads.SORTS)))


@blueprint.get("/liste")
@page(*STAFF)
def discharge_list() -> ResponseReturnValue:
    """Every discharge the user may see, open, closed or all, a page at a time."""
    schema = DischargeListQuerySchema()
    args = list_args(schema)
    found = reads.discharge_list(
        principal=page_principal(),
        view=args["vue"],
        state=args["state"],
        group=args["groupe"],
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return render_template(
        "discharges/list.html",
        result=found,
        view=ListView.of(f"{blueprint.name}.discharge_list", schema, args),
        views=reads.VIEWS,
        sorts=sort_choices(reads.SORTS),
        group_titles={"stuck_preparing": "En préparation, incomplètes", **GROUP_TITLES},
        labels=MACHINE.labels,
        missing=reads.missing_of(found.items),
    )


# --- creation -----------------------------------------------------------------------------


@blueprint.get("/new")
@page(*STAFF)
def new_discharge() -> ResponseReturnValue:
    """The form announcing a discharge."""
    return render_template("discharges/new.html", form=FormState.blank(_fields(CREATE_FIELDS)))


@blueprint.post("/new")
@page(*STAFF)
def create_discharge() -> ResponseReturnValue:
    """Validate with the API's schema; French errors next to each field, nothing stored."""
    fields = _fields(CREATE_FIELDS)
    try:
        data = load(DischargeCreateSchema(), _body(request.form, fields, edit=False))
        case = service.create_discharge(data=data, principal=page_principal())
    except ValidationFailed as error:
        form = FormState.failed(fields, request.form, error.fields)
        if (
            error.message
            and not form.general_errors
            and error.message != ValidationFailed.default_message
        ):
            form.general_errors.append(error.message)
        return render_template("discharges/new.html", form=form), 422
    flash(f"Sortie {case.reference} enregistrée.", "success")
    return redirect(url_for(".case_page", case_id=case.id), code=303)


# --- case page ----------------------------------------------------------------------------


@blueprint.get("/<uuid:case_id>")
@page(*READERS)
def case_page(case_id: uuid.UUID) -> ResponseReturnValue:
    """One discharge: what is missing, its actions, its edit form, its timeline.

    City professionals named on the case read it only: no edit form, no action.
    """
    return render_case(_case(case_id, page_principal()))


@blueprint.post("/<uuid:case_id>/edit")
@page(*STAFF)
def edit_discharge(case_id: uuid.UUID) -> ResponseReturnValue:
    """Change the discharge; a stale page never overwrites a newer version."""
    principal = page_principal()
    fields = _fields(EDIT_FIELDS)
    try:
        body = _body(request.form, fields, edit=True)
        data = load(DischargeUpdateSchema(), body)
        service.update_discharge(
            case_id=case_id, data=data, principal=principal, if_match=form_version(request.form)
        )
    except VersionConflict:
        return TRANSITIONS.refuse(case_id, principal, CHANGED.format(label="modifier"))
    except InvalidTransition as error:
        return TRANSITIONS.refuse(case_id, principal, error.message)
    except ValidationFailed as error:
        current = _case(case_id, principal)
        form = FormState.failed(fields, request.form, error.fields, prefix="edit-")
        if error.message != ValidationFailed.default_message and not form.general_errors:
            form.general_errors.append(error.message)
        return render_case(current, edit_form=form), 422
    flash("Modifications enregistrées.", "success")
    return redirect(url_for(".case_page", case_id=case_id), code=303)


@blueprint.post("/<uuid:case_id>/transitions/<name>")
@page(*STAFF)
def fire_transition(case_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire a transition from its form (hidden version: stale pages are refused)."""
    return TRANSITIONS.fire(case_id, name)


def _case(case_id: uuid.UUID, principal: Principal) -> DischargeCase:
    return get_visible_case(DISCHARGE, case_id=case_id, principal=principal)


def _edit_values(case: DischargeCase) -> MultiDict:
    values: list[tuple[str, str]] = [
        ("hospital.name", case.hospital_name),
        ("hospital.service", case.hospital_service or ""),
        ("admission_date", case.admission_date.isoformat() if case.admission_date else ""),
        (
            "planned_discharge_date",
            case.planned_discharge_date.isoformat() if case.planned_discharge_date else "",
        ),
        ("summary", case.summary or ""),
        ("prescription", case.prescription or ""),
        ("notes", case.notes or ""),
    ]
    values += [("home_services", s) for s in case.home_services or []]
    values += [("city_professionals", str(p.professional_id)) for p in case.professionals]
    return MultiDict(values)


def render_case(
    case: DischargeCase,
    *,
    failed: dict[str, FormState] | None = None,
    edit_form: FormState | None = None,
    notice: str | None = None,
) -> str:
    """The case page, with a form for exactly each allowed transition."""
    principal = page_principal()
    staff = principal.has(*STAFF)
    failed = failed or {}
    forms = {
        name: failed.get(name) or FormState.blank(TRANSITION_FIELDS[name], prefix=f"{name}-")
        for name in (MACHINE.allowed_transitions(case, principal) if staff else ())
        if name in TRANSITION_FIELDS
    }
    editable = staff and case.state in EDITABLE_STATES
    if editable and edit_form is None:
        edit_form = FormState.blank(_fields(EDIT_FIELDS), _edit_values(case), prefix="edit-")
    ids = [p.professional_id for p in case.professionals]
    names = {
        entry["id"]: f"{entry['first_name']} {entry['last_name']} ({entry['city']})"
        for entry in (directory().professionals(ids=ids) if ids else [])
    }
    return render_template(
        "discharges/case.html",
        names=names,
        case=case,
        staff=staff,
        forms=forms,
        edit_form=edit_form if editable else None,
        notice=notice,
        labels=MACHINE.labels,
        transition_labels=TRANSITION_LABELS,
        home_labels=HOME_SERVICE_LABELS,
        missing=missing_items(case),
        timeline=history_timeline(
            DISCHARGE,
            case,
            principal=principal,
            transition_labels=TRANSITION_LABELS,
        ),
        age=case.patient_age(today_paris()),
        is_final=case.state in MACHINE.final,
    )


# --- no médecin traitant: report to the CPTS -----------------------------------------------


@blueprint.post("/<uuid:case_id>/signalement")
@page(*STAFF)
def signal_discharge_page(case_id: uuid.UUID) -> ResponseReturnValue:
    """The discharge page's action: "no médecin traitant: report to the CPTS"."""
    body = {
        "consent": {
            "patient_informed": request.form.get("consent.patient_informed") == "on",
            "data_sharing": request.form.get("consent.data_sharing") == "on",
        }
    }
    principal = page_principal()
    try:
        data = load(DischargeSignalementSchema(), body)
        case = signal_from_discharge(
            discharge_id=case_id, body=data, principal=principal, confirm_no_gp=True
        )
    except ValidationFailed:
        notice = "Cochez les deux cases de consentement du patient pour le signaler à la CPTS."
        status = 422
    except (Duplicate, InvalidTransition) as error:
        notice, status = error.message, 409
    else:
        return redirect(url_for("orientation_mt_pages.case_page", case_id=case.id), code=303)
    return render_case(_case(case_id, principal), notice=notice), status


TRANSITIONS = FormTransitions(
    DISCHARGE,
    fields=TRANSITION_FIELDS,
    home=lambda _principal: ".worklist",
    render=render_case,
    case_url=lambda case: url_for(".case_page", case_id=case.id),
)


# The thread and the documents of the case page.
add_conversation_pages(blueprint, DISCHARGE, roles=READERS, case_endpoint="case_page")
