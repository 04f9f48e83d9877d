"""Slot request and response schemas; times leave the API in Europe/Paris."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import fields, validate

from services.agenda.slots.models import SLOT_KINDS
from shared.schemas import (
    UUID,
    AwareDateTime,
    BaseSchema,
    Boolean,
    Date,
    Float,
    Integer,
    OutputSchema,
    PageQuerySchema,
    String,
    one_of,
)
from shared.timeutil import PARIS

HH_MM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Heure attendue au format HH:MM.")
# Offered to the national SAS: SNP slots only, `true` unless said otherwise (docs/sas.md).
SAS_VISIBLE = Boolean(
    load_default=True,
    metadata={
        "description": "Créneau proposé au SAS (soins non programmés seulement ; vrai par défaut)."
    },
)


def paris_iso(value: dt.datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in Europe/Paris (with its +01:00 / +02:00 offset)."""
    return None if value is None else value.astimezone(PARIS).isoformat()


class ParisDateTime(fields.Field):
    """An aware datetime shown in Europe/Paris."""

    def _serialize(
        self, value: dt.datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        return paris_iso(value)


class SlotCreateSchema(BaseSchema):
    """`POST /slots`; a GP may leave out `professional_id` (their own)."""

    professional_id = UUID(load_default=None)
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    kind = String(required=True, validate=one_of(SLOT_KINDS))
    sas_visible = SAS_VISIBLE


class RecurringSlotsSchema(BaseSchema):
    """`POST /slots/recurring`: every `weekday` from `start_time` to `end_time`, for `weeks`."""

    professional_id = UUID(load_default=None)
    kind = String(required=True, validate=one_of(SLOT_KINDS))
    weekday = Integer(
        required=True,
        validate=validate.Range(min=1, max=7, error="Jour de 1 (lundi) à 7 (dimanche)."),
    )
    start_time = String(required=True, validate=HH_MM)
    end_time = String(required=True, validate=HH_MM)
    slot_minutes = Integer(
        required=True,
        validate=validate.Range(min=5, max=240, error="Durée d'un créneau entre 5 et 240 minutes."),
    )
    count = Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=48, error="Entre 1 et 48 créneaux par jour."),
    )
    weeks = Integer(
        required=True,
        validate=validate.Range(min=1, max=52, error="Entre 1 et 52 semaines."),
    )
    start_date = Date(load_default=None, allow_none=True)
    sas_visible = SAS_VISIBLE


class SlotQuerySchema(PageQuerySchema):
    from_ = AwareDateTime(data_key="from", load_default=None)
    to = AwareDateTime(load_default=None)
    kind = String(load_default=None, validate=one_of(SLOT_KINDS))
    city = String(load_default=None, validate=validate.Length(min=1, max=100))
    postal_code = String(load_default=None, validate=validate.Regexp(r"^\d{5}$"))
    radius_km = Float(
        load_default=30.0,
        validate=validate.Range(min=0, max=300, error="Rayon entre 0 et 300 km."),
    )
    available = Boolean(load_default=None)
    professional_id = UUID(load_default=None)


class ProfessionalSummarySchema(OutputSchema):
    id = UUID()
    last_name = String()
    first_name = String()
    profession = String()
    address = String(allow_none=True)
    postal_code = String()
    city = String()
    phone = String(allow_none=True)


class SlotSchema(OutputSchema):
    id = UUID()
    professional_id = UUID()
    professional = fields.Nested(ProfessionalSummarySchema)
    kind = String()
    start = ParisDateTime(attribute="start_at")
    end = ParisDateTime(attribute="end_at")
    available = Boolean()
    sas_visible = Boolean()
    distance_km = Float(allow_none=True)


class RecurringResultSchema(OutputSchema):
    created = Integer()
    skipped_past = Integer()
    items = fields.List(fields.Nested(SlotSchema))
