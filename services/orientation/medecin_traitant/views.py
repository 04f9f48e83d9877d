"""HTTP endpoints of médecin-traitant cases: parse, call the service, present."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.orientation.medecin_traitant import allocation_service, service
from services.orientation.medecin_traitant.schemas import (
    AllocationPreviewSchema,
    AllocationRequestSchema,
    AllocationResultSchema,
    CaseListQuerySchema,
    CaseSchema,
    SignalementSchema,
    SuggestionQuerySchema,
    SuggestionSchema,
    WaitingNearQuerySchema,
    WaitingPatientSchema,
)
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import COORDINATOR, GP, SIGNALEMENT_ROLES
from shared.cases.endpoints import (
    page_response,
    read_case_response,
    register_conversation,
    transition_response,
)
from shared.cases.presentation import case_response
from shared.http.openapi import documented
from shared.http.pagination import page_schema
from shared.http.parsing import json_body, query_args

blueprint = Blueprint("orientation_medecin_traitant", __name__, url_prefix="/api/orientation")
suggestion_schema = SuggestionSchema()
# Built once: instantiating a nested schema on every request costs more than validating.
signalement_schema = SignalementSchema()
allocation_request_schema = AllocationRequestSchema()
allocation_result_schema = AllocationResultSchema()


@blueprint.post("/signalements")
@allow(*SIGNALEMENT_ROLES)
@documented(
    summary="Signaler un patient sans médecin traitant",
    body=SignalementSchema,
    response=CaseSchema,
    status=201,
    errors=(409,),
)
def submit_signalement() -> ResponseReturnValue:
    """Any member professional reports a patient without a médecin traitant."""
    data = json_body(signalement_schema)
    principal = current_principal()
    case = service.submit_signalement(data=data, principal=principal)
    return case_response(MEDECIN_TRAITANT, case, principal, 201)


@blueprint.get("/cases")
@allow(*SIGNALEMENT_ROLES)
@documented(
    summary="Lister les dossiers", query=CaseListQuerySchema, response=page_schema(CaseSchema)
)
def list_cases() -> ResponseReturnValue:
    """Cases the caller may see (all for the coordinator), most urgent then oldest first."""
    args = query_args(CaseListQuerySchema())
    principal = current_principal()
    if args["kind"] not in (None, MEDECIN_TRAITANT.kind):
        return {"items": [], "page": args["page"], "per_page": args["per_page"], "total": 0}
    query = service.list_query(principal=principal, state=args["state"], priority=args["priority"])
    return page_response(MEDECIN_TRAITANT, query, args, principal)


@blueprint.get("/cases/waiting-near")
@allow(COORDINATOR, GP)
@documented(
    summary="Patients en attente près d'un médecin",
    query=WaitingNearQuerySchema,
    response=WaitingPatientSchema(many=True),
    errors=(403, 404),
)
def waiting_near() -> ResponseReturnValue:
    """Triaged patients this GP could take, by priority then distance, without identity: age
    band, commune, needs, priority (the reference too for the coordinator)."""
    args = query_args(WaitingNearQuerySchema())
    found = allocation_service.waiting_near_gp(args["professional_id"], current_principal())
    return WaitingPatientSchema(many=True).dump(found)


@blueprint.post("/cases/<uuid:case_id>/interest")
@allow(GP)
@documented(summary="Je peux prendre ce patient", body=None, status=202, errors=(404,))
def declare_interest(case_id: uuid.UUID) -> ResponseReturnValue:
    """A GP tells the coordination they can take a patient waiting near them."""
    allocation_service.declare_interest(case_id, current_principal())
    return {"case_id": str(case_id), "notified": True}, 202


@blueprint.get("/cases/<uuid:case_id>")
@allow(*SIGNALEMENT_ROLES)
@documented(summary="Consulter un dossier", response=CaseSchema, errors=(404,))
def get_case(case_id: uuid.UUID) -> ResponseReturnValue:
    """One case with its history; 404 when it does not exist or the caller may not see it
    (a professional sees what they submitted, a GP what was proposed to or accepted by them)."""
    return read_case_response(MEDECIN_TRAITANT, case_id)


@blueprint.get("/cases/<uuid:case_id>/suggestions")
@allow(COORDINATOR)
@documented(
    summary="Médecins suggérés",
    query=SuggestionQuerySchema,
    response=SuggestionSchema(many=True),
    errors=(404, 503),
)
def get_suggestions(case_id: uuid.UUID) -> ResponseReturnValue:
    """GPs ranked for this case: distance, languages, home visits, capacity left."""
    args = query_args(SuggestionQuerySchema())
    found = service.suggestions(case_id=case_id, principal=current_principal(), limit=args["limit"])
    return suggestion_schema.dump(found, many=True)


@blueprint.post("/cases/<uuid:case_id>/transitions/<name>")
@allow(*SIGNALEMENT_ROLES)
@documented(
    summary="Faire avancer un dossier", body=None, response=CaseSchema, errors=(404, 409, 422)
)
def fire_transition(case_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire a transition (triage, propose, accept, decline, confirm, hold, resume, cancel).

    A case the caller may not see answers 404, as if it did not exist: a GP answering a case
    proposed to another GP gets 404, not 403. On a case the caller sees: a role that may not
    fire this transition → 403; not possible from the current state → 409 `invalid_transition`;
    a stale `If-Match` → 409 `version_conflict`; a bad body → 422. `expire` is fired by the
    system only (no answer within 14 days).
    """
    return transition_response(MEDECIN_TRAITANT, case_id, name)


@blueprint.get("/allocations/preview")
@allow(COORDINATOR)
@documented(summary="Répartition optimale des patients", response=AllocationPreviewSchema)
def allocation_preview() -> ResponseReturnValue:
    """The optimal allocation of every triaged case to the GPs' places left this month: most
    priority-1 patients placed, then priority 2, then 3, then the best total score. Read-only."""
    return allocation_service.allocation_preview()


@blueprint.post("/allocations")
@allow(COORDINATOR)
@documented(
    summary="Envoyer les propositions d'une répartition",
    body=AllocationRequestSchema,
    response=AllocationResultSchema,
)
def send_allocation() -> ResponseReturnValue:
    """Fire `propose` for each (case, GP), each in its own transaction; refusals per case."""
    data = json_body(allocation_request_schema)
    result = allocation_service.propose_all(data["assignments"], current_principal())
    return allocation_result_schema.dump(result)


# Messages and documents, as on every case type (whoever may see the case).
register_conversation(blueprint, MEDECIN_TRAITANT, "cases", SIGNALEMENT_ROLES)
