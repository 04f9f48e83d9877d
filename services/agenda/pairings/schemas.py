"""Pairing request and response schemas."""

from __future__ import annotations

from marshmallow import fields

from services.agenda.slots.schemas import ParisDateTime, ProfessionalSummarySchema
from shared.schemas import UUID, BaseSchema, OutputSchema, PageQuerySchema


class PairingCreateSchema(BaseSchema):
    nurse_id = UUID(required=True)
    gp_id = UUID(required=True)


class PairingQuerySchema(PageQuerySchema):
    nurse_id = UUID(load_default=None)
    gp_id = UUID(load_default=None)


class PairingSchema(OutputSchema):
    id = UUID()
    nurse_id = UUID()
    gp_id = UUID()
    nurse = fields.Nested(ProfessionalSummarySchema)
    gp = fields.Nested(ProfessionalSummarySchema)
    created_at = ParisDateTime()
