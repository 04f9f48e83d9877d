"""What the API views of every case type do alike, driven by its declaration: read one case,
fire a transition, list a page. Each view keeps its own route, roles and documentation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select

from shared.auth.permissions import current_principal
from shared.auth.principal import Principal
from shared.cases.case_type import CaseType
from shared.cases.presentation import case_response, present_cases
from shared.cases.service import fire_transition, get_visible_case
from shared.http.pagination import paginate
from shared.http.parsing import if_match_version, json_object


def read_case_response(case_type: CaseType[Any], case_id: uuid.UUID) -> tuple:
    """One case the caller may see, with its history (404 otherwise)."""
    principal = current_principal()
    case = get_visible_case(case_type, case_id=case_id, principal=principal)
    return case_response(case_type, case, principal)


def transition_response(case_type: CaseType[Any], case_id: uuid.UUID, name: str) -> tuple:
    """Fire `name` with the request's JSON body and `If-Match`; the case as it is now."""
    body = json_object(allow_empty=True)
    principal = current_principal()
    case = fire_transition(
        case_type,
        case_id=case_id,
        name=name,
        principal=principal,
        body=body,
        if_match=if_match_version(),
    )
    return case_response(case_type, case, principal)


def page_response(
    case_type: CaseType[Any], query: Select[Any], args: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    """The page `args` asks for (`page`, `per_page`) of the cases `query` selects."""
    return paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: present_cases(case_type, rows, principal),
    )
