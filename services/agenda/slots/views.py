"""HTTP endpoints of slots: publish, recurring publication, search, withdraw."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.agenda.slots import reads, service
from services.agenda.slots.schemas import (
    RecurringResultSchema,
    RecurringSlotsSchema,
    SlotCreateSchema,
    SlotQuerySchema,
    SlotSchema,
)
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import ADMIN, CLINICAL_ROLES, COORDINATOR, GP
from shared.http.openapi import documented
from shared.http.pagination import page_schema
from shared.http.parsing import json_body, load

blueprint = Blueprint("agenda_slots", __name__, url_prefix="/api/agenda")
slot_schema = SlotSchema()
SLOT_READERS = (*CLINICAL_ROLES, ADMIN)
# The contract's "the gp, coordinator": the admin manages accounts, not the agenda.
SLOT_PUBLISHERS = (GP, COORDINATOR)


def _query_args() -> dict:
    args = request.args.to_dict()
    # An unencoded "+" in an offset arrives as a space: restore it rather than refuse the search.
    for key in ("from", "to"):
        if key in args:
            args[key] = args[key].replace(" ", "+")
    return load(SlotQuerySchema(), args)


@blueprint.post("/slots")
@allow(*SLOT_PUBLISHERS)
@documented(
    summary="Publier un créneau",
    body=SlotCreateSchema,
    response=SlotSchema,
    status=201,
    errors=(403, 422),
)
def publish_slot() -> ResponseReturnValue:
    """A GP publishes one of their slots (the coordinator for any professional)."""
    slot = service.publish_slot(data=json_body(SlotCreateSchema()), principal=current_principal())
    return slot_schema.dump(reads.describe([slot])[0]), 201


@blueprint.post("/slots/recurring")
@allow(*SLOT_PUBLISHERS)
@documented(
    summary="Publier des créneaux récurrents",
    body=RecurringSlotsSchema,
    response=RecurringResultSchema,
    status=201,
    errors=(403, 422),
)
def publish_recurring() -> ResponseReturnValue:
    """Every given weekday, N slots in a time range, for some weeks: ordinary slots, all or none."""
    result = service.publish_recurring(
        data=json_body(RecurringSlotsSchema()), principal=current_principal()
    )
    return {
        "created": len(result.slots),
        "skipped_past": result.skipped_past,
        "items": slot_schema.dump(reads.describe(result.slots), many=True),
    }, 201


@blueprint.get("/slots")
@allow(*SLOT_READERS)
@documented(
    summary="Chercher des créneaux", query=SlotQuerySchema, response=page_schema(SlotSchema)
)
def list_slots() -> ResponseReturnValue:
    """Slots between two times, by kind, near a commune (`city`/`postal_code`), soonest first."""
    args = _query_args()
    distances = None
    if args["city"] or args["postal_code"]:
        commune = reads.find_commune(city=args["city"], postal_code=args["postal_code"])
        distances = reads.professionals_near(commune, args["radius_km"])
    query = reads.search_query(
        start=args["from_"],
        end=args["to"],
        kind=args["kind"],
        available=args["available"],
        professional_id=args["professional_id"],
        professional_ids=list(distances) if distances is not None else None,
    )
    found = reads.search_page(
        query, page=args["page"], per_page=args["per_page"], distances=distances
    )
    return {**found, "items": slot_schema.dump(found["items"], many=True)}


@blueprint.get("/slots/<uuid:slot_id>")
@allow(*SLOT_READERS)
@documented(summary="Consulter un créneau", response=SlotSchema, errors=(404,))
def get_slot(slot_id: uuid.UUID) -> ResponseReturnValue:
    """One published slot."""
    return slot_schema.dump(reads.describe_slot(slot_id))


@blueprint.delete("/slots/<uuid:slot_id>")
@allow(*SLOT_PUBLISHERS)
@documented(summary="Retirer un créneau", status=204, errors=(403, 404, 409))
def withdraw_slot(slot_id: uuid.UUID) -> ResponseReturnValue:
    """Withdraw a free slot; 409 `slot_already_booked` while it is booked."""
    service.withdraw_slot(slot_id=slot_id, principal=current_principal())
    return "", 204
