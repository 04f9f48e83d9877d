"""HTTP endpoints of assisted teleconsultations: parse, call the service, present."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.agenda.teleconsultation import service
from services.agenda.teleconsultation.machine import MACHINE
from services.agenda.teleconsultation.models import TeleconsultationCase, TeleconsultationHistory
from services.agenda.teleconsultation.schemas import (
    HistoryEntrySchema,
    TeleconsultationCreateSchema,
    TeleconsultationQuerySchema,
    TeleconsultationSchema,
)
from shared.auth.permissions import allow, current_principal
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, NURSE
from shared.cases.presentation import case_response, present_case
from shared.cases.service import record_reads
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import if_match_version, json_body, json_object, query_args

blueprint = Blueprint("agenda_teleconsultation", __name__, url_prefix="/api/agenda")
case_schema = TeleconsultationSchema()
history_schema = HistoryEntrySchema(many=True)  # times in Europe/Paris


def present(case: TeleconsultationCase, principal: Principal) -> dict:
    """The case as the API returns it to this caller."""
    return present_case(
        case,
        schema=case_schema,
        machine=MACHINE,
        principal=principal,
        history=service.history(case),
        history_dumper=history_schema,
    )


def _response(
    case: TeleconsultationCase, principal: Principal, status: int = 200
) -> ResponseReturnValue:
    return case_response(present(case, principal), case, status)


@blueprint.post("/teleconsultations")
@allow(NURSE)
@documented(
    summary="Demander une téléconsultation assistée",
    body=TeleconsultationCreateSchema,
    response=TeleconsultationSchema,
    status=201,
    errors=(403, 422),
)
def request_teleconsultation() -> ResponseReturnValue:
    """A home nurse asks for a GP to join remotely within a time window."""
    data = json_body(TeleconsultationCreateSchema())
    principal = current_principal()
    case = service.request_teleconsultation(data=data, principal=principal)
    return _response(case, principal, 201)


@blueprint.get("/teleconsultations")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Lister les téléconsultations",
    query=TeleconsultationQuerySchema,
    response=page_schema(TeleconsultationSchema),
)
def list_teleconsultations() -> ResponseReturnValue:
    """Teleconsultations the caller may see (all for the coordinator), newest first."""
    args = query_args(TeleconsultationQuerySchema())
    principal = current_principal()
    query = service.list_query(principal=principal, state=args["state"])

    def dump(rows: list[TeleconsultationCase]) -> list[dict]:
        record_reads(rows, TeleconsultationHistory)
        return [present(case, principal) for case in rows]

    return paginate(query, page=args["page"], per_page=args["per_page"], dump=dump)


@blueprint.get("/teleconsultations/<uuid:case_id>")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Consulter une téléconsultation", response=TeleconsultationSchema, errors=(404,)
)
def get_teleconsultation(case_id: uuid.UUID) -> ResponseReturnValue:
    """One teleconsultation with its history (404 when the caller may not see it)."""
    principal = current_principal()
    return _response(service.get_case(case_id=case_id, principal=principal), principal)


@blueprint.post("/teleconsultations/<uuid:case_id>/transitions/<name>")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Faire avancer une téléconsultation",
    body=None,
    response=TeleconsultationSchema,
    errors=(403, 404, 409, 422),
)
def fire_transition(case_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire `pair`, `complete`, `no_show` or `cancel`."""
    body = json_object(allow_empty=True)
    principal = current_principal()
    case = service.transition(
        case_id=case_id, name=name, body=body, principal=principal, if_match=if_match_version()
    )
    return _response(case, principal)
