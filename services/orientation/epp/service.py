"""The EPP referral case type: who sees a referral, what each transition does to it, its
declaration (`EPP`) and its use cases; the only place that commits or emits their events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, or_, select, true
from sqlalchemy.exc import IntegrityError

from services.orientation.epp.machine import MACHINE
from services.orientation.epp.models import EppHistory, EppReferral
from services.orientation.epp.pregnancy import late_cutoff, start_from_weeks, weeks_on
from services.orientation.epp.schemas import ReferralOutputSchema
from services.orientation.epp.states import STATES
from services.orientation.epp.suggestions import (
    Suggestion,
    check_assignable,
    find_midwife,
    suggest_midwives,
)
from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, COORDINATOR, MIDWIFE
from shared.cases.case_type import CaseType, Effect, Lookup, Participants
from shared.cases.service import create_case, get_visible_case, refuse_duplicate
from shared.db import unit_of_work
from shared.errors import ValidationFailed
from shared.privacy.registry import register_case_type
from shared.timeutil import today_paris

# --- who sees a referral --------------------------------------------------------------------


def visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the referrals `principal` may see: all for the coordinator; the
    referrer their own; the midwife those assigned to her."""
    if principal.has(COORDINATOR):
        return true()
    conditions = []
    if principal.has(*CLINICAL_ROLES):
        conditions.append(EppReferral.created_by == principal.user_id)
    if principal.has(MIDWIFE) and principal.professional_id is not None:
        conditions.append(EppReferral.assigned_professional_id == principal.professional_id)
    return or_(*conditions) if conditions else false()


def can_see(referral: EppReferral, principal: Principal) -> bool:
    """Whether `principal` may read `referral`."""
    if principal.has(COORDINATOR):
        return True
    return (principal.has(*CLINICAL_ROLES) and referral.created_by == principal.user_id) or (
        principal.has(MIDWIFE)
        and principal.professional_id is not None
        and referral.assigned_professional_id == principal.professional_id
    )


def participants(referral: EppReferral) -> Participants:
    """Told of a message: the coordination, the referrer, the assigned midwife."""
    midwife = referral.assigned_professional_id
    return Participants(
        roles=(COORDINATOR,),
        user_ids=(referral.created_by,),
        professional_ids=(midwife,) if midwife else (),
    )


# --- lookups: what a transition needs from the directory, asked before the referral is locked


def _find_midwife(data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    return {"midwife": find_midwife(data["professional_id"])}


LOOKUPS: dict[str, Lookup] = {"assign": _find_midwife}


# --- transition effects: apply a validated body to the locked referral ----------------------


def _assign(referral: EppReferral, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    problem = check_assignable(referral, data["professional_id"], data["midwife"])
    if problem:
        raise ValidationFailed({"professional_id": [problem]})
    referral.assigned_professional_id = data["professional_id"]
    referral.assigned_at = referral.transition_at
    return {"professional_id": str(referral.assigned_professional_id)}


def _accept(referral: EppReferral, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    referral.accepted_at = referral.transition_at
    referral.appointment_date = data.get("appointment_date")
    return {"professional_id": str(referral.assigned_professional_id)}


def _decline(referral: EppReferral, _data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    midwife = str(referral.assigned_professional_id)
    referral.excluded_professional_ids = [*(referral.excluded_professional_ids or []), midwife]
    referral.assigned_professional_id = None
    referral.assigned_at = None
    return {"professional_id": midwife}


def _complete(referral: EppReferral, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    if data["epp_date"] < referral.pregnancy_start_date:
        raise ValidationFailed(
            {"epp_date": ["La date de l'EPP ne peut pas précéder le début de la grossesse."]}
        )
    referral.epp_date = data["epp_date"]
    referral.completed_at = referral.transition_at
    return {"professional_id": str(referral.assigned_professional_id)}


def _cancel(referral: EppReferral, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    referral.cancel_reason = data.get("reason")
    referral.cancelled_at = referral.transition_at
    assigned = referral.assigned_professional_id
    return {"professional_id": str(assigned) if assigned else None}


EFFECTS: dict[str, Effect] = {
    "assign": _assign,
    "accept": _accept,
    "decline": _decline,
    "complete": _complete,
    "cancel": _cancel,
}


EPP = CaseType(
    model=EppReferral,
    participants=participants,
    history=EppHistory,
    machine=MACHINE,
    prefix="EPP",
    visibility=visibility,
    can_see=can_see,
    schema=ReferralOutputSchema(),
    page=("orientation_epp_pages.referral_page", "referral_id"),
    free_text=("notes", "cancel_reason"),
    effects=EFFECTS,
    lookups=LOOKUPS,
    comment_fields=("comment", "reason"),
    not_found="Demande d'EPP introuvable.",
)
register_case_type(EPP)


# --- use cases --------------------------------------------------------------------------------


# Said to a caller who may not see the existing referral: nothing they could use to test
# whether someone is known (docs/security.md, "Duplicates are not an oracle").
FOLLOWED_ALREADY = (
    "La CPTS suit déjà cette patiente. La coordination a été prévenue de votre demande et "
    "reviendra vers vous si nécessaire."
)


def submit_referral(*, data: dict[str, Any], principal: Principal) -> EppReferral:
    """Refer a pregnant patient for an EPP, in state `submitted`; 409 if one is already open."""
    if data.get("preferred_professional_id"):
        _midwife, problem = find_midwife(data["preferred_professional_id"])
        if problem:
            raise ValidationFailed({"preferred_professional_id": [problem]})
    today = today_paris()
    pregnancy = data["pregnancy"]
    start = pregnancy["start_date"] or start_from_weeks(pregnancy["weeks"], today)
    referral = EppReferral(
        pregnancy_start_date=start,
        weeks_at_referral=weeks_on(start, today),
        preferred_professional_id=data.get("preferred_professional_id"),
        notes=data.get("notes"),
        excluded_professional_ids=[],
    )
    referral.set_patient(data["patient"])
    try:
        # No check-then-insert: the two unique indexes of open referrals (NIR, identity) refuse
        # a duplicate, concurrent or not; the existing referral is looked up only then.
        with unit_of_work():
            create_case(
                EPP,
                referral,
                principal=principal,
                extra_event={"weeks": referral.weeks_at_referral},
            )
    except IntegrityError as exc:
        raise refuse_duplicate(
            EPP,
            referral,
            principal=principal,
            named="Une demande d'EPP est déjà en cours pour cette patiente : {reference}.",
            unnamed=FOLLOWED_ALREADY,
        ) from exc
    return referral


def list_query(*, principal: Principal, state: str | None, late: bool | None) -> Select[Any]:
    """Referrals the caller may see: open referrals past 16 weeks first (most advanced
    pregnancy first), then the others, oldest referral first."""
    is_late = and_(
        EppReferral.state.in_(STATES.open),
        EppReferral.pregnancy_start_date < late_cutoff(today_paris()),
    )
    query = select(EppReferral).where(visibility(principal))
    if state:
        query = query.where(EppReferral.state == state)
    if late is not None:
        query = query.where(is_late if late else ~is_late)
    late_first = case((is_late, 0), else_=1)
    late_start = case((is_late, EppReferral.pregnancy_start_date), else_=None)
    return query.order_by(late_first, late_start, EppReferral.created_at, EppReferral.id)


def suggestions(*, referral_id: uuid.UUID, principal: Principal, limit: int) -> list[Suggestion]:
    """Ranked midwives for a referral (coordinator)."""
    referral = get_visible_case(EPP, case_id=referral_id, principal=principal)
    return suggest_midwives(referral, limit=limit)
