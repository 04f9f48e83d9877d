"""Request and response schemas of assisted teleconsultations."""

from __future__ import annotations

from urllib.parse import urlsplit

from marshmallow import ValidationError, fields

from services.agenda.slots.schemas import ParisDateTime, paris_iso
from services.agenda.teleconsultation.states import STATES
from shared.cases.presentation import CaseOutputSchema
from shared.cases.presentation import HistoryEntrySchema as SharedHistoryEntrySchema
from shared.schemas import (
    UUID,
    AwareDateTime,
    BaseSchema,
    Integer,
    List,
    Nested,
    PageQuerySchema,
    PatientSchema,
    String,
    length,
    not_blank,
    one_of,
)

CANCEL_REASONS = ("patient_declined", "hospitalised", "resolved", "deceased", "other")


class WindowSchema(BaseSchema):
    from_ = AwareDateTime(data_key="from", required=True)
    to = AwareDateTime(required=True)


class TeleconsultationCreateSchema(BaseSchema):
    """`POST /teleconsultations` (a nurse)."""

    patient = Nested(PatientSchema, required=True)
    reason = String(required=True, validate=[not_blank, length(2000)])
    window = Nested(WindowSchema, required=True)
    preferred_professional_id = UUID(load_default=None, allow_none=True)


class CompleteSchema(BaseSchema):
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class NoShowSchema(BaseSchema):
    comment = String(load_default=None, allow_none=True, validate=length(2000))


class CancelSchema(BaseSchema):
    reason = String(required=True, validate=one_of(CANCEL_REASONS))
    comment = String(load_default=None, allow_none=True, validate=length(2000))


def https_url(value: str) -> None:
    """An absolute https address with a host, no spaces, no credentials (a video room)."""
    parts = urlsplit(value)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or any(c.isspace() for c in value)
    ):
        raise ValidationError("Adresse https:// complète attendue (lien de la visioconférence).")


class VideoLinkSchema(BaseSchema):
    """`PATCH /teleconsultations/{id}`: the video call's address, or null to remove it."""

    video_url = String(required=True, allow_none=True, validate=[length(500), https_url])


class TeleconsultationQuerySchema(PageQuerySchema):
    state = String(load_default=None, validate=one_of(STATES.names))


class HistoryEntrySchema(SharedHistoryEntrySchema):
    """History times shown in Europe/Paris, like every agenda time."""

    at = ParisDateTime()  # type: ignore[assignment]  # same field, shown in Paris time


class TeleconsultationSchema(CaseOutputSchema):
    """An assisted-teleconsultation case as the API returns it."""

    # Shown in Europe/Paris, like every agenda time.
    created_at = ParisDateTime()
    updated_at = ParisDateTime()
    reason = String()
    window = fields.Function(
        lambda case: {"from": paris_iso(case.window_from), "to": paris_iso(case.window_to)}
    )
    nurse_professional_id = UUID()
    preferred_professional_id = UUID(allow_none=True)
    professional_id = UUID(allow_none=True)
    slot_id = UUID(allow_none=True)
    booking_id = UUID(allow_none=True)
    scheduled_start = ParisDateTime(allow_none=True)
    scheduled_end = ParisDateTime(allow_none=True)
    no_show_count = Integer()
    completed_at = ParisDateTime(allow_none=True)
    cancel_reason = String(allow_none=True)
    video_url = String(allow_none=True)
    history = List(Nested(HistoryEntrySchema))
    allowed_transitions = List(String())
