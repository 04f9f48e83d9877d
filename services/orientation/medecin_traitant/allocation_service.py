"""The allocation's two actions: present the optimal preview, and send the chosen proposals
(each its own transaction, each failure reported with its case)."""

from __future__ import annotations

import uuid
from typing import Any

from services.orientation.medecin_traitant.allocation import PRIORITIES, REASON_LABELS
from services.orientation.medecin_traitant.allocation_reads import Preview, preview, waiting_near
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from services.orientation.medecin_traitant.suggestions import LANGUAGE_NAMES, find_gp
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR
from shared.cases.service import fire_transition
from shared.db import unit_of_work
from shared.errors import DomainError, Forbidden, NotFound
from shared.outbox.emit import emit
from shared.timeutil import today_paris


def gp_name(gp: dict[str, Any]) -> str:
    """« Dr Prénom Nom » as the pages show a GP."""
    return f"Dr {gp.get('first_name', '')} {gp.get('last_name', '')}".replace("  ", " ").strip()


def present(found: Preview) -> dict[str, Any]:
    """The contract's preview document."""
    allocation = found.allocation
    assignments = []
    for a in allocation.assignments:
        case = found.cases[a.case]
        gp = found.gps[a.candidate.gp]
        assignments.append(
            {
                "case_id": str(case.id),
                "reference": case.reference,
                "priority": case.priority,
                "professional_id": gp["id"],
                "professional_name": gp_name(gp),
                "score": a.candidate.score,
                "distance_km": a.candidate.distance_km,
                "reasons": list(a.candidate.reasons),
            }
        )
    unassigned = [
        {
            "case_id": str(case_id),
            "reference": found.cases[case_id].reference,
            "priority": found.cases[case_id].priority,
            "reason": reason,
            "message": REASON_LABELS[reason],
        }
        for case_id, reason in allocation.unassigned
    ]
    counts = allocation.assigned_by_priority
    return {
        "assignments": assignments,
        "unassigned": unassigned,
        "totals": {
            "assigned_by_priority": {str(p): counts[p] for p in PRIORITIES},
            "score": allocation.score,
        },
    }


def allocation_preview() -> dict[str, Any]:
    """The optimal allocation of every triaged case, as the contract presents it (JSON-ready:
    ten thousand lines are not worth a schema's dump)."""
    return present(preview())


def propose_all(choices: list[dict[str, uuid.UUID]], principal: Principal) -> dict[str, list[Any]]:
    """Fire `propose` for each (case, GP), each in its own transaction: one refusal (the case
    moved on, the GP is full…) never undoes the others."""
    proposed: list[uuid.UUID] = []
    refused: list[dict[str, Any]] = []
    for choice in choices:
        try:
            fire_transition(
                MEDECIN_TRAITANT,
                case_id=choice["case_id"],
                name="propose",
                principal=principal,
                body={"professional_id": str(choice["professional_id"])},
                if_match=None,
            )
        except DomainError as error:
            refused.append(
                {
                    "case_id": choice["case_id"],
                    "error": {"code": error.code, "message": error.message, **error.details},
                }
            )
        else:
            proposed.append(choice["case_id"])
    return {"proposed": proposed, "refused": refused}


NEED_LABELS = {
    "needs_home_visits": "Visites à domicile",
    "reduced_mobility": "Mobilité réduite",
    "ald": "Affection de longue durée",
}


def age_band(age: int) -> str:
    """A ten-year band (« 70-79 ans »), never the exact age."""
    low = age // 10 * 10
    return f"{low}-{low + 9} ans"


def waiting_near_gp(professional_id: uuid.UUID, principal: Principal) -> list[dict[str, Any]]:
    """Patients waiting near this GP: age band, commune, needs, priority; the reference for
    the coordinator only. A GP may ask only about themselves (403 otherwise); 404 when the id
    is not a GP taking new patients."""
    if not principal.has(COORDINATOR) and principal.professional_id != professional_id:
        raise Forbidden("Vous ne pouvez consulter que les patients proches de votre cabinet.")
    gp, problem = find_gp(professional_id)
    if gp is None:
        raise NotFound(problem)
    today = today_paris()
    found = []
    for waiting in waiting_near(gp):
        case = waiting.case
        needs = [label for name, label in NEED_LABELS.items() if getattr(case, name)]
        needs += [
            f"Parle {LANGUAGE_NAMES[lang]}" for lang in case.languages if lang in LANGUAGE_NAMES
        ]
        item = {
            "case_id": case.id,
            "age_band": age_band(case.patient_age(today)),
            "commune": case.patient_city,
            "needs": needs,
            "priority": case.priority,
            "distance_km": waiting.distance_km,
        }
        if principal.has(COORDINATOR):
            item["reference"] = case.reference
        found.append(item)
    return found


def declare_interest(case_id: uuid.UUID, principal: Principal) -> None:
    """A GP says « je peux en prendre » for a patient waiting near them: the coordinators are
    told (an event in the outbox). 404 unless the case is one that GP's list shows."""
    if principal.professional_id is None:
        raise Forbidden("Seul un médecin rattaché à l'annuaire peut se proposer.")
    gp, problem = find_gp(principal.professional_id)
    if gp is None:
        raise NotFound(problem)
    case = next((w.case for w in waiting_near(gp) if w.case.id == case_id), None)
    if case is None:
        raise NotFound("Ce patient n'est plus en attente près de votre cabinet.")
    with unit_of_work():
        emit(
            "medecin_traitant.interest",
            reference=case.reference,
            payload={"case_id": str(case.id), "professional_id": str(principal.professional_id)},
        )
