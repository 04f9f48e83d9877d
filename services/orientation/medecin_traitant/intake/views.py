"""HTTP entry points of intake: public self-registration (the JSON API, no account and no CSRF
since no cookie is read; the page `/inscription`, a same-origin form protected by the session's
CSRF token), discharge → signalement, and the waiting-list import (API and page)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage, MultiDict

from services.orientation.medecin_traitant.intake import public, waiting_list
from services.orientation.medecin_traitant.intake.discharge import signal_from_discharge
from services.orientation.medecin_traitant.intake.schemas import (
    DischargeSignalementSchema,
    ImportReportSchema,
    PublicSignalementSchema,
    ReceiptSchema,
)
from services.orientation.medecin_traitant.schemas import CaseSchema
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.auth.permissions import allow, current_principal, record_rule
from shared.auth.permissions import public as public_route
from shared.auth.roles import COORDINATOR, DAC
from shared.cases.presentation import case_response
from shared.errors import ValidationFailed
from shared.http.openapi import documented
from shared.http.parsing import json_body
from shared.http.uploads import accepts_upload
from shared.spreadsheets import XLSX_MEDIA_TYPE
from shared.web.case_pages import page_principal
from shared.web.forms import Field, FormState, validate_form
from shared.web.pages import page, page_blueprint
from shared.web.patient import OPTIONAL, PATIENT_FIELDS

api = Blueprint("orientation_public", __name__, url_prefix="/api/orientation/public")
discharge_api = Blueprint(
    "orientation_discharge_signalement", __name__, url_prefix="/api/orientation"
)
pages = page_blueprint(
    "orientation_intake_pages", __name__, url_prefix="", templates="../../templates"
)
schema = PublicSignalementSchema()
RULE = (
    "anyone, without an account (a token is ignored); 6th request of an address within an "
    "hour → 429; the same 202 whether new or duplicate, nothing of any case shown"
)

FIELDS = (
    Field(
        "contact.relationship",
        "Vous faites cette demande",
        "radio",
        required=True,
        choices=(("self", "pour moi-même"), ("carer", "pour un proche que j'aide")),
    ),
    Field("contact.name", "Votre nom (si vous êtes un proche)", hint=OPTIONAL),
    Field("contact.phone", "Votre téléphone (si vous êtes un proche)", "tel", hint=OPTIONAL),
    Field(
        "contact.email",
        "Votre adresse e-mail",
        "email",
        hint="Facultatif. Pour recevoir un accusé de réception.",
    ),
    *PATIENT_FIELDS,
    Field(
        "situation.reason",
        "Votre situation en quelques mots",
        "textarea",
        required=True,
        hint="Par exemple : mon médecin est parti à la retraite, je suis diabétique.",
    ),
    Field("situation.reduced_mobility", "Se déplacer est difficile", "checkbox"),
    Field("situation.needs_home_visits", "Des visites à domicile sont nécessaires", "checkbox"),
    Field(
        "consent.patient_informed",
        "La personne qui cherche un médecin est d'accord avec cette demande",
        "checkbox",
    ),
    Field(
        "consent.data_sharing",
        "J'accepte que la CPTS garde ces informations pour chercher un médecin traitant et les "
        "transmette au médecin qui pourrait accepter",
        "checkbox",
    ),
)


def _client_address() -> str:
    # `remote_addr` as ProxyFix set it from `PROXY_HOPS`: the headers of trusted proxies only.
    return request.remote_addr or ""


@api.post("/signalements")
@public_route
@record_rule(RULE)
@documented(
    summary="S'inscrire pour trouver un médecin traitant (sans compte)",
    body=PublicSignalementSchema,
    response=ReceiptSchema,
    status=202,
    errors=(422, 429),
)
def submit() -> ResponseReturnValue:
    """A patient or a carer registers; counted per address before anything is checked."""
    public.reserve_submission(ip=_client_address())
    data = json_body(schema)
    receipt = public.register(data=data)
    return {"receipt": receipt, "message": public.MESSAGE}, 202


@pages.get("/inscription")
@public_route
@record_rule(RULE)
def form() -> ResponseReturnValue:
    """The public form, mobile first."""
    state = FormState.blank(FIELDS, MultiDict({"contact.relationship": "self"}))
    return render_template("medecin_traitant/inscription.html", form=state)


@pages.post("/inscription")
@public_route
@record_rule(RULE)
def submit_form() -> ResponseReturnValue:
    """Same rules as the API; French errors next to each field; the same thanks either way."""
    public.reserve_submission(ip=_client_address())
    try:
        body = validate_form(request.form, FIELDS, schema)
    except ValidationFailed as error:
        state = FormState.failed(FIELDS, request.form, error.fields)
        return render_template("medecin_traitant/inscription.html", form=state), 422
    body["website"] = request.form.get("website", "")[:200]
    public.register(data=body)
    return render_template("medecin_traitant/inscription_done.html", message=public.MESSAGE)


# --- discharge → signalement ----------------------------------------------------------------

discharge_schema = DischargeSignalementSchema()


@discharge_api.post("/discharges/<uuid:case_id>/signalement")
@allow(DAC, COORDINATOR)
@record_rule("dac, coordinator: any discharge whose patient_has_gp is false, once (else 409)")
@documented(
    summary="Signaler à la CPTS un patient sortant sans médecin traitant",
    body=DischargeSignalementSchema,
    response=CaseSchema,
    status=201,
    errors=(404, 409, 422),
)
def signal_discharge(case_id: uuid.UUID) -> ResponseReturnValue:
    """The médecin-traitant case prefilled from the discharge (`source: hospital`), linked."""
    principal = current_principal()
    body = json_body(discharge_schema)
    case = signal_from_discharge(
        discharge_id=case_id, body=body, principal=principal, confirm_no_gp=False
    )
    return case_response(MEDECIN_TRAITANT, case, principal, 201)


# --- waiting-list import ----------------------------------------------------------------------

import_api = Blueprint("orientation_import", __name__, url_prefix="/api/orientation")


def _uploaded() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(
            {"file": ["Joignez le fichier de la liste d'attente (CSV ou XLSX)."]}
        )
    return _read(upload)


def _read(upload: FileStorage) -> bytes:
    # Large uploads are spooled to a temporary file: closed here, not left to the collector.
    try:
        return upload.read()
    finally:
        upload.close()


# A waiting list is larger than any JSON body: these two routes accept up to MAX_BYTES.
@import_api.post("/signalements/import")
@accepts_upload(waiting_list.MAX_BYTES, waiting_list.MAX_LABEL)
@allow(COORDINATOR)
@record_rule("coordinator: creates cases of source import; all rows or none")
@documented(
    summary="Importer une liste d'attente (CSV « ; » ou XLSX), tout ou rien",
    body=None,
    response=ImportReportSchema,
    status=201,
    errors=(413, 422),
)
def import_signalements() -> ResponseReturnValue:
    """`?dry_run=true` checks and reports without storing anything (200); else 201."""
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "oui")
    report = waiting_list.import_waiting_list(
        data=_uploaded(), principal=current_principal(), dry_run=dry_run
    )
    return report.as_dict(), 200 if dry_run else 201


@import_api.get("/signalements/import/template.xlsx")
@allow(COORDINATOR)
@documented(summary="Modèle de liste d'attente (XLSX)", response=None)
def import_template() -> ResponseReturnValue:
    """The columns of an import, with one example row."""
    return Response(
        waiting_list.template(),
        mimetype=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="modele-liste-attente.xlsx"'},
    )


@pages.get("/orientation/import")
@page(COORDINATOR)
def import_page() -> ResponseReturnValue:
    """Upload a waiting list: check first (dry run), then import."""
    return render_template("medecin_traitant/import.html", report=None, errors=None)


@pages.post("/orientation/import")
@accepts_upload(waiting_list.MAX_BYTES, waiting_list.MAX_LABEL)
@page(COORDINATOR)
def import_upload() -> ResponseReturnValue:
    """The row-by-row report in French; stored only when asked and every row is valid."""
    dry_run = request.form.get("mode") != "import"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors = {"file": ["Choisissez le fichier de la liste d'attente (CSV ou XLSX)."]}
        return render_template("medecin_traitant/import.html", report=None, errors=errors), 422
    try:
        report = waiting_list.import_waiting_list(
            data=_read(upload), principal=page_principal(), dry_run=dry_run
        )
    except ValidationFailed as error:
        return render_template(
            "medecin_traitant/import.html", report=None, errors=error.fields, message=error.message
        ), 422
    return render_template(
        "medecin_traitant/import.html", report=report.as_dict(), dry_run=dry_run, errors=None
    )
