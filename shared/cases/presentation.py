"""How every case type is returned by the API: its fields, history and allowed transitions."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from shared.auth.principal import Principal
from shared.cases.machine import CaseMachine
from shared.schemas import OutputSchema, String


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


def present_case(
    case: Any,
    *,
    schema: Schema,
    machine: CaseMachine,
    principal: Principal,
    history: list[Any] | None,
    history_dumper: Schema = history_schema,
) -> dict[str, Any]:
    """The case as the API returns it to this caller (`history=None` for list items), its
    history as the case type's disclosure rule lets this caller see it."""
    body = schema.dump(case)
    visible = machine.disclosure.visible(history, principal) if history is not None else []
    body["history"] = history_dumper.dump(visible)
    body["allowed_transitions"] = machine.allowed_transitions(case, principal)
    return body


def case_response(body: dict[str, Any], case: Any, status: int = 200) -> tuple:
    """A Flask response tuple carrying the case's version as its ETag (for `If-Match`)."""
    return body, status, {"ETag": f'"{case.version}"'}
