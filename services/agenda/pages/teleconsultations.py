"""Assisted teleconsultation pages: a nurse requests one; the list with the allowed actions."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import validate
from werkzeug.datastructures import MultiDict

from services.agenda.pages.blueprint import blueprint
from services.agenda.pages.forms import (
    TELECONSULTATION_CANCEL_LABELS,
    TELECONSULTATION_FIELDS,
    TELECONSULTATION_TRANSITION_FIELDS,
    WINDOW_ERROR_FIELDS,
    WindowFormSchema,
)
from services.agenda.teleconsultation import reads, service
from services.agenda.teleconsultation.machine import MACHINE
from services.agenda.teleconsultation.models import TeleconsultationCase
from services.agenda.teleconsultation.schemas import (
    TeleconsultationCreateSchema,
    VideoLinkSchema,
)
from services.agenda.teleconsultation.service import TELECONSULTATION
from services.agenda.teleconsultation.states import STATES
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, COORDINATOR, NURSE
from shared.cases.service import get_visible_case
from shared.errors import ValidationFailed, VersionConflict
from shared.http.parsing import load
from shared.schemas import Integer, String, one_of
from shared.timeutil import today_paris
from shared.web.case_conversation import add_conversation_pages
from shared.web.case_pages import FormTransitions, form_version, history_timeline, page_principal
from shared.web.forms import Field, FormState, form_body
from shared.web.listing import (
    MAX_PER_PAGE,
    ListPage,
    ListQuerySchema,
    ListView,
    list_args,
    sort_choices,
)
from shared.web.pages import page
from shared.web.patient import patient_body_skeleton
from shared.web.registry import CountedTask

TRANSITION_LABELS = MACHINE.transition_labels
VIDEO_FIELDS = (
    Field(
        "video_url",
        "Lien de la visioconférence",
        hint="Adresse https:// de la salle (laisser vide pour retirer le lien).",
    ),
)


def tasks(principal: Principal) -> list[CountedTask]:
    """A nurse's teleconsultation requests still to schedule."""
    if principal.professional_id is None or not principal.has(NURSE):
        return []
    waiting = reads.to_schedule_query(nurse_professional_id=principal.professional_id)
    url = url_for(f"{blueprint.name}.teleconsultations")
    return [CountedTask("Téléconsultations à programmer", waiting, url)]


def _window_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    moved: dict[str, list[str]] = {}
    for path, messages in errors.items():
        moved.setdefault(WINDOW_ERROR_FIELDS.get(path, path), []).extend(messages)
    return moved


def _render_new(form: FormState, status: int = 200) -> tuple[str, int]:
    return render_template("agenda/teleconsultation_new.html", form=form), status


@blueprint.get("/teleconsultations/new")
@page(NURSE)
def new_teleconsultation() -> ResponseReturnValue:
    """The request form of an assisted teleconsultation."""
    today = today_paris().isoformat()
    values = MultiDict(
        {
            "window.from_date": today,
            "window.from_time": "08:00",
            "window.to_date": today,
            "window.to_time": "19:00",
        }
    )
    return _render_new(FormState.blank(TELECONSULTATION_FIELDS, values))


@blueprint.post("/teleconsultations/new")
@page(NURSE)
def request_teleconsultation() -> ResponseReturnValue:
    """Validate with the API's schema (the window typed as days and times); nothing stored
    on bad input."""
    body = patient_body_skeleton(form_body(request.form, TELECONSULTATION_FIELDS))
    try:
        data = _validated_request(body)
        service.request_teleconsultation(data=data, principal=page_principal())
    except ValidationFailed as error:
        form = FormState.failed(TELECONSULTATION_FIELDS, request.form, error.fields)
        return _render_new(form, 422)
    flash("Demande de téléconsultation enregistrée.", "success")
    return redirect(url_for(".teleconsultations"), code=303)


def _validated_request(body: dict[str, Any]) -> dict[str, Any]:
    """The request checked by the API's schema; the window (typed as days and times) and the
    rest are validated separately so that every error is shown at once."""
    try:
        window = load(WindowFormSchema(), body.pop("window", {}))
    except ValidationFailed as error:
        errors = {f"window.{key}": messages for key, messages in error.fields.items()}
        try:
            load(TeleconsultationCreateSchema(partial=("window",)), body)
        except ValidationFailed as rest:
            errors = {**_window_errors(rest.fields), **errors}
        raise ValidationFailed(errors) from error
    try:
        return load(TeleconsultationCreateSchema(), {**body, "window": window})
    except ValidationFailed as error:
        raise ValidationFailed(_window_errors(error.fields)) from error


class TeleconsultationListQuerySchema(ListQuerySchema):
    """The list's query string: all, open or finished; a state; the order; the page."""

    per_page = Integer(
        load_default=reads.PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE, error="Entre 1 et 100 par page."),
    )
    vue = String(load_default="toutes", validate=one_of(tuple(reads.VIEWS)))
    state = String(load_default=None, validate=one_of(STATES.names))
    sort = String(load_default="en_cours", validate=one_of(tuple(reads.SORTS)))


@blueprint.get("/teleconsultations")
@page(*CLINICAL_ROLES)
def teleconsultations() -> ResponseReturnValue:
    """The teleconsultations the user may see, open ones first, with their allowed actions,
    a page at a time."""
    principal = page_principal()
    schema = TeleconsultationListQuerySchema()
    args = list_args(schema)
    found = reads.teleconsultations(
        principal=principal,
        view=args["vue"],
        state=args["state"],
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    view = ListView.of(f"{blueprint.name}.teleconsultations", schema, args)
    return _render_list(principal, found.items, result=found, view=view)


def _render_list(
    principal: Principal,
    rows: list[TeleconsultationCase],
    failed: dict[tuple[uuid.UUID, str], FormState] | None = None,
    status: int = 200,
    *,
    result: ListPage[TeleconsultationCase] | None = None,
    view: ListView | None = None,
) -> tuple[str, int]:
    failed = failed or {}
    forms = {
        case.id: {
            name: failed.get((case.id, name))
            or FormState.blank(
                TELECONSULTATION_TRANSITION_FIELDS[name], prefix=f"{name}-{case.id}-"
            )
            for name in MACHINE.allowed_transitions(case, principal)
            if name in TELECONSULTATION_TRANSITION_FIELDS
        }
        for case in rows
    }
    return render_template(
        "agenda/teleconsultations.html",
        rows=rows,
        result=result,
        view=view,
        views=reads.VIEWS,
        sorts=sort_choices(reads.SORTS),
        professionals=reads.professionals_of(rows),
        video_forms={
            case.id: failed.get((case.id, "video"))
            or FormState.blank(
                VIDEO_FIELDS,
                MultiDict({"video_url": case.video_url or ""}),
                prefix=f"video-{case.id}-",
            )
            for case in rows
            if _may_set_video(case, principal)
        },
        forms=forms,
        labels=MACHINE.labels,
        transition_labels=TRANSITION_LABELS,
        cancel_labels=TELECONSULTATION_CANCEL_LABELS,
        is_nurse=principal.has(NURSE),
    ), status


@blueprint.get("/teleconsultations/<uuid:case_id>")
@page(*CLINICAL_ROLES)
def teleconsultation_page(case_id: uuid.UUID) -> ResponseReturnValue:
    """One teleconsultation: its facts, its timeline, its thread and documents (the actions
    stay on the list)."""
    principal = page_principal()
    case = get_visible_case(TELECONSULTATION, case_id=case_id, principal=principal)
    return render_template(
        "agenda/teleconsultation.html",
        case=case,
        labels=MACHINE.labels,
        cancel_labels=TELECONSULTATION_CANCEL_LABELS,
        timeline=history_timeline(
            TELECONSULTATION, case, principal=principal, transition_labels=TRANSITION_LABELS
        ),
    )


@blueprint.post("/teleconsultations/<uuid:case_id>/transitions/<name>")
@page(*CLINICAL_ROLES)
def teleconsultation_transition(case_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Pair, complete, no-show or cancel; a stale list never overwrites a newer state."""
    return TRANSITIONS.fire(case_id, name)


def _invalid(
    case_id: uuid.UUID, name: str, principal: Principal, error: ValidationFailed
) -> tuple[str, int]:
    """The case alone in the list, its form shown again with the errors."""
    case = get_visible_case(TELECONSULTATION, case_id=case_id, principal=principal)
    fields = TELECONSULTATION_TRANSITION_FIELDS[name]
    form = FormState.failed(fields, request.form, error.fields, prefix=f"{name}-{case_id}-")
    if not fields or error.message != ValidationFailed.default_message:
        form.general_errors.append(error.message)
    return _render_list(principal, [case], {(case.id, name): form}, 422)


def _may_set_video(case: TeleconsultationCase, principal: Principal) -> bool:
    """The nurse, the GP or the coordination, while the teleconsultation is open."""
    mine = principal.professional_id in (case.nurse_professional_id, case.professional_id)
    return case.state in STATES.open and (mine or principal.has(COORDINATOR))


@blueprint.post("/teleconsultations/<uuid:case_id>/video")
@page(*CLINICAL_ROLES)
def set_video_link(case_id: uuid.UUID) -> ResponseReturnValue:
    """Set or remove the video call's address (https only); French error next to the field."""
    principal = page_principal()
    raw = (request.form.get("video_url") or "").strip()
    try:
        data = load(VideoLinkSchema(), {"video_url": raw or None})
        service.set_video_link(
            case_id=case_id,
            video_url=data["video_url"],
            principal=principal,
            if_match=form_version(request.form),
        )
    except ValidationFailed as error:
        case = get_visible_case(TELECONSULTATION, case_id=case_id, principal=principal)
        form = FormState.failed(
            VIDEO_FIELDS, request.form, error.fields, prefix=f"video-{case_id}-"
        )
        if error.fields.keys() - {"video_url"}:
            form.general_errors.append(error.message)
        return _render_list(principal, [case], {(case.id, "video"): form}, 422)
    except VersionConflict:
        flash(TRANSITIONS.changed.format(label="lien de visioconférence"), "warning")
        return redirect(url_for(".teleconsultations"), code=303)
    flash("Lien de visioconférence enregistré." if raw else "Lien retiré.", "success")
    return redirect(url_for(".teleconsultations"), code=303)


TRANSITIONS = FormTransitions(
    TELECONSULTATION,
    fields=TELECONSULTATION_TRANSITION_FIELDS,
    home=lambda _principal: ".teleconsultations",
    invalid=_invalid,
    changed=(
        "Cette téléconsultation a été modifiée entre-temps : votre action « {label} » "
        "n'a pas été enregistrée. Vérifiez son état actuel."
    ),
    refused="Action « {label} » non enregistrée : {message}",
)


# The thread and the documents of the teleconsultation page.
add_conversation_pages(
    blueprint,
    TELECONSULTATION,
    roles=CLINICAL_ROLES,
    case_endpoint="teleconsultation_page",
    prefix="/teleconsultations",
)
