"""Request and response schemas of EPP referrals."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.orientation.epp.pregnancy import MAX_WEEKS, referral_is_late, weeks_on
from services.orientation.epp.states import STATES

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
    PageQuerySchema,
    PatientSchema,
    String,
    length,
    not_blank,
    not_in_future,
    one_of,
)
from shared.timeutil import today_paris


class PregnancySchema(BaseSchema):
    start_date = Date(load_default=None, allow_none=True)
    weeks = Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(
            min=0, max=MAX_WEEKS, error=f"Entre 0 et {MAX_WEEKS} semaines de grossesse."
        ),
    )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _one_of_start_or_weeks(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        # What was sent decides "neither" or "both" (an invalid value is not in `data`).
        given = {name for name in ("start_date", "weeks") if original.get(name) is not None}
        if not given:
            raise ValidationError(
                "Indiquez la date de début de grossesse ou le nombre de semaines."
            )
        if len(given) == 2:
            raise ValidationError(
                "Indiquez soit la date de début de grossesse, soit le nombre de semaines, "
                "pas les deux."
            )
        start = data.get("start_date")
        if start is not None:
            today = today_paris()
            if start > today:
                raise ValidationError(
                    "La date de début de grossesse ne peut pas être dans le futur.",
                    field_name="start_date",
                )
            if weeks_on(start, today) > MAX_WEEKS:
                raise ValidationError(
                    f"Cette date donnerait plus de {MAX_WEEKS} semaines de grossesse.",
                    field_name="start_date",
                )


class ReferralSchema(BaseSchema):
    """`POST /epp-referrals`."""

    patient = Nested(PatientSchema, required=True)
    pregnancy = Nested(PregnancySchema, required=True)
    preferred_professional_id = UUID(load_default=None, allow_none=True)
    notes = String(load_default=None, allow_none=True, validate=length(4000))

    @validates_schema(skip_on_field_errors=False)
    def _patient_is_a_woman(self, data: dict[str, Any], **_: Any) -> None:
        # The patient's valid fields, even when others are not: every error shows at once.
        if data.get("patient", {}).get("sex") not in (None, "F"):
            raise ValidationError(
                {"patient": {"sex": ["L'EPP concerne une patiente enceinte : sexe « F » attendu."]}}
            )


class AssignSchema(BaseSchema):
    professional_id = UUID(required=True)
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class AcceptSchema(BaseSchema):
    appointment_date = Date(load_default=None, allow_none=True)
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class DeclineSchema(BaseSchema):
    reason = String(required=True, validate=[not_blank, length(2000)])


class CompleteSchema(BaseSchema):
    epp_date = Date(required=True, validate=not_in_future)
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class CancelSchema(BaseSchema):
    reason = String(load_default=None, allow_none=True, validate=length(2000))


class ReferralListQuerySchema(PageQuerySchema):
    state = String(load_default=None, validate=one_of(STATES.names))
    late = Boolean(load_default=None)


def _late(referral: Any) -> bool:
    return referral_is_late(referral, today_paris())


class ReferralOutputSchema(CaseOutputSchema):
    """An EPP referral as the API returns it."""

    pregnancy = fields.Function(
        lambda r: {
            "start_date": r.pregnancy_start_date.isoformat(),
            "weeks": weeks_on(r.pregnancy_start_date, today_paris()),
            "weeks_at_referral": r.weeks_at_referral,
        }
    )
    late = fields.Function(_late)
    preferred_professional_id = UUID(allow_none=True)
    notes = String(allow_none=True)
    assigned_professional_id = UUID(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    appointment_date = fields.Date(allow_none=True)
    epp_date = fields.Date(allow_none=True)
    cancel_reason = String(allow_none=True)
    history = List(Nested(HistoryEntrySchema))
    allowed_transitions = List(String())
