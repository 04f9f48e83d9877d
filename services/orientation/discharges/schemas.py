"""Request and response schemas of hospital discharge cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from services.orientation.discharges.readiness import missing_items
from services.orientation.discharges.states import STATES

# History entries and suggestions have one shape for every case type.
from shared.cases.presentation import CaseOutputSchema, HistoryEntrySchema
from shared.schemas import (
    UUID,
    BaseSchema,
    Boolean,
    Date,
    Integer,
    List,
    Nested,
    OptionalText,
    OutputSchema,
    PageQuerySchema,
    PatientSchema,
    String,
    length,
    not_blank,
    not_in_future,
    one_of,
)
from shared.timeutil import today_paris

HOME_SERVICES = ("ssiad", "had", "prado", "portage_repas", "aide_a_domicile")
# A planned discharge further away than this is a typing error, not a plan.
MAX_DAYS_AHEAD = 365


def planned_before_admission(admitted: dt.date | None, planned: dt.date | None) -> str | None:
    """Why `planned` cannot be the planned discharge date of a patient admitted on `admitted`:
    it precedes the admission (checked on a body, and on a case once an edit is applied)."""
    if admitted and planned and planned < admitted:
        return (
            "La date de sortie prévue ne peut pas précéder la date d'admission "
            f"({admitted:%d/%m/%Y})."
        )
    return None


def within_a_year(value: dt.date) -> None:
    """Refuse dates more than a year after today (Paris)."""
    if value > today_paris() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError("La date ne peut pas être à plus d'un an.")


class HospitalSchema(BaseSchema):
    name = String(required=True, validate=[not_blank, length(200)])
    service = String(load_default=None, allow_none=True, validate=length(200))


class CityProfessionalSchema(BaseSchema):
    professional_id = UUID(required=True)
    # What they do for this patient (e.g. « médecin traitant », « IDE »); the directory's
    # profession when absent.
    role = String(load_default=None, allow_none=True, validate=length(100))


class DischargeFieldsSchema(BaseSchema):
    """Fields shared by creation and `PATCH`."""

    patient = Nested(PatientSchema)
    hospital = Nested(HospitalSchema)
    admission_date = Date(allow_none=True, validate=within_a_year)
    planned_discharge_date = Date(allow_none=True, validate=within_a_year)
    summary = OptionalText(validate=length(20000))
    prescription = OptionalText(validate=length(20000))
    home_services = List(String(validate=one_of(HOME_SERVICES)))
    city_professionals = List(Nested(CityProfessionalSchema))
    notes = String(allow_none=True, validate=length(4000))
    # Whether the patient has a médecin traitant; `false` offers `POST …/signalement`.
    patient_has_gp = Boolean(allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _distinct_professionals(self, data: dict[str, Any], **_: Any) -> None:
        # An item whose id is invalid arrives empty: the valid ones are compared.
        given = [p.get("professional_id") for p in data.get("city_professionals") or []]
        ids = [pid for pid in given if pid is not None]
        if len(ids) != len(set(ids)):
            raise ValidationError(
                "Un même professionnel est cité plusieurs fois.", field_name="city_professionals"
            )

    @validates_schema(skip_on_field_errors=False)
    def _discharge_after_admission(self, data: dict[str, Any], **_: Any) -> None:
        problem = planned_before_admission(
            data.get("admission_date"), data.get("planned_discharge_date")
        )
        if problem:
            raise ValidationError(problem, field_name="planned_discharge_date")


class DischargeCreateSchema(DischargeFieldsSchema):
    """`POST /discharges`."""

    patient = Nested(PatientSchema, required=True)
    hospital = Nested(HospitalSchema, required=True)
    admission_date = Date(load_default=None, allow_none=True, validate=within_a_year)
    planned_discharge_date = Date(load_default=None, allow_none=True, validate=within_a_year)
    summary = OptionalText(load_default=None, validate=length(20000))
    prescription = OptionalText(load_default=None, validate=length(20000))
    home_services = List(String(validate=one_of(HOME_SERVICES)), load_default=list)
    city_professionals = List(Nested(CityProfessionalSchema), load_default=list)
    notes = String(load_default=None, allow_none=True, validate=length(4000))
    patient_has_gp = Boolean(load_default=None, allow_none=True)


class DischargeUpdateSchema(DischargeFieldsSchema):
    """`PATCH /discharges/{id}`: any subset of the creation fields."""

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class DischargeSchema(BaseSchema):
    actual_date = Date(required=True, validate=not_in_future)
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class FollowUpSchema(BaseSchema):
    outcome = String(required=True, validate=[not_blank, length(4000)])
    call_date = Date(load_default=None, allow_none=True, validate=not_in_future)
    issues_found = Boolean(load_default=None, allow_none=True)
    readmitted = Boolean(load_default=False)


class CancelSchema(BaseSchema):
    reason = String(load_default=None, allow_none=True, validate=length(2000))


class DischargeListQuerySchema(PageQuerySchema):
    state = String(load_default=None, validate=one_of(STATES.names))


class DischargeCaseSchema(CaseOutputSchema):
    """A discharge case as the API returns it."""

    hospital = fields.Function(
        lambda case: {"name": case.hospital_name, "service": case.hospital_service}
    )
    admission_date = fields.Date(allow_none=True)
    planned_discharge_date = fields.Date(allow_none=True)
    summary = String(allow_none=True)
    prescription = String(allow_none=True)
    home_services = List(String())
    city_professionals = fields.Function(
        lambda case: [
            {"professional_id": str(p.professional_id), "role": p.role} for p in case.professionals
        ]
    )
    notes = String(allow_none=True)
    missing = fields.Function(lambda case: [m.label for m in missing_items(case)])
    ready_at = fields.DateTime(allow_none=True)
    actual_discharge_date = fields.Date(allow_none=True)
    follow_up = fields.Function(
        lambda case: (
            None
            if case.followed_up_at is None
            else {
                "outcome": case.follow_up_outcome,
                "call_date": case.follow_up_date.isoformat() if case.follow_up_date else None,
                "issues_found": case.follow_up_issues,
                "readmitted": case.readmitted,
                "recorded_at": case.followed_up_at.isoformat(),
            }
        )
    )
    cancel_reason = String(allow_none=True)
    patient_has_gp = Boolean(allow_none=True)
    signalement_case_id = UUID(allow_none=True)
    linked_references = List(String())
    history = List(Nested(HistoryEntrySchema))
    allowed_transitions = List(String())


class WorklistItemSchema(OutputSchema):
    id = UUID()
    reference = String()
    state = String()
    patient = fields.Dict()
    hospital = fields.Dict()
    planned_discharge_date = fields.Date(allow_none=True)
    actual_discharge_date = fields.Date(allow_none=True)
    missing = List(String())
    version = Integer()


class WorklistSchema(OutputSchema):
    """`GET /discharges/worklist`: each group is a list of cases, soonest first."""

    date = fields.Date()
    overdue = List(Nested(WorklistItemSchema))
    today = List(Nested(WorklistItemSchema))
    tomorrow = List(Nested(WorklistItemSchema))
    this_week = List(Nested(WorklistItemSchema))
    later = List(Nested(WorklistItemSchema))
    undated = List(Nested(WorklistItemSchema))
    stuck_preparing = List(Nested(WorklistItemSchema))
    to_follow_up = List(Nested(WorklistItemSchema))
