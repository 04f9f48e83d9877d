"""HTTP endpoints of the directory."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.agenda.directory import service
from services.agenda.directory.schemas import (
    ProfessionalCreateSchema,
    ProfessionalQuerySchema,
    ProfessionalSchema,
    ProfessionalUpdateSchema,
)
from shared.auth.permissions import ANY_ROLE, allow, current_principal
from shared.auth.roles import ADMIN, COORDINATOR, GP, MIDWIFE, NURSE
from shared.errors import ValidationFailed
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import json_body, query_args

blueprint = Blueprint("agenda_directory", __name__, url_prefix="/api/agenda")
professional_schema = ProfessionalSchema()


def _parse_ids(raw: str | None) -> list[uuid.UUID] | None:
    if raw is None:
        return None
    try:
        return [uuid.UUID(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationFailed({"ids": ["Identifiants invalides."]}) from exc


@blueprint.get("/professionals")
@allow(*ANY_ROLE)
@documented(
    summary="Rechercher dans l'annuaire",
    query=ProfessionalQuerySchema,
    response=page_schema(ProfessionalSchema),
)
def list_professionals() -> ResponseReturnValue:
    """Professionals of the CPTS, filtered by profession, city and availability."""
    args = query_args(ProfessionalQuerySchema())
    query = service.search_query(
        profession=args["profession"],
        city=args["city"],
        accepting_new_patients=args["accepting_new_patients"],
        ids=_parse_ids(args["ids"]),
    )
    return paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: professional_schema.dump(rows, many=True),
    )


@blueprint.post("/professionals")
@allow(COORDINATOR, ADMIN)
@documented(
    summary="Ajouter un professionnel",
    body=ProfessionalCreateSchema,
    response=ProfessionalSchema,
    status=201,
    errors=(409,),
)
def create_professional() -> ResponseReturnValue:
    """Register a professional in the directory."""
    data = json_body(ProfessionalCreateSchema())
    return professional_schema.dump(service.register_professional(data=data)), 201


@blueprint.get("/professionals/<uuid:professional_id>")
@allow(*ANY_ROLE)
@documented(summary="Fiche d'un professionnel", response=ProfessionalSchema, errors=(404,))
def get_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """One directory entry."""
    return professional_schema.dump(service.get_professional(professional_id))


@blueprint.patch("/professionals/<uuid:professional_id>")
@allow(COORDINATOR, ADMIN, GP, MIDWIFE, NURSE)
@documented(
    summary="Modifier une fiche",
    body=ProfessionalUpdateSchema,
    response=ProfessionalSchema,
    errors=(404,),
)
def update_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """Update a directory entry (coordinator, admin, or the professional themself)."""
    data = json_body(ProfessionalUpdateSchema())
    professional = service.update_professional(
        professional_id=professional_id, data=data, principal=current_principal()
    )
    return professional_schema.dump(professional)
