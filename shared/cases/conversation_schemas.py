"""What the API takes and returns for a case's messages and documents (every case type)."""

from __future__ import annotations

from marshmallow import fields

from shared.cases.messages import MAX_BODY
from shared.schemas import BaseSchema, OutputSchema, String, length, not_blank


class MessageBodySchema(BaseSchema):
    body = String(required=True, validate=[length(MAX_BODY, 1), not_blank])


class AuthorSchema(OutputSchema):
    name = fields.String(required=True)
    role = fields.String(required=True)


class MessageSchema(OutputSchema):
    id = fields.UUID(required=True)
    author = fields.Nested(AuthorSchema, required=True)
    body = fields.String(required=True)
    created_at = fields.String(required=True)
    # Posted by someone else since the caller last read the thread.
    unread = fields.Boolean(required=True)


class MessageListSchema(OutputSchema):
    items = fields.List(fields.Nested(MessageSchema), required=True)


class DocumentSchema(OutputSchema):
    id = fields.UUID(required=True)
    filename = fields.String(required=True)
    kind = fields.String(required=True)
    media_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    created_at = fields.String(required=True)


class DocumentListSchema(OutputSchema):
    items = fields.List(fields.Nested(DocumentSchema), required=True)
