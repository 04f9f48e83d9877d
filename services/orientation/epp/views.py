"""HTTP endpoints of EPP referrals: parse, call the service, present."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.orientation.epp import service
from services.orientation.epp.machine import MACHINE
from services.orientation.epp.models import EppHistory, EppReferral
from services.orientation.epp.schemas import (
    ReferralListQuerySchema,
    ReferralOutputSchema,
    ReferralSchema,
)
from services.orientation.medecin_traitant.schemas import SuggestionQuerySchema, SuggestionSchema
from shared.auth.permissions import allow, current_principal
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, COORDINATOR
from shared.cases.presentation import case_response, present_case
from shared.cases.service import record_reads
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import if_match_version, json_body, json_object, query_args

blueprint = Blueprint("orientation_epp", __name__, url_prefix="/api/orientation")
referral_schema = ReferralOutputSchema()
suggestion_schema = SuggestionSchema()


def present(referral: EppReferral, principal: Principal) -> dict:
    """The referral as the API returns it to this caller."""
    return present_case(
        referral,
        schema=referral_schema,
        machine=MACHINE,
        principal=principal,
        history=service.history(referral),
    )


def _response(
    referral: EppReferral, principal: Principal, status: int = 200
) -> ResponseReturnValue:
    return case_response(present(referral, principal), referral, status)


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
    return _response(service.submit_referral(data=data, principal=principal), principal, 201)


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

    def dump(rows: list[EppReferral]) -> list[dict]:
        record_reads(rows, EppHistory)
        return [present(r, principal) for r in rows]

    return paginate(query, page=args["page"], per_page=args["per_page"], dump=dump)


@blueprint.get("/epp-referrals/<uuid:referral_id>")
@allow(*CLINICAL_ROLES)
@documented(summary="Consulter une demande d'EPP", response=ReferralOutputSchema, errors=(404,))
def get_referral(referral_id: uuid.UUID) -> ResponseReturnValue:
    """One referral with its history; 404 when it does not exist or the caller may not see it."""
    principal = current_principal()
    return _response(service.get_referral(referral_id=referral_id, principal=principal), principal)


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
    body = json_object(allow_empty=True)
    principal = current_principal()
    referral = service.transition(
        referral_id=referral_id,
        name=name,
        body=body,
        principal=principal,
        if_match=if_match_version(),
    )
    return _response(referral, principal)
