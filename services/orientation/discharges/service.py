"""The hospital discharge case type: who sees a case, what each transition does to it, its
declaration (`DISCHARGE`) and its use cases (with the edits before the discharge); the only
place that commits or emits their events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from services.orientation.directory_client import directory
from services.orientation.discharges.machine import MACHINE
from services.orientation.discharges.models import (
    DischargeCase,
    DischargeHistory,
    DischargeProfessional,
)
from services.orientation.discharges.readiness import missing_items, not_ready_message
from services.orientation.discharges.schemas import DischargeCaseSchema, planned_before_admission
from services.orientation.discharges.states import EDITABLE_STATES
from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, DAC
from shared.cases.case_type import CaseType, Effect, Participants
from shared.cases.service import (
    announce,
    check_version,
    check_visible,
    create_case,
    lock_case,
    record_step,
)
from shared.db import unit_of_work
from shared.errors import InvalidTransition, ValidationFailed
from shared.privacy.registry import register_case_type
from shared.timeutil import today_paris

PROFESSION_LABELS = {
    "gp": "médecin généraliste",
    "nurse": "infirmier·e",
    "midwife": "sage-femme",
    "pharmacist": "pharmacien·ne",
    "physiotherapist": "kinésithérapeute",
    "speech_therapist": "orthophoniste",
    "dentist": "chirurgien·ne-dentiste",
    "specialist": "médecin spécialiste",
    "other": "autre professionnel",
}
FIELD_LABELS = {
    "patient": "patient",
    "hospital": "établissement",
    "admission_date": "date d'admission",
    "planned_discharge_date": "date de sortie prévue",
    "summary": "compte rendu court",
    "prescription": "ordonnance",
    "home_services": "services à domicile",
    "city_professionals": "professionnels de ville",
    "notes": "notes",
    "patient_has_gp": "médecin traitant du patient",
}


def visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the discharge cases `principal` may see.

    DAC staff and the coordinator see every discharge case; a city professional sees the
    cases that name their directory entry; nobody else sees any.
    """
    if principal.has(DAC, COORDINATOR):
        return true()
    if principal.professional_id is None:
        return false()
    return DischargeCase.id.in_(
        select(DischargeProfessional.case_id).where(
            DischargeProfessional.professional_id == principal.professional_id
        )
    )


def can_see(case: DischargeCase, principal: Principal) -> bool:
    """Whether `principal` may read `case`."""
    if principal.has(DAC, COORDINATOR):
        return True
    return principal.professional_id is not None and any(
        p.professional_id == principal.professional_id for p in case.professionals
    )


def participants(case: DischargeCase) -> Participants:
    """Told of a message: the coordination, the DAC, the announcer, the city professionals."""
    return Participants(
        roles=(COORDINATOR, DAC),
        user_ids=(case.created_by,),
        professional_ids=tuple(p.professional_id for p in case.professionals),
    )


# --- validation against the directory and between dates ------------------------------------


def resolve_professionals(items: list[dict[str, Any]]) -> list[tuple[uuid.UUID, str]]:
    """(directory id, role) for each city professional given; 422 naming each unknown id."""
    if not items:
        return []
    ids = [item["professional_id"] for item in items]
    found = {entry["id"]: entry for entry in directory().professionals(ids=ids)}
    errors = {
        f"city_professionals.{i}.professional_id": [
            "Ce professionnel n'existe pas dans l'annuaire."
        ]
        for i, pid in enumerate(ids)
        if str(pid) not in found
    }
    if errors:
        raise ValidationFailed(errors, "Un professionnel de ville cité n'est pas dans l'annuaire.")
    return [
        (
            item["professional_id"],
            item.get("role")
            or PROFESSION_LABELS.get(found[str(item["professional_id"])]["profession"], "autre"),
        )
        for item in items
    ]


def _keep_roles(
    case: DischargeCase, items: list[dict[str, Any]], resolved: list[tuple[uuid.UUID, str]]
) -> list[tuple[uuid.UUID, str]]:
    """A professional already on the case, given again without a role, keeps their role."""
    current = {p.professional_id: p.role for p in case.professionals}
    return [
        (pid, role if item.get("role") else current.get(pid, role))
        for item, (pid, role) in zip(items, resolved, strict=True)
    ]


def check_dates(case: DischargeCase) -> None:
    """The planned discharge date may not precede the admission, whichever of the two an edit
    changed (the actual date is checked when the discharge is recorded)."""
    problem = planned_before_admission(case.admission_date, case.planned_discharge_date)
    if problem:
        raise ValidationFailed({"planned_discharge_date": [problem]})


def _set_professionals(case: DischargeCase, resolved: list[tuple[uuid.UUID, str]]) -> None:
    # Rows of professionals who stay are kept (and updated) rather than deleted and inserted
    # again, which the (case, professional) unique constraint would refuse within one flush.
    existing = {p.professional_id: p for p in case.professionals}
    rows = []
    for position, (pid, role_label) in enumerate(resolved):
        row = existing.get(pid) or DischargeProfessional(professional_id=pid)
        row.role, row.position = role_label, position
        rows.append(row)
    case.professionals = rows


def _apply_fields(
    case: DischargeCase, data: dict[str, Any], resolved: list[tuple[uuid.UUID, str]] | None
) -> list[str]:
    """Copy validated fields onto the case; returns the names of the fields that changed."""
    changed = []
    if "patient" in data:
        before = case.patient_dict() if case.patient_last_name else None
        case.set_patient(data["patient"])
        if case.patient_dict() != before:
            changed.append("patient")
    if "hospital" in data:
        new = (data["hospital"]["name"], data["hospital"].get("service"))
        if new != (case.hospital_name, case.hospital_service):
            case.hospital_name, case.hospital_service = new
            changed.append("hospital")
    for name in (
        "admission_date",
        "planned_discharge_date",
        "summary",
        "prescription",
        "notes",
        "patient_has_gp",
    ):
        if name in data and getattr(case, name) != data[name]:
            setattr(case, name, data[name])
            changed.append(name)
    if "home_services" in data:
        services = list(dict.fromkeys(data["home_services"]))
        if services != (case.home_services or []):
            case.home_services = services
            changed.append("home_services")
    if resolved is not None:
        before_pros = [(p.professional_id, p.role) for p in case.professionals]
        if before_pros != resolved:
            _set_professionals(case, resolved)
            changed.append("city_professionals")
    return changed


# --- transition effects: apply a validated body to the locked case -------------------------


def _prepare(case: DischargeCase, _data: dict[str, Any], _p: Principal) -> None:
    case.preparing_at = case.transition_at


def _mark_ready(case: DischargeCase, _data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    missing = missing_items(case)
    if missing:
        raise ValidationFailed(
            {item.field: [item.message] for item in missing}, not_ready_message(missing)
        )
    case.ready_at = case.transition_at
    case.ready_on = today_paris()
    return {
        "city_professional_ids": case.city_professional_ids,
        "planned_discharge_date": str(case.planned_discharge_date),
    }


def _discharge(case: DischargeCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    actual = data["actual_date"]
    if case.admission_date and actual < case.admission_date:
        raise ValidationFailed(
            {"actual_date": ["La date de sortie ne peut pas précéder la date d'admission."]}
        )
    case.actual_discharge_date = actual
    case.discharged_at = case.transition_at
    return {"city_professional_ids": case.city_professional_ids, "actual_date": actual.isoformat()}


def _follow_up(case: DischargeCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    call_date = data.get("call_date")
    if call_date and case.actual_discharge_date and call_date < case.actual_discharge_date:
        raise ValidationFailed({"call_date": ["L'appel de suivi ne peut pas précéder la sortie."]})
    case.follow_up_outcome = data["outcome"]
    case.follow_up_date = call_date or today_paris()
    case.follow_up_issues = data.get("issues_found")
    case.readmitted = data["readmitted"]
    case.followed_up_at = case.transition_at
    return {"readmitted": case.readmitted}


def _cancel(case: DischargeCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    case.cancel_reason = data.get("reason")
    case.cancelled_at = case.transition_at
    return {"city_professional_ids": case.city_professional_ids}


EFFECTS: dict[str, Effect] = {
    "prepare": _prepare,
    "mark_ready": _mark_ready,
    "discharge": _discharge,
    "follow_up": _follow_up,
    "cancel": _cancel,
}


DISCHARGE = CaseType(
    model=DischargeCase,
    participants=participants,
    history=DischargeHistory,
    machine=MACHINE,
    prefix="SH",
    visibility=visibility,
    can_see=can_see,
    schema=DischargeCaseSchema(),
    page=("orientation_discharge_pages.case_page", "case_id"),
    free_text=("summary", "prescription", "notes", "follow_up_outcome", "cancel_reason"),
    effects=EFFECTS,
    comment_fields=("comment", "reason", "outcome"),
)
register_case_type(DISCHARGE)


# --- use cases ------------------------------------------------------------------------------


def create_discharge(*, data: dict[str, Any], principal: Principal) -> DischargeCase:
    """Record a discharge announced by the hospital or the DAC, in state `announced`."""
    resolved = resolve_professionals(data["city_professionals"])
    case = DischargeCase(home_services=[])
    _apply_fields(case, data, resolved)
    check_dates(case)
    with unit_of_work():
        create_case(
            DISCHARGE,
            case,
            principal=principal,
            extra_event={"city_professional_ids": case.city_professional_ids},
        )
    return case


def update_discharge(
    *, case_id: uuid.UUID, data: dict[str, Any], principal: Principal, if_match: int | None
) -> DischargeCase:
    """Change a discharge before it happens: version +1, history and audit; a new planned date
    is announced again to the city professionals once they have been told the case is ready."""
    resolved = (
        resolve_professionals(data["city_professionals"]) if "city_professionals" in data else None
    )
    with unit_of_work():
        case = check_visible(DISCHARGE, lock_case(DISCHARGE, case_id), principal)
        check_version(case, if_match)
        if case.state not in EDITABLE_STATES:
            raise InvalidTransition(
                "Le dossier ne peut plus être modifié après la sortie ou sa clôture.",
                details={"state": case.state},
            )
        previous_date = case.planned_discharge_date
        if resolved is not None:
            resolved = _keep_roles(case, data["city_professionals"], resolved)
        changed = _apply_fields(case, data, resolved)
        check_dates(case)
        if case.state == "ready":
            missing = missing_items(case)
            if missing:
                raise ValidationFailed(
                    {item.field: [item.message] for item in missing},
                    "Une sortie prête doit garder sa date, son compte rendu, son ordonnance "
                    "et au moins un professionnel de ville.",
                )
        if not changed:
            # Nothing written, but the full case (patient data) goes back to the caller.
            record_audit(action="read", reference=case.reference)
            return case
        record_step(
            DISCHARGE,
            case,
            name="update",
            before=case.state,
            principal=principal,
            comment="Modifié : " + ", ".join(FIELD_LABELS[name] for name in changed) + ".",
            data={"fields": changed},
        )
        record_audit(action="update", reference=case.reference)
        planned = case.planned_discharge_date
        if "planned_discharge_date" in changed and case.ready_at is not None:
            announce(
                DISCHARGE,
                case,
                "date_changed",
                before=case.state,
                principal=principal,
                extra={
                    "previous_date": previous_date.isoformat() if previous_date else None,
                    "planned_discharge_date": planned.isoformat() if planned else None,
                    "city_professional_ids": case.city_professional_ids,
                },
            )
    return case


def list_query(*, principal: Principal, state: str | None) -> Select[Any]:
    """The discharge cases the caller may see, soonest planned discharge first."""
    query = select(DischargeCase).where(visibility(principal))
    if state:
        query = query.where(DischargeCase.state == state)
    # Cases without a planned date come last on both backends.
    return query.order_by(
        DischargeCase.planned_discharge_date.is_(None),
        DischargeCase.planned_discharge_date,
        DischargeCase.created_at,
        DischargeCase.id,
    )
