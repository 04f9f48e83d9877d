"""Request and response schemas of médecin-traitant cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.orientation.medecin_traitant.states import STATES
from shared.cases.presentation import CaseOutputSchema, HistoryEntrySchema
from shared.schemas import (
    UUID,
    BaseSchema,
    Boolean,
    Date,
    Float,
    Integer,
    List,
    Nested,
    OutputSchema,
    PageQuerySchema,
    PatientSchema,
    QuerySchema,
    String,
    case_being_changed,
    length,
    not_blank,
    not_in_future,
    one_of,
)
from shared.timeutil import PARIS

VULNERABILITIES = (
    "c2s",
    "isolement",
    "precarite",
    "handicap",
    "barriere_linguistique",
    "sortie_hospitalisation",
    "grossesse",
    "sans_domicile",
    "troubles_cognitifs",
)
CANCEL_REASONS = (
    "duplicate",
    "found_gp",
    "consent_withdrawn",
    "moved_out",
    "unreachable",
    "deceased",
    "other",
)
LANGUAGE = validate.Regexp(r"^[a-z]{2,3}$", error="Code de langue ISO 639 attendu (ex. « fr »).")


def must_be_true(message: str) -> Callable[[bool], None]:
    """A validator refusing anything but `true`."""

    def _validate(value: bool) -> None:
        if value is not True:
            raise ValidationError(message)

    return _validate


class SituationSchema(BaseSchema):
    ald = Boolean(required=True)
    ald_label = String(load_default=None, allow_none=True, validate=length(200))
    vulnerabilities = List(String(validate=one_of(VULNERABILITIES)), load_default=list)
    reduced_mobility = Boolean(load_default=False)
    needs_home_visits = Boolean(load_default=False)
    languages = List(String(validate=LANGUAGE), load_default=lambda: ["fr"])
    reason = String(required=True, validate=[not_blank, length(4000)])


class ConsentSchema(BaseSchema):
    patient_informed = Boolean(
        required=True, validate=must_be_true("Le patient doit avoir été informé de la démarche.")
    )
    data_sharing = Boolean(
        required=True,
        validate=must_be_true("Le patient doit consentir au partage de ses données avec la CPTS."),
    )


class SignalementSchema(BaseSchema):
    """`POST /signalements`."""

    patient = Nested(PatientSchema, required=True)
    situation = Nested(SituationSchema, required=True)
    consent = Nested(ConsentSchema, required=True)


class TriageSchema(BaseSchema):
    synthesis = String(required=True, validate=[not_blank, length(8000)])
    priority = Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=3, error="La priorité va de 1 (la plus urgente) à 3."),
    )


# How many GPs one proposal may ask at once (contract: 1–5).
MAX_PROPOSED_GPS = 5


class ProposeSchema(BaseSchema):
    """One GP (`professional_id`) or up to five at once (`professional_ids`): the first to
    accept becomes the médecin traitant."""

    professional_id = UUID(load_default=None, allow_none=True)
    professional_ids = List(UUID(), load_default=None, allow_none=True)
    comment = String(load_default=None, allow_none=True, validate=length(2000))

    @validates_schema
    def _one_to_five_gps(self, data: dict[str, Any], **_: Any) -> None:
        one, several = data.get("professional_id"), data.get("professional_ids")
        if one is not None and several is not None:
            raise ValidationError(
                "Indiquez soit un médecin (professional_id), soit plusieurs (professional_ids).",
                "professional_ids",
            )
        if one is None and not several:
            field = "professional_id" if several is None else "professional_ids"
            raise ValidationError("Choisissez au moins un médecin.", field)
        if several is not None:
            if len(several) > MAX_PROPOSED_GPS:
                raise ValidationError(
                    f"Au plus {MAX_PROPOSED_GPS} médecins à la fois.", "professional_ids"
                )
            if len(set(several)) != len(several):
                raise ValidationError("Un même médecin est choisi deux fois.", "professional_ids")


class AcceptSchema(BaseSchema):
    appointment_date = Date(load_default=None, allow_none=True)
    comment = String(load_default=None, allow_none=True, validate=length(2000))
    # The coordinator answering for a GP of a proposal sent to several: which one.
    professional_id = UUID(load_default=None, allow_none=True)


class DeclineSchema(BaseSchema):
    reason = String(required=True, validate=[not_blank, length(2000)])
    # The coordinator answering for a GP of a proposal sent to several: which one.
    professional_id = UUID(load_default=None, allow_none=True)


class ConfirmSchema(BaseSchema):
    first_visit_date = Date(load_default=None, allow_none=True, validate=not_in_future)
    declared_on = Date(load_default=None, allow_none=True, validate=not_in_future)

    @validates_schema(skip_on_field_errors=False)
    def _after_the_case_and_the_appointment(self, data: dict[str, Any], **_: Any) -> None:
        case = case_being_changed()
        if case is None:
            return
        errors = {}
        signalled = case.created_at.astimezone(PARIS).date()
        declared, visited = data.get("declared_on"), data.get("first_visit_date")
        if declared and declared < signalled:
            errors["declared_on"] = [
                "La déclaration de médecin traitant ne peut pas précéder le signalement "
                f"du patient ({signalled:%d/%m/%Y})."
            ]
        if visited and case.appointment_date and visited < case.appointment_date:
            errors["first_visit_date"] = [
                "La première consultation ne peut pas précéder le rendez-vous convenu "
                f"({case.appointment_date:%d/%m/%Y})."
            ]
        if errors:
            raise ValidationError(errors)


class HoldSchema(BaseSchema):
    reason = String(required=True, validate=[not_blank, length(2000)])


class CancelSchema(BaseSchema):
    reason = String(required=True, validate=one_of(CANCEL_REASONS))
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class CaseListQuerySchema(PageQuerySchema):
    state = String(load_default=None, validate=one_of(STATES.names))
    priority = Integer(
        load_default=None, validate=validate.Range(min=1, max=3, error="La priorité va de 1 à 3.")
    )
    kind = String(load_default=None)


class SuggestionQuerySchema(QuerySchema):
    limit = Integer(
        load_default=5, validate=validate.Range(min=1, max=50, error="Entre 1 et 50 suggestions.")
    )


class CaseSchema(CaseOutputSchema):
    """A médecin-traitant case as the API returns it."""

    situation = fields.Function(
        lambda case: {
            "ald": case.ald,
            "ald_label": case.ald_label,
            "vulnerabilities": case.vulnerabilities,
            "reduced_mobility": case.reduced_mobility,
            "needs_home_visits": case.needs_home_visits,
            "languages": case.languages,
            "reason": case.reason,
        }
    )
    consent = fields.Function(
        lambda case: {
            "patient_informed": True,
            "data_sharing": True,
            "recorded_at": case.consent_at.isoformat(),
        }
    )
    priority = Integer()
    priority_reasons = List(String())
    priority_overridden = Boolean()
    synthesis = String(allow_none=True)
    hold_reason = String(allow_none=True)
    proposed_professional_id = UUID(allow_none=True)
    # Every GP the case is proposed to now (several when sent to several at once).
    proposed_professional_ids = List(UUID())
    proposed_at = fields.DateTime(allow_none=True)
    accepted_professional_id = UUID(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    appointment_date = fields.Date(allow_none=True)
    first_visit_date = fields.Date(allow_none=True)
    declared_on = fields.Date(allow_none=True)
    oriented_at = fields.DateTime(allow_none=True)
    cancel_reason = String(allow_none=True)
    source = String()
    needs_review = Boolean()
    discharge_id = UUID(allow_none=True)
    linked_references = List(String())
    history = List(Nested(HistoryEntrySchema))
    allowed_transitions = List(String())


class SuggestionSchema(OutputSchema):
    professional = fields.Dict()
    distance_km = Float(allow_none=True)
    score = Float()
    reasons = List(String())


class AllocationLineSchema(OutputSchema):
    case_id = UUID()
    reference = String()
    priority = Integer()
    professional_id = UUID()
    professional_name = String()
    score = Float()
    distance_km = Float(allow_none=True)
    reasons = List(String())


class UnassignedSchema(OutputSchema):
    case_id = UUID()
    reference = String()
    priority = Integer()
    reason = String()
    message = String()


class AllocationTotalsSchema(OutputSchema):
    assigned_by_priority = fields.Dict(keys=String(), values=Integer())
    score = Float()


class AllocationPreviewSchema(OutputSchema):
    assignments = List(Nested(AllocationLineSchema))
    unassigned = List(Nested(UnassignedSchema))
    totals = Nested(AllocationTotalsSchema)


class AllocationChoiceSchema(BaseSchema):
    case_id = UUID(required=True)
    professional_id = UUID(required=True)


class AllocationRequestSchema(BaseSchema):
    assignments = List(
        Nested(AllocationChoiceSchema), required=True, validate=validate.Length(min=1, max=5000)
    )


class AllocationRefusalSchema(OutputSchema):
    case_id = UUID()
    error = fields.Dict()


class AllocationResultSchema(OutputSchema):
    proposed = List(UUID())
    refused = List(Nested(AllocationRefusalSchema))


class WaitingNearQuerySchema(QuerySchema):
    professional_id = UUID(required=True)


class WaitingPatientSchema(OutputSchema):
    case_id = UUID()
    reference = String()
    age_band = String()
    commune = String()
    needs = List(String())
    priority = Integer()
    distance_km = Float()
