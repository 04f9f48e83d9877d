"""The médecin-traitant case type: who sees a case, what each transition does to it, its
declaration (`MEDECIN_TRAITANT`) and its use cases; the only place that commits or emits their
events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from services.orientation.medecin_traitant.intake.sources import source_of
from services.orientation.medecin_traitant.machine import MACHINE
from services.orientation.medecin_traitant.models import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    PENDING,
    WITHDRAWN,
    MedecinTraitantCase,
    MedecinTraitantHistory,
    MedecinTraitantProposal,
)
from services.orientation.medecin_traitant.priority import compute_priority
from services.orientation.medecin_traitant.schemas import CaseSchema
from services.orientation.medecin_traitant.states import STATES
from services.orientation.medecin_traitant.suggestions import (
    Suggestion,
    check_proposable,
    find_gps,
    suggest_gps,
)
from shared.auth.principal import SYSTEM, Principal
from shared.auth.roles import COORDINATOR, GP, SIGNALEMENT_ROLES
from shared.cases.case_type import CaseType, Effect, Lookup, Participants
from shared.cases.service import create_case, get_visible_case, refuse_duplicate
from shared.db import unit_of_work
from shared.errors import ValidationFailed
from shared.extensions import db
from shared.outbox.emit import emit
from shared.privacy.registry import register_case_type
from shared.timeutil import today_paris, utcnow

MEDECIN_TRAITANT_KIND = STATES.kind

# --- who sees a case ----------------------------------------------------------------------------


def asked(professional_id: uuid.UUID) -> ColumnElement[bool]:
    """SQL: the case is proposed to this GP now (alone or with others)."""
    return (
        select(MedecinTraitantProposal.case_id)
        .where(
            MedecinTraitantProposal.case_id == MedecinTraitantCase.id,
            MedecinTraitantProposal.professional_id == professional_id,
            MedecinTraitantProposal.status == PENDING,
        )
        .exists()
    )


def visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the cases `principal` may see."""
    if principal.has(COORDINATOR, *SYSTEM.roles):
        return true()
    conditions = []
    if principal.has(*SIGNALEMENT_ROLES):
        conditions.append(MedecinTraitantCase.created_by == principal.user_id)
    if principal.has(GP) and principal.professional_id is not None:
        conditions.append(asked(principal.professional_id))
        conditions.append(MedecinTraitantCase.accepted_professional_id == principal.professional_id)
    return or_(*conditions) if conditions else false()


def can_see(case: MedecinTraitantCase, principal: Principal) -> bool:
    """Whether `principal` may read `case` (the system, firing `expire`, sees every case)."""
    if principal.has(COORDINATOR, *SYSTEM.roles):
        return True
    pid = principal.professional_id
    return (principal.has(*SIGNALEMENT_ROLES) and case.created_by == principal.user_id) or (
        principal.has(GP)
        and pid is not None
        and (pid == case.accepted_professional_id or pid in case.proposed_professional_ids)
    )


def participants(case: MedecinTraitantCase) -> Participants:
    """Told of a message: the coordination, the submitter, every GP it is proposed to now, the
    accepted GP."""
    gps = (*case.proposed_professional_ids, case.accepted_professional_id)
    return Participants(
        roles=(COORDINATOR,),
        user_ids=(case.created_by,),
        professional_ids=tuple(dict.fromkeys(pid for pid in gps if pid)),
    )


WITHDRAWN_MESSAGES = {
    WITHDRAWN: "Un autre médecin a accepté ce patient avant vous : la proposition qui vous "
    "était faite est retirée.",
    DECLINED: "Cette proposition a été refusée : elle ne vous est plus adressée.",
    EXPIRED: "Cette proposition a expiré : elle ne vous est plus adressée.",
}


CANCELLED_MESSAGE = (
    "La coordination a annulé ce dossier : la proposition ne vous est plus adressée."
)


def withdrawn(case: MedecinTraitantCase, principal: Principal) -> str | None:
    """Why a GP asked on this case may no longer answer (another accepted first, the case was
    cancelled, they or the coordination declined, it expired); None when they still may, or
    were never asked."""
    if not principal.has(GP) or principal.professional_id is None or can_see(case, principal):
        return None
    mine = next((p for p in case.proposals if p.professional_id == principal.professional_id), None)
    if mine is None:
        return None
    if mine.status == WITHDRAWN and case.state == "cancelled":
        return CANCELLED_MESSAGE
    return WITHDRAWN_MESSAGES.get(mine.status)


# --- lookups: what a transition needs from the directory, asked before the case is locked ---


def proposed_ids(data: dict[str, Any]) -> list[uuid.UUID]:
    """The GPs a `propose` body names: one, or several at once."""
    return list(data.get("professional_ids") or [data["professional_id"]])


def _find_gps(data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    return {"gps": find_gps(proposed_ids(data))}


LOOKUPS: dict[str, Lookup] = {"propose": _find_gps}


# --- transition effects: apply a validated body to the locked case -------------------------


def _triage(case: MedecinTraitantCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    case.synthesis = data["synthesis"]
    if data.get("priority") and data["priority"] != case.priority:
        case.priority = data["priority"]
        case.priority_overridden = True
        case.priority_reasons = [
            *case.priority_reasons,
            f"Priorité fixée à {data['priority']} par la coordination",
        ]
    return {"priority": case.priority}


def _propose(case: MedecinTraitantCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    ids = proposed_ids(data)
    problems = []
    for number, (pid, found) in enumerate(zip(ids, data["gps"], strict=True), start=1):
        problem = check_proposable(case, pid, found)
        if problem and data.get("professional_ids"):
            gp = found[0]
            who = f"Dr {gp['first_name']} {gp['last_name']}" if gp else f"Médecin n° {number}"
            problems.append(f"{who} : {problem}")
        elif problem:
            problems.append(problem)
    if problems:
        field = "professional_ids" if data.get("professional_ids") else "professional_id"
        raise ValidationFailed({field: problems})
    case.proposed_at = case.transition_at
    case.reminder_sent_at = None
    for pid in ids:
        case.proposals.append(
            MedecinTraitantProposal(
                professional_id=pid, proposed_at=case.transition_at, status=PENDING
            )
        )
    return {"professional_ids": [str(pid) for pid in ids]}


def answering(case: MedecinTraitantCase, data: dict[str, Any], principal: Principal) -> Any:
    """The pending proposal an `accept` or `decline` answers: a GP answers for themselves
    only; the coordination names the GP (`professional_id`), which it may leave out when only
    one is asked."""
    pending = case.pending_proposals
    named = data.get("professional_id")
    if not principal.has(COORDINATOR):
        # The machine let this GP in as one of the GPs asked.
        mine = next(p for p in pending if p.professional_id == principal.professional_id)
        if named is not None and named != mine.professional_id:
            raise ValidationFailed(
                {"professional_id": ["Vous ne pouvez répondre que pour vous-même."]}
            )
        return mine
    if named is None:
        if len(pending) == 1:
            return pending[0]
        raise ValidationFailed(
            {"professional_id": ["Précisez pour quel médecin : plusieurs sont sollicités."]}
        )
    chosen = next((p for p in pending if p.professional_id == named), None)
    if chosen is None:
        raise ValidationFailed(
            {"professional_id": ["Ce médecin n'est pas sollicité pour ce dossier."]}
        )
    return chosen


def _accept(
    case: MedecinTraitantCase, data: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    winner = answering(case, data, principal)
    others = [p for p in case.pending_proposals if p is not winner]
    winner.status, winner.answered_at = ACCEPTED, case.transition_at
    for proposal in others:
        proposal.status, proposal.answered_at = WITHDRAWN, case.transition_at
    case.accepted_professional_id = winner.professional_id
    case.accepted_at = case.transition_at
    case.appointment_date = data.get("appointment_date")
    if others:
        # The GPs asked with the winner hear that their proposal is withdrawn.
        emit(
            f"{MEDECIN_TRAITANT_KIND}.withdraw",
            reference=case.reference,
            payload={
                "case_id": str(case.id),
                "kind": MEDECIN_TRAITANT_KIND,
                "professional_ids": [str(p.professional_id) for p in others],
            },
        )
    return {
        "professional_id": str(case.accepted_professional_id),
        "withdrawn_professional_ids": [str(p.professional_id) for p in others],
    }


def _release(case: MedecinTraitantCase, proposals: list[Any], status: str) -> list[str]:
    """End these proposals (declined or expired): their GPs are never asked again for it."""
    gps = [str(p.professional_id) for p in proposals]
    for proposal in proposals:
        proposal.status, proposal.answered_at = status, case.transition_at
    case.excluded_professional_ids = [*(case.excluded_professional_ids or []), *gps]
    if not case.pending_proposals:
        case.proposed_at = None
    return gps


def _decline(
    case: MedecinTraitantCase, data: dict[str, Any], principal: Principal
) -> dict[str, Any]:
    (gp,) = _release(case, [answering(case, data, principal)], DECLINED)
    left = len(case.pending_proposals)
    return {
        "professional_id": gp,
        "outcome": (
            f"{left} autre(s) médecin(s) sollicité(s) n'ont pas encore répondu."
            if left
            else "Le dossier revient à la coordination."
        ),
    }


def _expire(case: MedecinTraitantCase, _data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    return {"professional_ids": _release(case, case.pending_proposals, EXPIRED)}


def previous_orientation(patient_key: str) -> dt.datetime | None:
    """When the patient was last oriented, if ever (their cases are never open two at once)."""
    return db.session.scalar(
        select(func.max(MedecinTraitantCase.oriented_at)).where(
            MedecinTraitantCase.patient_key == patient_key
        )
    )


def _confirm(case: MedecinTraitantCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    case.previous_oriented_at = previous_orientation(case.patient_key)
    case.oriented_at = case.transition_at
    case.first_visit_date = data.get("first_visit_date")
    case.declared_on = data.get("declared_on")
    return {"professional_id": str(case.accepted_professional_id)}


def _hold(case: MedecinTraitantCase, data: dict[str, Any], _p: Principal) -> None:
    case.held_from = case.state
    case.hold_reason = data["reason"]


def _resume(case: MedecinTraitantCase, _data: dict[str, Any], _p: Principal) -> None:
    # The reason belongs to the hold: a GP proposed the case later must not read the
    # coordinator's note (it may name a colleague); the history keeps it for the coordination.
    # `held_from` stays: the machine reads it to know where the case resumes.
    case.hold_reason = None


def _cancel(case: MedecinTraitantCase, data: dict[str, Any], _p: Principal) -> dict[str, Any]:
    case.cancel_reason = data["reason"]
    case.cancelled_at = case.transition_at
    # Runs before the state changes: the GPs asked, or the one committed, hear of it.
    if case.state == "proposed":
        asked = case.pending_proposals
        for proposal in asked:
            proposal.status, proposal.answered_at = WITHDRAWN, case.transition_at
        return {"professional_ids": [str(p.professional_id) for p in asked]}
    if case.state == "accepted" and case.accepted_professional_id:
        return {"professional_ids": [str(case.accepted_professional_id)]}
    return {}


EFFECTS: dict[str, Effect] = {
    "triage": _triage,
    "propose": _propose,
    "accept": _accept,
    "decline": _decline,
    "expire": _expire,
    "confirm": _confirm,
    "hold": _hold,
    "resume": _resume,
    "cancel": _cancel,
}


MEDECIN_TRAITANT = CaseType(
    model=MedecinTraitantCase,
    participants=participants,
    history=MedecinTraitantHistory,
    machine=MACHINE,
    prefix="MT",
    visibility=visibility,
    can_see=can_see,
    schema=CaseSchema(),
    page=("orientation_mt_pages.case_page", "case_id"),
    free_text=(
        "reason",
        "synthesis",
        "hold_reason",
        "ald_label",
        # Who registered the patient online, and later registrations: gone with the identity.
        "contact_name",
        "contact_phone",
        "contact_email",
        "intake_notes",
    ),
    effects=EFFECTS,
    lookups=LOOKUPS,
    comment_fields=("comment", "reason", "synthesis"),
    withdrawn=withdrawn,
    presented_with=("proposals",),
)
register_case_type(MEDECIN_TRAITANT)


# --- use cases --------------------------------------------------------------------------------


def new_case(data: dict[str, Any]) -> MedecinTraitantCase:
    """An unsaved case built from a validated signalement, with its priority computed."""
    situation = data["situation"]
    case = MedecinTraitantCase(
        ald=situation["ald"],
        ald_label=situation.get("ald_label"),
        vulnerabilities=sorted(set(situation["vulnerabilities"])),
        reduced_mobility=situation["reduced_mobility"],
        needs_home_visits=situation["needs_home_visits"],
        languages=list(dict.fromkeys(situation["languages"])),
        reason=situation["reason"],
        consent_at=utcnow(),
        # None yet: known without asking the database when the new case is presented.
        proposals=[],
    )
    case.set_patient(data["patient"])
    priority = compute_priority(
        birth_date=case.patient_birth_date,
        ald=case.ald,
        ald_label=case.ald_label,
        vulnerabilities=case.vulnerabilities,
        reduced_mobility=case.reduced_mobility,
        needs_home_visits=case.needs_home_visits,
        today=today_paris(),
    )
    case.priority, case.priority_score, case.priority_reasons = (
        priority.level,
        priority.score,
        priority.reasons,
    )
    return case


def store_case(case: MedecinTraitantCase, principal: Principal) -> MedecinTraitantCase:
    """Number, store and announce a new case inside the current unit of work."""
    return create_case(
        MEDECIN_TRAITANT, case, principal=principal, extra_event={"priority": case.priority}
    )


# Said to a caller who may not see the existing case: nothing they could use to test whether
# someone is known (docs/security.md, "Duplicates are not an oracle").
FOLLOWED_ALREADY = (
    "La CPTS suit déjà ce patient. La coordination a été prévenue de votre signalement et "
    "reviendra vers vous si nécessaire."
)


def submit_signalement(*, data: dict[str, Any], principal: Principal) -> MedecinTraitantCase:
    """Record a signalement as a new case in `submitted`, prioritised; 409 for an open duplicate."""
    case = new_case(data)
    case.source = source_of(principal)
    try:
        # No check-then-insert: the two unique indexes of open cases (NIR, identity) refuse a
        # duplicate, concurrent or not; the existing case is looked up only then.
        with unit_of_work():
            store_case(case, principal)
    except IntegrityError as exc:
        raise refuse_duplicate(
            MEDECIN_TRAITANT,
            case,
            principal=principal,
            named="Un dossier ouvert existe déjà pour ce patient : {reference}.",
            unnamed=FOLLOWED_ALREADY,
        ) from exc
    return case


def list_query(*, principal: Principal, state: str | None, priority: int | None) -> Select[Any]:
    """The cases the caller may see, most urgent first, then oldest first."""
    query = (
        select(MedecinTraitantCase)
        .where(visibility(principal))
        .options(selectinload(MedecinTraitantCase.proposals))
    )
    if state:
        query = query.where(MedecinTraitantCase.state == state)
    if priority:
        query = query.where(MedecinTraitantCase.priority == priority)
    return query.order_by(
        MedecinTraitantCase.priority, MedecinTraitantCase.created_at, MedecinTraitantCase.id
    )


def suggestions(*, case_id: uuid.UUID, principal: Principal, limit: int) -> list[Suggestion]:
    """Ranked GPs for a case (coordinator)."""
    case = get_visible_case(MEDECIN_TRAITANT, case_id=case_id, principal=principal)
    return suggest_gps(case, limit=limit)
