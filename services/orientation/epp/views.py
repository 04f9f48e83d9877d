"""HTTP endpoints of EPP referrals: parse, call the service, present."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.orientation.epp import service
from services.orientation.epp.schemas import (
    ReferralListQuerySchema,
    ReferralOutputSchema,
    ReferralSchema,
)
from services.orientation.epp.service import EPP
from services.orientation.medecin_traitant.schemas import SuggestionQuerySchema, SuggestionSchema
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import CLINICAL_ROLES, COORDINATOR
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

blueprint = Blueprint("orientation_epp", __name__, url_prefix="/api/orientation")
suggestion_schema = SuggestionSchema()


@blueprint.post("/epp-referrals")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Adresser une patiente enceinte pour un EPP",
    body=ReferralSchema,
    response=ReferralOutputSchema,
    status=201,
    errors=(409, 503),
)
def submit_referral() -> ResponseReturnValue:
    """Any member professional refers a pregnant patient to a midwife for the EPP."""
    data = json_body(ReferralSchema())
    principal = current_principal()
    referral = service.submit_referral(data=data, principal=principal)
    return case_response(EPP, referral, principal, 201)


@blueprint.get("/epp-referrals")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Lister les demandes d'EPP",
    query=ReferralListQuerySchema,
    response=page_schema(ReferralOutputSchema),
)
def list_referrals() -> ResponseReturnValue:
    """Referrals the caller may see; late ones (past 16 weeks) first, flagged `late`."""
    args = query_args(ReferralListQuerySchema())
    principal = current_principal()
    query = service.list_query(principal=principal, state=args["state"], late=args["late"])
    return page_response(EPP, query, args, principal)


@blueprint.get("/epp-referrals/<uuid:referral_id>")
@allow(*CLINICAL_ROLES)
@documented(summary="Consulter une demande d'EPP", response=ReferralOutputSchema, errors=(404,))
def get_referral(referral_id: uuid.UUID) -> ResponseReturnValue:
    """One referral with its history; 404 when it does not exist or the caller may not see it."""
    return read_case_response(EPP, referral_id)


@blueprint.get("/epp-referrals/<uuid:referral_id>/suggestions")
@allow(COORDINATOR)
@documented(
    summary="Sages-femmes suggérées",
    query=SuggestionQuerySchema,
    response=SuggestionSchema(many=True),
    errors=(404, 503),
)
def get_suggestions(referral_id: uuid.UUID) -> ResponseReturnValue:
    """Midwives accepting new patients with room this month, nearest first."""
    args = query_args(SuggestionQuerySchema())
    found = service.suggestions(
        referral_id=referral_id, principal=current_principal(), limit=args["limit"]
    )
    return suggestion_schema.dump(found, many=True)


@blueprint.post("/epp-referrals/<uuid:referral_id>/transitions/<name>")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Faire avancer une demande d'EPP",
    body=None,
    response=ReferralOutputSchema,
    errors=(404, 409, 422),
)
def fire_transition(referral_id: uuid.UUID, name: str) -> ResponseReturnValue:
    """Fire a transition (assign, accept, decline, complete, cancel)."""
    return transition_response(EPP, referral_id, name)


# Messages and documents, as on every case type (whoever may see the case).
register_conversation(blueprint, EPP, "epp-referrals", CLINICAL_ROLES)
