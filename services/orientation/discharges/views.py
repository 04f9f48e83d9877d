"""HTTP endpoints of hospital discharge cases: parse, call the service, present."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.orientation.discharges import reads, service
from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.readiness import MissingItem
from services.orientation.discharges.schemas import (
    DischargeCaseSchema,
    DischargeCreateSchema,
    DischargeListQuerySchema,
    DischargeUpdateSchema,
    WorklistSchema,
)
from services.orientation.discharges.service import DISCHARGE
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import COORDINATOR, DAC, GP, MIDWIFE, NURSE, PROFESSIONAL
from shared.cases.endpoints import (
    page_response,
    read_case_response,
    register_conversation,
    transition_response,
)
from shared.cases.presentation import case_response
from shared.http.openapi import documented
from shared.http.pagination import page_schema
from shared.http.parsing import if_match_version, json_body, query_args

blueprint = Blueprint("orientation_discharges", __name__, url_prefix="/api/orientation")
STAFF = (DAC, COORDINATOR)
# City professionals read the cases that name them (record rule in the service).
READERS = (*STAFF, GP, NURSE, MIDWIFE, PROFESSIONAL)


def _worklist_item(case: DischargeCase, missing: list[MissingItem]) -> dict:
    return {
        "id": str(case.id),
        "reference": case.reference,
        "state": case.state,
        "patient": {
            "last_name": case.patient_last_name,
            "first_name": case.patient_first_name,
            "birth_date": case.patient_birth_date.isoformat(),
        },
        "hospital": {"name": case.hospital_name, "service": case.hospital_service},
        "planned_discharge_date": case.planned_discharge_date.isoformat()
        if case.planned_discharge_date
        else None,
        "actual_discharge_date": case.actual_discharge_date.isoformat()
        if case.actual_discharge_date
        else None,
        "missing": [item.label for item in missing],
        "version": case.version,
    }


@blueprint.post("/discharges")
@allow(*STAFF)
@documented(
    summary="Annoncer une sortie d'hospitalisation",
    body=DischargeCreateSchema,
    response=DischargeCaseSchema,
    status=201,
    errors=(503,),
)
def create_discharge() -> ResponseReturnValue:
    """DAC staff or the coordinator record a discharge to organise."""
    data = json_body(DischargeCreateSchema())
    principal = current_principal()
    case = service.create_discharge(data=data, principal=principal)
    return case_response(DISCHARGE, case, principal, 201)


@blueprint.get("/discharges")
@allow(*READERS)
@documented(
    summary="Lister les sorties d'hospitalisation",
    query=DischargeListQuerySchema,
    response=page_schema(DischargeCaseSchema),
)
def list_discharges() -> ResponseReturnValue:
    """Discharges the caller may see, soonest planned date first (undated last)."""
    args = query_args(DischargeListQuerySchema())
    principal = current_principal()
    query = service.list_query(principal=principal, state=args["state"])
    return page_response(DISCHARGE, query, args, principal)


@blueprint.get("/discharges/worklist")
@allow(*STAFF)
@documented(summary="Liste de travail du DAC", response=WorklistSchema)
def get_worklist() -> ResponseReturnValue:
    """Open discharges by planned date (Paris): overdue, today, tomorrow, rest of the week,
    later, undated; preparations still missing something; discharges awaiting follow-up."""
    found = reads.worklist(principal=current_principal())
    return {
        "date": found.date.isoformat(),
        **{
            name: [_worklist_item(case, found.missing[case.id]) for case in getattr(found, name)]
            for name in reads.GROUPS
        },
    }


@blueprint.get("/discharges/<uuid:case_id>")
@allow(*READERS)
@documented(summary="Consulter une sortie", response=DischargeCaseSchema, errors=(404,))
def get_discharge(case_id: uuid.UUID) -> ResponseReturnValue:
    """One discharge with its history; 404 when it does not exist or the caller may not see it."""
    return read_case_response(DISCHARGE, case_id)


@blueprint.patch("/discharges/<uuid:case_id>")
@allow(*STAFF)
@documented(
    summary="Modifier une sortie",
    body=DischargeUpdateSchema,
    response=DischargeCaseSchema,
    errors=(404, 409, 503),
)
def update_discharge(case_id: uuid.UUID) -> ResponseReturnValue:
    """Change any field before the discharge; `If-Match: "<version>"` refuses stale edits."""
    data = json_body(DischargeUpdateSchema())
    principal = current_principal()
    case = service.update_discharge(
        case_id=case_id, data=data, principal=principal, if_match=if_match_version()
    )
    return case_response(DISCHARGE, case, principal)


@blueprint.post("/discharges/<uuid:case_id>/transitions/<name>")
@allow(*STAFF)
@documented(
    summary="Faire avancer une sortie",
    body=None,
    response=DischargeCaseSchema,
    errors=(404, 409, 422),
)
def fire_transition(case_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire a transition (prepare, mark_ready, discharge, follow_up, cancel)."""
    return transition_response(DISCHARGE, case_id, name)


# Messages and documents, as on every case type (whoever may see the case).
register_conversation(blueprint, DISCHARGE, "discharges", READERS)
