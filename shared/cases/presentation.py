"""How every case type is returned by the API: its fields, history and allowed transitions."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from shared.auth.principal import Principal
from shared.cases.case_type import CaseType
from shared.cases.service import case_history, record_reads
from shared.schemas import UUID, Integer, OutputSchema, String


class CaseOutputSchema(OutputSchema):
    """The fields every case type returns first; a case type's schema adds its own."""

    id = UUID()
    reference = String()
    kind = String()
    state = String()
    version = Integer()
    # Any field that dumps a datetime: a service may show its times in its own zone.
    created_at: fields.Field = fields.DateTime()
    updated_at: fields.Field = fields.DateTime()
    patient = fields.Function(lambda case: case.patient_dict())


class HistoryEntrySchema(OutputSchema):
    """The contract's `history` item: `{transition, from, to, by, at, comment}`; `by` and
    `comment` are null on the entries the caller may not read in full (the case type's
    `HistoryDisclosure`)."""

    transition = String()
    from_ = String(attribute="from_state", data_key="from", allow_none=True)
    to = String(attribute="to_state")
    by = String(allow_none=True)
    at = fields.DateTime()
    comment = String(allow_none=True)


history_schema = HistoryEntrySchema(many=True)


def present_case(case_type: CaseType[Any], case: Any, principal: Principal) -> dict[str, Any]:
    """The case as the API returns it to this caller: its history as the case type's
    disclosure rule lets this caller see it, and the transitions the caller may fire now."""
    machine = case_type.machine
    body = case_type.schema.dump(case)
    visible = machine.disclosure.visible(case_history(case_type, case), principal)
    body["history"] = (case_type.history_schema or history_schema).dump(visible)
    body["allowed_transitions"] = machine.allowed_transitions(case, principal)
    return body


def present_cases(
    case_type: CaseType[Any], cases: list[Any], principal: Principal
) -> list[dict[str, Any]]:
    """A page of cases as the API lists them: their reads audited, their histories read in
    one query."""
    record_reads(cases, case_type.history)
    return [present_case(case_type, case, principal) for case in cases]


def case_response(
    case_type: CaseType[Any], case: Any, principal: Principal, status: int = 200
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A Flask response tuple of the case, with its version as its ETag (for `If-Match`)."""
    return present_case(case_type, case, principal), status, {"ETag": f'"{case.version}"'}
