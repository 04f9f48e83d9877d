"""HTTP endpoints of standing nurse–GP pairs."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.agenda.pairings import service
from services.agenda.pairings.schemas import PairingCreateSchema, PairingQuerySchema, PairingSchema
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import ADMIN, COORDINATOR, GP, NURSE
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import json_body, query_args

blueprint = Blueprint("agenda_pairings", __name__, url_prefix="/api/agenda")
pairing_schema = PairingSchema()


@blueprint.post("/pairings")
@allow(COORDINATOR, ADMIN, NURSE)
@documented(
    summary="Former un binôme infirmier–médecin",
    body=PairingCreateSchema,
    response=PairingSchema,
    status=201,
    errors=(403, 409, 422),
)
def create_pairing() -> ResponseReturnValue:
    """Record a standing pair of a home nurse and a GP."""
    data = json_body(PairingCreateSchema())
    pairing = service.create_pairing(
        nurse_id=data["nurse_id"], gp_id=data["gp_id"], principal=current_principal()
    )
    return pairing_schema.dump(service.present([pairing])[0]), 201


@blueprint.get("/pairings")
@allow(COORDINATOR, ADMIN, NURSE, GP)
@documented(
    summary="Lister les binômes", query=PairingQuerySchema, response=page_schema(PairingSchema)
)
def list_pairings() -> ResponseReturnValue:
    """Standing pairs: the caller's own, or all for the coordinator."""
    args = query_args(PairingQuerySchema())
    query = service.list_query(
        principal=current_principal(), nurse_id=args["nurse_id"], gp_id=args["gp_id"]
    )
    return paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: pairing_schema.dump(service.present(rows), many=True),
    )


@blueprint.delete("/pairings/<uuid:pairing_id>")
@allow(COORDINATOR, ADMIN, NURSE, GP)
@documented(summary="Mettre fin à un binôme", status=204, errors=(403, 404))
def delete_pairing(pairing_id: uuid.UUID) -> ResponseReturnValue:
    """End a standing pair."""
    service.delete_pairing(pairing_id=pairing_id, principal=current_principal())
    return "", 204
