"""The search's query and answer, as the API documents them (`shared/cases/search.py`)."""

from __future__ import annotations

from marshmallow import fields

from shared.schemas import OutputSchema, QuerySchema, String


class SearchQuerySchema(QuerySchema):
    """`q`: 2 to 200 characters (checked by `parse_terms`, with French messages)."""

    q = String(required=True, metadata={"description": "Nom(s), référence, NIR ou téléphone"})


class ServiceSearchQuerySchema(QuerySchema):
    """A service's part of the search: `q` as above, or `patient`, the keyed hashes of one
    patient's identity or NIR, comma-separated (the patient page)."""

    q = String()
    patient = String()


class SearchPatientSchema(OutputSchema):
    last_name = fields.String()
    first_name = fields.String()
    birth_date = fields.String()


class SearchItemSchema(OutputSchema):
    reference = fields.String()
    kind = fields.String()
    state = fields.String()
    state_label = fields.String()
    closed = fields.Boolean()
    url = fields.String(allow_none=True)
    id = fields.String()
    patient = fields.Nested(SearchPatientSchema)
    patient_id = fields.String()
    patient_key = fields.String()
    updated_at = fields.String()


class SearchResultSchema(OutputSchema):
    items = fields.List(fields.Nested(SearchItemSchema))
