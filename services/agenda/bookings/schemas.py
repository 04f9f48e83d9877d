"""Booking request and response schemas."""

from __future__ import annotations

from marshmallow import fields

from services.agenda.slots.schemas import ParisDateTime, SlotSchema
from shared.schemas import (
    UUID,
    BaseSchema,
    Boolean,
    Nested,
    OutputSchema,
    PageQuerySchema,
    PatientSchema,
    String,
    length,
    not_blank,
)


class BookingCreateSchema(BaseSchema):
    """`POST /slots/{id}/booking`."""

    patient = Nested(PatientSchema, required=True)
    reason = String(required=True, validate=[not_blank, length(2000)])


class BookingQuerySchema(PageQuerySchema):
    include_cancelled = Boolean(load_default=False)


class BookingSchema(OutputSchema):
    id = UUID()
    status = fields.Function(lambda b: "cancelled" if b["booking"].cancelled_at else "active")
    slot = fields.Nested(SlotSchema)
    patient = fields.Function(lambda b: b["booking"].patient_dict())
    reason = fields.Function(lambda b: b["booking"].reason)
    booked_by = fields.Function(
        lambda b: {"user_id": str(b["booking"].created_by), "email": b["booking"].created_by_email}
    )
    teleconsultation_id = UUID(allow_none=True)
    created_at = ParisDateTime()
    cancelled_at = ParisDateTime(allow_none=True)
