"""Request and response shapes of the notifications API."""

from __future__ import annotations

from typing import Any

from marshmallow import validates_schema
from marshmallow.exceptions import ValidationError

from shared.schemas import (
    UUID,
    AwareDateTime,
    BaseSchema,
    Boolean,
    Integer,
    OutputSchema,
    PageQuerySchema,
    QuerySchema,
    String,
    length,
    not_blank,
)


class InboxQuerySchema(PageQuerySchema):
    unread = Boolean(load_default=False)


class InboxItemSchema(OutputSchema):
    id = UUID()
    event = String(attribute="event_name")
    reference = String(allow_none=True)
    title = String()
    body = String()
    link = String()
    created_at = AwareDateTime()
    read_at = AwareDateTime(allow_none=True)


class DeliveryQuerySchema(QuerySchema):
    reference = String(required=True, validate=[not_blank, length(32)])


class DeliverySchema(OutputSchema):
    id = UUID()
    event = String(attribute="event_name")
    channel = String()
    recipient = String()
    status = String()
    attempts = Integer()
    last_error = String(allow_none=True)
    created_at = AwareDateTime()
    sent_at = AwareDateTime(allow_none=True)


class PreferencesSchema(OutputSchema):
    email_enabled = Boolean()
    daily_digest = Boolean()


class PreferencesUpdateSchema(BaseSchema):
    email_enabled = Boolean()
    daily_digest = Boolean()

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ValidationError("Indiquez au moins une préférence à modifier.", "_schema")
