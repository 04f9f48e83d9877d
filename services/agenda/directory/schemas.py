"""Directory request and response schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, validate

from services.agenda.directory.models import PROFESSIONS
from shared.schemas import (
    UUID,
    BaseSchema,
    Boolean,
    Email,
    Float,
    Integer,
    List,
    OutputSchema,
    PageQuerySchema,
    String,
    identifier,
    length,
    not_blank,
    one_of,
)
from shared.validators import validate_phone, validate_postal_code, validate_rpps

LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Code de langue ISO 639 attendu (ex. « fr »).")


class ProfessionalCreateSchema(BaseSchema):
    rpps = String(required=True, validate=identifier(validate_rpps))
    last_name = String(required=True, validate=[not_blank, length(100)])
    first_name = String(required=True, validate=[not_blank, length(100)])
    profession = String(required=True, validate=one_of(PROFESSIONS))
    address = String(load_default=None, allow_none=True, validate=length(200))
    postal_code = String(required=True, validate=identifier(validate_postal_code))
    city = String(required=True, validate=[not_blank, length(100)])
    latitude = Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=-90, max=90, error="Latitude entre -90 et 90."),
    )
    longitude = Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=-180, max=180, error="Longitude entre -180 et 180."),
    )
    phone = String(load_default=None, allow_none=True, validate=identifier(validate_phone))
    mssante_email = Email(load_default=None, allow_none=True)
    accepts_new_patients = Boolean(load_default=False)
    new_patient_capacity = Integer(
        load_default=0,
        validate=validate.Range(min=0, max=500, error="Capacité mensuelle entre 0 et 500."),
    )
    languages = List(String(validate=LANGUAGE), load_default=lambda: ["fr"])
    home_visits = Boolean(load_default=False)
    teleconsultation = Boolean(load_default=False)


class ProfessionalUpdateSchema(ProfessionalCreateSchema):
    """Every field optional; `rpps` and `profession` cannot change."""

    class Meta:
        unknown = RAISE
        exclude = ("rpps", "profession")

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class ProfessionalSchema(OutputSchema):
    id = UUID()
    rpps = String()
    last_name = String()
    first_name = String()
    profession = String()
    address = String(allow_none=True)
    postal_code = String()
    city = String()
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    phone = String(allow_none=True)
    mssante_email = String(allow_none=True)
    accepts_new_patients = Boolean()
    new_patient_capacity = Integer()
    languages = List(String())
    home_visits = Boolean()
    teleconsultation = Boolean()


class ProfessionalQuerySchema(PageQuerySchema):
    profession = String(load_default=None, validate=one_of(PROFESSIONS))
    city = String(load_default=None)
    accepting_new_patients = Boolean(load_default=None)
    ids = String(load_default=None)  # comma-separated ids, for the other services
