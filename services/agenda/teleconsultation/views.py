"""HTTP endpoints of assisted teleconsultations: parse, call the service, present."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from services.agenda.teleconsultation import service
from services.agenda.teleconsultation.schemas import (
    TeleconsultationCreateSchema,
    TeleconsultationQuerySchema,
    TeleconsultationSchema,
    VideoLinkSchema,
)
from services.agenda.teleconsultation.service import TELECONSULTATION
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import ALL_ROLES, CLINICAL_ROLES, NURSE
from shared.cases.endpoints import (
    page_response,
    read_case_response,
    register_conversation,
    transition_response,
)
from shared.cases.presentation import case_response
from shared.cases.search import search_cases, search_item, terms_from_args
from shared.cases.search_schemas import SearchResultSchema, ServiceSearchQuerySchema
from shared.http.openapi import documented
from shared.http.pagination import page_schema
from shared.http.parsing import if_match_version, json_body, query_args

blueprint = Blueprint("agenda_teleconsultation", __name__, url_prefix="/api/agenda")


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
    return case_response(TELECONSULTATION, case, principal, 201)


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
    return page_response(TELECONSULTATION, query, args, principal)


@blueprint.get("/teleconsultations/search")
@allow(*ALL_ROLES)
@documented(
    summary="Rechercher des téléconsultations (par patient)",
    query=ServiceSearchQuerySchema,
    response=SearchResultSchema,
    errors=(422,),
)
def search_teleconsultations() -> ResponseReturnValue:
    """The agenda's part of `GET /api/orientation/search` and of the patient page: the
    teleconsultations the caller may see that `q` (or `patient`) finds."""
    terms = terms_from_args(query_args(ServiceSearchQuerySchema()))
    found = search_cases([TELECONSULTATION], terms, current_principal())
    return {"items": [search_item(case_type, case, _page_url(case)) for case_type, case in found]}


def _page_url(case: Any) -> str:
    """Where a teleconsultation shows: its card on the teleconsultations page."""
    return url_for("agenda_pages.teleconsultations", _anchor=case.reference)


@blueprint.get("/teleconsultations/<uuid:case_id>")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Consulter une téléconsultation", response=TeleconsultationSchema, errors=(404,)
)
def get_teleconsultation(case_id: uuid.UUID) -> ResponseReturnValue:
    """One teleconsultation with its history (404 when the caller may not see it)."""
    return read_case_response(TELECONSULTATION, case_id)


@blueprint.patch("/teleconsultations/<uuid:case_id>")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Lien de visioconférence d'une téléconsultation",
    body=VideoLinkSchema,
    response=TeleconsultationSchema,
    errors=(403, 404, 409, 422),
)
def set_video_link(case_id: uuid.UUID) -> ResponseReturnValue:
    """Set or remove (null) the video call's https address: the nurse, the GP, coordinator."""
    data = json_body(VideoLinkSchema())
    principal = current_principal()
    case = service.set_video_link(
        case_id=case_id,
        video_url=data["video_url"],
        principal=principal,
        if_match=if_match_version(),
    )
    return case_response(TELECONSULTATION, case, principal)


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
    return transition_response(TELECONSULTATION, case_id, name)


# Messages and documents, as on every case type (whoever may see the case).
register_conversation(blueprint, TELECONSULTATION, "teleconsultations", CLINICAL_ROLES)
