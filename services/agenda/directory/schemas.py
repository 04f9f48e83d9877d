"""Directory request and response schemas: professionals, their sites, organisations."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, ValidationError, validate

from services.agenda.directory.models import ORGANISATION_KINDS, PROFESSIONS, QUALIFICATIONS
from shared.geo import by_insee
from shared.schemas import (
    UUID,
    AwareDateTime,
    BaseSchema,
    Boolean,
    Email,
    Float,
    Integer,
    List,
    Nested,
    OptionalText,
    OutputSchema,
    PageQuerySchema,
    QuerySchema,
    String,
    identifier,
    length,
    not_blank,
    one_of,
)
from shared.validators import validate_phone, validate_postal_code, validate_rpps

LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Code de langue ISO 639 attendu (ex. « fr »).")
MAX_CAPACITY = 500
SORTS = ("name", "-name", "city", "-city", "capacity", "-capacity", "updated", "-updated")


def known_insee(value: str) -> None:
    """An INSEE commune code of the commune table."""
    if by_insee(value) is None:
        raise ValidationError(f"Code commune INSEE inconnu : {value}.")


class PlaceInputSchema(BaseSchema):
    """Where an entry is, as a body gives it: address, commune and, when known, the
    coordinates (else the commune's reference point)."""

    address = String(load_default=None, allow_none=True, validate=length(200))
    postal_code = String(required=True, validate=identifier(validate_postal_code))
    city = String(required=True, validate=[not_blank, length(100)])
    insee = String(load_default=None, allow_none=True, validate=known_insee)
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


class AvailabilitySchema(BaseSchema):
    """What a professional says of themself ("Ma disponibilité")."""

    phone = String(load_default=None, allow_none=True, validate=identifier(validate_phone))
    mssante_email = Email(load_default=None, allow_none=True)
    accepts_new_patients = Boolean(load_default=False)
    new_patient_capacity = Integer(
        load_default=0,
        validate=validate.Range(
            min=0, max=MAX_CAPACITY, error=f"Capacité mensuelle entre 0 et {MAX_CAPACITY}."
        ),
    )
    languages = List(String(validate=LANGUAGE), load_default=lambda: ["fr"])
    home_visits = Boolean(load_default=False)
    teleconsultation = Boolean(load_default=False)


class AvailabilityUpdateSchema(AvailabilitySchema):
    """Availability fields, each optional."""

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class ProfessionalCreateSchema(AvailabilitySchema, PlaceInputSchema):
    rpps = String(required=True, validate=identifier(validate_rpps))
    last_name = String(required=True, validate=[not_blank, length(100)])
    first_name = String(required=True, validate=[not_blank, length(100)])
    profession = String(required=True, validate=one_of(PROFESSIONS))
    qualifications = List(String(validate=one_of(QUALIFICATIONS)), load_default=list)
    cpts_member = Boolean(load_default=False)


class ProfessionalUpdateSchema(ProfessionalCreateSchema):
    """Every field optional; `rpps` and `profession` cannot change; `active` deactivates."""

    active = Boolean()

    class Meta:
        unknown = RAISE
        exclude = ("rpps", "profession")

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class PlaceSchema(OutputSchema):
    """Where an entry is: address, commune and its reference point, phone."""

    address = String(allow_none=True)
    postal_code = String()
    city = String()
    insee = String(allow_none=True)
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    phone = String(allow_none=True)


class PracticeSiteSchema(PlaceSchema):
    name = String(allow_none=True)
    siret = String(allow_none=True)
    finess = String(allow_none=True)


class ProfessionalSchema(PlaceSchema):
    id = UUID()
    rpps = String()
    idnps = String()
    last_name = String()
    first_name = String()
    profession = String()
    mssante_email = String(allow_none=True)
    accepts_new_patients = Boolean()
    new_patient_capacity = Integer()
    languages = List(String())
    home_visits = Boolean()
    teleconsultation = Boolean()
    qualifications = List(String())
    cpts_member = Boolean()
    active = Boolean()
    capacity_updated_at = AwareDateTime(allow_none=True)
    sites = List(Nested(PracticeSiteSchema))


class ProfessionalQuerySchema(PageQuerySchema):
    profession = String(load_default=None, validate=one_of(PROFESSIONS))
    city = String(load_default=None)
    postal_code = String(load_default=None)
    q = String(load_default=None, validate=length(100))
    qualification = String(load_default=None, validate=one_of(QUALIFICATIONS))
    accepting_new_patients = Boolean(load_default=None)
    near = String(load_default=None)
    radius_km = Float(
        load_default=None,
        validate=validate.Range(min=0, max=500, error="Rayon entre 0 et 500 km."),
    )
    include_inactive = Boolean(load_default=False)
    sort = String(load_default="name", validate=one_of(SORTS))
    format = String(load_default="json", validate=one_of(("json", "csv", "xlsx")))
    ids = String(load_default=None)  # comma-separated ids, for the other services


class OrganisationCreateSchema(PlaceInputSchema):
    name = String(required=True, validate=[not_blank, length(200)])
    kind = String(required=True, validate=one_of(ORGANISATION_KINDS))
    finess = String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[0-9AB]{9}$", error="Le numéro FINESS comporte 9 caractères."),
    )
    siret = String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{14}$", error="Le SIRET comporte 14 chiffres."),
    )
    phone = String(load_default=None, allow_none=True, validate=identifier(validate_phone))
    email = Email(load_default=None, allow_none=True)
    mssante_email = Email(load_default=None, allow_none=True)
    website = String(
        load_default=None,
        allow_none=True,
        validate=[
            length(300),
            validate.URL(schemes={"http", "https"}, error="Adresse web (https://…) attendue."),
        ],
    )
    communes_served = List(String(validate=known_insee), load_default=list)
    description = OptionalText(load_default=None, validate=length(2000))


class OrganisationUpdateSchema(OrganisationCreateSchema):
    """Every field optional; `active` deactivates."""

    active = Boolean()

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class OrganisationSchema(PlaceSchema):
    id = UUID()
    name = String()
    kind = String()
    finess = String(allow_none=True)
    siret = String(allow_none=True)
    email = String(allow_none=True)
    mssante_email = String(allow_none=True)
    website = String(allow_none=True)
    communes_served = List(String())
    description = String(allow_none=True)
    active = Boolean()


class OrganisationQuerySchema(PageQuerySchema):
    kind = String(load_default=None, validate=one_of(ORGANISATION_KINDS))
    q = String(load_default=None, validate=length(100))
    commune = String(load_default=None)
    include_inactive = Boolean(load_default=False)


class MapQuerySchema(QuerySchema):
    profession = String(load_default=None, validate=one_of(PROFESSIONS))
    kind = String(load_default=None, validate=one_of(ORGANISATION_KINDS))
    type = String(load_default=None, validate=one_of(("professional", "organisation")))


class ImportQuerySchema(QuerySchema):
    format = String(required=True, validate=one_of(("rpps", "csv", "xlsx")))
    dry_run = Boolean(load_default=False)
    departement = String(load_default=None)
    communes = String(load_default=None)
    professions = String(load_default=None)
