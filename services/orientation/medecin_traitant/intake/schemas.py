"""Schemas of the public self-registration (`POST /api/orientation/public/signalements`)."""

from __future__ import annotations

from marshmallow import fields

from services.orientation.medecin_traitant.schemas import (
    LANGUAGE,
    VULNERABILITIES,
    ConsentSchema,
    SituationSchema,
    must_be_true,
)
from shared.schemas import (
    BaseSchema,
    Boolean,
    Email,
    List,
    Nested,
    NormalisedIdentifier,
    OutputSchema,
    PatientSchema,
    String,
    length,
    not_blank,
    one_of,
)
from shared.validators import validate_phone

RELATIONSHIPS = ("self", "carer")


class PublicSituationSchema(SituationSchema):
    """The situation in plain words: only the reason is required of a patient."""

    ald = Boolean(load_default=False)
    reason = String(required=True, validate=[not_blank, length(2000)])


class PublicConsentSchema(ConsentSchema):
    patient_informed = Boolean(
        required=True,
        validate=must_be_true("Merci de confirmer que la personne concernée est d'accord."),
    )
    data_sharing = Boolean(
        required=True,
        validate=must_be_true(
            "Merci d'accepter que la CPTS utilise ces informations pour vous trouver un médecin."
        ),
    )


class ContactSchema(BaseSchema):
    relationship = String(required=True, validate=one_of(RELATIONSHIPS))
    name = String(load_default=None, allow_none=True, validate=length(200))
    phone = NormalisedIdentifier(validate_phone, load_default=None, allow_none=True)
    email = Email(load_default=None, allow_none=True)


class PublicSignalementSchema(BaseSchema):
    """`POST /public/signalements`: `website` is a trap that people leave empty."""

    patient = Nested(PatientSchema, required=True)
    situation = Nested(PublicSituationSchema, required=True)
    consent = Nested(PublicConsentSchema, required=True)
    contact = Nested(ContactSchema, required=True)
    website = String(load_default="", validate=length(200))


class ReceiptSchema(OutputSchema):
    receipt = String()
    message = String()


class DischargeSignalementSchema(BaseSchema):
    """`POST /discharges/{id}/signalement`: the patient's consent, and what the discharge does
    not say (ALD, other vulnerabilities, needs); the reason defaults to the hospital stay."""

    consent = Nested(ConsentSchema, required=True)
    ald = Boolean(load_default=False)
    ald_label = String(load_default=None, allow_none=True, validate=length(200))
    vulnerabilities = List(String(validate=one_of(VULNERABILITIES)), load_default=list)
    reduced_mobility = Boolean(load_default=False)
    needs_home_visits = Boolean(load_default=False)
    languages = List(String(validate=LANGUAGE), load_default=None)
    reason = String(load_default=None, allow_none=True, validate=length(4000))


class ImportReportSchema(OutputSchema):
    """What an import created (or would create), skipped as duplicates, and refused."""

    created = fields.Integer()
    duplicates = fields.List(fields.Dict())
    rejected = fields.List(fields.Dict())
