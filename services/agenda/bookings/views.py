"""HTTP endpoints of bookings: book a slot, list and read bookings, cancel."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.agenda.bookings import reads, service
from services.agenda.bookings.models import Booking
from services.agenda.bookings.schemas import BookingCreateSchema, BookingQuerySchema, BookingSchema
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import CLINICAL_ROLES
from shared.cases.service import record_reads
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import json_body, query_args

blueprint = Blueprint("agenda_bookings", __name__, url_prefix="/api/agenda")
booking_schema = BookingSchema()


def _dump(booking: Booking) -> dict[str, Any]:
    """One booking with its slot, as the API returns it."""
    return booking_schema.dump(reads.present([booking])[0])


@blueprint.post("/slots/<uuid:slot_id>/booking")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Réserver un créneau",
    body=BookingCreateSchema,
    response=BookingSchema,
    status=201,
    errors=(404, 409, 422),
)
def book_slot(slot_id: uuid.UUID) -> ResponseReturnValue:
    """Book a free slot for a patient; exactly one booking wins, the others get 409."""
    data = json_body(BookingCreateSchema())
    booking = service.book_slot(slot_id=slot_id, data=data, principal=current_principal())
    return _dump(booking), 201


@blueprint.get("/bookings")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Mes réservations", query=BookingQuerySchema, response=page_schema(BookingSchema)
)
def list_bookings() -> ResponseReturnValue:
    """Bookings the caller made, and (for a GP) those made on their slots."""
    args = query_args(BookingQuerySchema())
    query = reads.list_query(
        principal=current_principal(), include_cancelled=args["include_cancelled"]
    )

    def dump(rows: list[Booking]) -> list[dict[str, Any]]:
        record_reads(rows)
        return booking_schema.dump(reads.present(rows), many=True)

    return paginate(query, page=args["page"], per_page=args["per_page"], dump=dump)


@blueprint.get("/bookings/<uuid:booking_id>")
@allow(*CLINICAL_ROLES)
@documented(summary="Consulter une réservation", response=BookingSchema, errors=(404,))
def get_booking(booking_id: uuid.UUID) -> ResponseReturnValue:
    """One booking (404 when the caller may not see it)."""
    booking = service.get_booking(booking_id=booking_id, principal=current_principal())
    return _dump(booking)


@blueprint.delete("/bookings/<uuid:booking_id>")
@allow(*CLINICAL_ROLES)
@documented(summary="Annuler une réservation", response=BookingSchema, errors=(404, 409))
def cancel_booking(booking_id: uuid.UUID) -> ResponseReturnValue:
    """Cancel a booking, which frees the slot."""
    booking = service.cancel_booking(booking_id=booking_id, principal=current_principal())
    return _dump(booking)
