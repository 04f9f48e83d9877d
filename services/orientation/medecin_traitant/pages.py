"""Pages of médecin-traitant cases: parse the form, call the same service as the API, render."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import validate
from werkzeug.datastructures import MultiDict

from services.orientation.directory_client import directory
from services.orientation.discharges.service import PROFESSION_LABELS
from services.orientation.medecin_traitant import reads, service
from services.orientation.medecin_traitant.forms import (
    CANCEL_LABELS,
    LANGUAGE_CHOICES,
    SIGNALEMENT_FIELDS,
    TRANSITION_FIELDS,
    VULNERABILITY_CHOICES,
)
from services.orientation.medecin_traitant.machine import MACHINE
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.schemas import SignalementSchema
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from services.orientation.medecin_traitant.states import STATES
from services.orientation.medecin_traitant.suggestions import search_eligible_gps, suggest_gps
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, GP, SIGNALEMENT_ROLES
from shared.cases.service import get_visible_case
from shared.errors import Duplicate, ValidationFailed
from shared.http.parsing import load
from shared.schemas import Integer, QuerySchema, String, length, one_of
from shared.timeutil import today_paris
from shared.web.case_conversation import add_conversation_pages
from shared.web.case_pages import FormTransitions, history_timeline, page_principal
from shared.web.forms import Field, FormState, validate_form
from shared.web.labels import french_phone
from shared.web.listing import ListQuerySchema, ListView, list_args, sort_choices
from shared.web.pages import page, page_blueprint
from shared.web.registry import ORIENTATION, Task, add_nav_link, add_task_counter

blueprint = page_blueprint(
    "orientation_mt_pages", __name__, url_prefix="/orientation", templates="../templates"
)
SUGGESTION_LIMIT = 5
GP_SEARCH_LIMIT = 20
TRANSITION_LABELS = {"submit": "signalement", **MACHINE.transition_labels}
CHOICE_LABELS = {
    "vulnerabilities": dict(VULNERABILITY_CHOICES),
    "languages": dict(LANGUAGE_CHOICES),
    "cancel": CANCEL_LABELS,
}


class BoardQuerySchema(ListQuerySchema):
    """The board's query string: state, priority, order and page (never a name: issue #9)."""

    state = String(load_default=None, validate=one_of(STATES.names))
    priority = Integer(
        load_default=None, validate=validate.Range(min=1, max=3, error="La priorité va de 1 à 3.")
    )
    sort = String(load_default="priorite", validate=one_of(tuple(reads.BOARD_SORTS)))


class BoardSearchSchema(BoardQuerySchema):
    """The search form: posted, so a patient's name never lands in a URL (issue #9)."""

    q = String(load_default=None, validate=length(100))


def register_pages(app: Flask) -> None:
    """Mount the pages, their links in the top bar and the tasks they count."""
    app.register_blueprint(blueprint)
    add_nav_link(
        app,
        "Signaler un patient",
        f"{blueprint.name}.new_signalement",
        *SIGNALEMENT_ROLES,
        group=ORIENTATION,
    )
    add_nav_link(
        app,
        "Dossiers médecin traitant",
        f"{blueprint.name}.board",
        *SIGNALEMENT_ROLES,
        group=ORIENTATION,
    )
    add_nav_link(
        app, "Propositions reçues", f"{blueprint.name}.proposals", GP, order=50, group=ORIENTATION
    )
    add_nav_link(
        app,
        "Importer une liste d'attente",
        "orientation_intake_pages.import_page",
        COORDINATOR,
        group=ORIENTATION,
    )
    add_task_counter(app, tasks)


def tasks(principal: Principal) -> list[Task]:
    """What waits for this user in the médecin-traitant workflow."""
    found: list[Task] = []
    counts = reads.coordinator_task_counts(principal)
    board_url = f"{blueprint.name}.board"
    for state, label in (
        ("submitted", "Signalements à analyser"),
        ("triaged", "Patients à proposer à un médecin"),
        ("accepted", "Orientations à confirmer"),
    ):
        if counts.get(state):
            found.append(Task(label, counts[state], url_for(board_url, state=state)))
    proposals, to_confirm = reads.gp_task_counts(principal)
    proposals_url = url_for(f"{blueprint.name}.proposals")
    found.append(Task("Propositions de patients à examiner", proposals, proposals_url))
    if not principal.has(COORDINATOR):
        found.append(Task("Orientations à confirmer", to_confirm, proposals_url))
    return found


# --- signalement --------------------------------------------------------------------------


@blueprint.get("/signalements/new")
@page(*SIGNALEMENT_ROLES)
def new_signalement() -> ResponseReturnValue:
    """The signalement form."""
    form = FormState.blank(SIGNALEMENT_FIELDS, MultiDict({"situation.languages": "fr"}))
    return render_template("medecin_traitant/new.html", form=form)


@blueprint.post("/signalements/new")
@page(*SIGNALEMENT_ROLES)
def submit_signalement() -> ResponseReturnValue:
    """Validate with the API's schema; French errors next to each field, nothing stored."""
    try:
        data = validate_form(request.form, SIGNALEMENT_FIELDS, SignalementSchema())
        case = service.submit_signalement(data=data, principal=page_principal())
    except ValidationFailed as error:
        form = FormState.failed(SIGNALEMENT_FIELDS, request.form, error.fields)
        return render_template("medecin_traitant/new.html", form=form), 422
    except Duplicate as error:
        form = FormState(SIGNALEMENT_FIELDS, request.form, {}, [error.message])
        return render_template("medecin_traitant/new.html", form=form), 409
    return redirect(url_for(".signalement_created", case_id=case.id), code=303)


@blueprint.get("/signalements/<uuid:case_id>")
@page(*SIGNALEMENT_ROLES)
def signalement_created(case_id: uuid.UUID) -> ResponseReturnValue:
    """The confirmation, with the reference to give the patient."""
    case = get_visible_case(MEDECIN_TRAITANT, case_id=case_id, principal=page_principal())
    return render_template("medecin_traitant/created.html", case=case, labels=MACHINE.labels)


# --- board --------------------------------------------------------------------------------


@blueprint.get("/cases")
@page(*SIGNALEMENT_ROLES)
def board() -> ResponseReturnValue:
    """Cases by state and priority, oldest first; a professional sees only their own."""
    # A GET never searches by name: `q` comes only in a posted form.
    raw = {key: value for key, value in request.args.items() if value.strip() and key != "q"}
    return _render_board(list_args(BoardQuerySchema(), raw), raw)


@blueprint.post("/cases")
@page(*SIGNALEMENT_ROLES)
def search_board() -> ResponseReturnValue:
    """Search by reference or surname: the term comes in the form body, never the URL."""
    raw = {
        key: value for key, value in request.form.items() if key != "csrf_token" and value.strip()
    }
    return _render_board(load(BoardSearchSchema(), raw), raw)


def _render_board(args: dict[str, Any], raw: dict[str, str]) -> str:
    principal = page_principal()
    found = reads.board(
        principal=principal,
        state=args["state"],
        priority=args["priority"],
        search=args.get("q"),
        page=args["page"],
        per_page=args["per_page"],
        sort=args["sort"],
    )
    return render_template(
        "medecin_traitant/board.html",
        board=found,
        args=args,
        filters=raw,
        view=ListView.of(f"{blueprint.name}.board", BoardQuerySchema(), args),
        sorts=sort_choices(reads.BOARD_SORTS),
        labels=MACHINE.labels,
        tab_states=MACHINE.states,
        today=today_paris(),
        is_coordinator=principal.has(COORDINATOR),
    )


# --- case page ----------------------------------------------------------------------------


@blueprint.get("/cases/<uuid:case_id>")
@page(*SIGNALEMENT_ROLES)
def case_page(case_id: uuid.UUID) -> ResponseReturnValue:
    """Everything about one case, and the actions the user may take now."""
    case = get_visible_case(MEDECIN_TRAITANT, case_id=case_id, principal=page_principal())
    raw = {key: value for key, value in request.args.items() if value.strip()}
    gp_query = load(GpSearchSchema(), raw)["medecin"]
    return render_case(case, gp_query=gp_query)


class GpSearchSchema(QuerySchema):
    """The case page's query string: a GP's name or commune to propose beyond the top five."""

    medecin = String(load_default=None, validate=length(100))


@blueprint.post("/cases/<uuid:case_id>/transitions/<name>")
@page(*SIGNALEMENT_ROLES)
def fire_transition(case_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire a transition from its form; a stale page never overwrites a newer state."""
    return TRANSITIONS.fire(case_id, name)


def _home_list(principal: Principal) -> str:
    return ".proposals" if principal.has(GP) else ".board"


def _suggestion_field(
    case: MedecinTraitantCase, gp_query: str | None = None
) -> tuple[Field, list[Any], int]:
    """The GPs the propose form offers: the best five, and those a search found (any eligible
    GP, however far), with how many the search added; the service checks the chosen one."""
    suggestions = suggest_gps(case, limit=SUGGESTION_LIMIT)
    added = []
    if gp_query:
        shown = {found.professional["id"] for found in suggestions}
        added = [
            found
            for found in search_eligible_gps(case, gp_query, limit=GP_SEARCH_LIMIT)
            if found.professional["id"] not in shown
        ]
    suggestions += added
    choices, details = [], {}
    for found in suggestions:
        gp = found.professional
        choices.append((gp["id"], f"Dr {gp['first_name']} {gp['last_name']} — {gp['city']}"))
        details[gp["id"]] = found.reasons
    field = TRANSITION_FIELDS["propose"][0].with_choices(choices, details)
    return field, suggestions, len(added)


def _fields_for(name: str, case: MedecinTraitantCase) -> tuple[Field, ...]:
    fields = TRANSITION_FIELDS[name]
    if name == "propose":
        return (_suggestion_field(case)[0], *fields[1:])
    return fields


def _professional_names(case: MedecinTraitantCase) -> dict[str, str]:
    """The GPs asked / the accepted GP as the case page names them, with their phone."""
    ids = [*case.proposed_professional_ids]
    if case.accepted_professional_id:
        ids.append(case.accepted_professional_id)
    if not ids:
        return {}
    return {
        gp["id"]: f"Dr {gp['first_name']} {gp['last_name']} ({gp['city']})"
        + (f", {french_phone(gp['phone'])}" if gp.get("phone") else "")
        for gp in directory().professionals(ids=ids)
    }


def _history_detail(row: Any) -> str | None:
    return row.comment if row.transition != "cancel" else _cancel_detail(row)


def _cancel_detail(row: Any) -> str | None:
    reason = (row.data or {}).get("reason")
    comment = (row.data or {}).get("comment")
    parts = [CANCEL_LABELS.get(reason, reason) if reason else None, comment]
    return " — ".join(p for p in parts if p) or None


def render_case(
    case: MedecinTraitantCase,
    *,
    failed: dict[str, FormState] | None = None,
    notice: str | None = None,
    gp_query: str | None = None,
) -> str:
    """The case page, with a form for exactly each allowed transition (the propose form also
    offers the eligible GPs `gp_query` finds)."""
    principal = page_principal()
    allowed = MACHINE.allowed_transitions(case, principal)
    failed = failed or {}
    forms: dict[str, FormState] = {}
    suggestions: list[Any] = []
    searched = 0
    for name in allowed:
        if name not in TRANSITION_FIELDS:
            continue
        if name == "propose":
            field, suggestions, searched = _suggestion_field(case, gp_query)
            fields: tuple[Field, ...] = (field, *TRANSITION_FIELDS[name][1:])
        else:
            fields = TRANSITION_FIELDS[name]
        forms[name] = failed.get(name) or FormState.blank(fields, prefix=f"{name}-")
    return render_template(
        "medecin_traitant/case.html",
        case=case,
        forms=forms,
        suggestions=suggestions,
        notice=notice,
        labels=MACHINE.labels,
        transition_labels=TRANSITION_LABELS,
        choice_labels=CHOICE_LABELS,
        professionals=_professional_names(case),
        referrer=reads.referrer(case),
        gp_query=gp_query,
        gp_search_found=searched,
        profession_labels=PROFESSION_LABELS,
        timeline=history_timeline(
            MEDECIN_TRAITANT,
            case,
            principal=principal,
            transition_labels=TRANSITION_LABELS,
            detail=_history_detail,
        ),
        age=case.patient_age(today_paris()),
        is_final=case.state in MACHINE.final,
    )


# --- GP -----------------------------------------------------------------------------------


@blueprint.get("/proposals")
@page(GP)
def proposals() -> ResponseReturnValue:
    """Patients proposed to this GP (accept / decline), and orientations to confirm."""
    principal = page_principal()
    waiting = reads.proposals_to(principal)
    forms = {
        case.id: {
            name: FormState.blank(TRANSITION_FIELDS[name], prefix=f"{name}-{case.id}-")
            for name in ("accept", "decline")
        }
        for case in waiting
    }
    return render_template(
        "medecin_traitant/proposals.html",
        waiting=waiting,
        forms=forms,
        accepted=reads.accepted_by(principal),
        messages=reads.proposal_messages(waiting),
        today=today_paris(),
        choice_labels=CHOICE_LABELS,
    )


TRANSITIONS = FormTransitions(
    MEDECIN_TRAITANT,
    fields=TRANSITION_FIELDS,
    home=_home_list,
    render=render_case,
    case_url=lambda case: url_for(".case_page", case_id=case.id),
    fields_for=_fields_for,
    gone=(
        "Votre action « {label} » n'a pas été enregistrée : ce dossier ne vous est plus "
        "accessible (il a pu être confié à quelqu'un d'autre entre-temps)."
    ),
)


# The thread and the documents of the case page.
add_conversation_pages(
    blueprint, MEDECIN_TRAITANT, roles=SIGNALEMENT_ROLES, case_endpoint="case_page", prefix="/cases"
)
