"""What the search and the patient page read: the orientation's case types here, the
agenda's teleconsultations through `agenda_part`, merged most recently updated first."""

from __future__ import annotations

from typing import Any

from flask import url_for

from services.orientation.search.agenda_part import agenda_items
from shared.auth.principal import Principal
from shared.cases.case_type import CaseType
from shared.cases.search import (
    SearchTerms,
    audit_items,
    merge_items,
    patient_terms,
    search_cases,
    search_item,
)
from shared.privacy.registry import case_types

# Where the orientation's case types are declared.
ORIENTATION = "services.orientation."


def orientation_case_types() -> list[CaseType[Any]]:
    """The case types the orientation declares (each registers itself in its `service.py`);
    the agenda's are searched through `agenda_part`."""
    return [
        case_type
        for case_type in case_types()
        if isinstance(case_type, CaseType) and case_type.model.__module__.startswith(ORIENTATION)
    ]


def case_url(case_type: CaseType[Any], case: Any) -> str:
    """The page of one case."""
    if case_type.page is None:
        raise LookupError(f"{case_type.kind}: no page declared (CaseType.page)")
    endpoint, argument = case_type.page
    return url_for(endpoint, **{argument: case.id})


def search(terms: SearchTerms, principal: Principal) -> list[dict[str, Any]]:
    """Every case of every service that `terms` finds and `principal` may see, at most
    a page, most recently updated first; each case shown is an audited read."""
    found = search_cases(orientation_case_types(), terms, principal, audit=False)
    local = [search_item(case_type, case, case_url(case_type, case)) for case_type, case in found]
    agenda = agenda_items(terms, principal)
    items = merge_items(local, agenda.items)
    # The cases shown are audited once, in one write (the agenda audits its own over HTTP).
    ours = {item["reference"] for item in (local if agenda.audited else items)}
    audit_items([item for item in items if item["reference"] in ours])
    return items


def patient_cases(patient_id: str, principal: Principal) -> list[dict[str, Any]]:
    """Every case of one patient that `principal` may see. A patient is the keyed hash of
    their identity (names + birth date, `patient_identity_hash`); the cases found that way
    bring their NIR's hash (`patient_key`), which finds the patient's other cases even when
    the names were spelt otherwise there."""
    first = search_cases(
        orientation_case_types(), patient_terms(patient_id), principal, audit=False
    )
    keys = {patient_id, *(case.patient_key for _type, case in first)}
    return search(patient_terms(*keys), principal)
