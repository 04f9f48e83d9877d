"""The allocation's two actions: present the optimal preview, and send the chosen proposals
(each its own transaction, each failure reported with its case)."""

from __future__ import annotations

import uuid
from typing import Any

from services.orientation.medecin_traitant.allocation import PRIORITIES, REASON_LABELS
from services.orientation.medecin_traitant.allocation_reads import Preview, preview
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.auth.principal import Principal
from shared.cases.service import fire_transition
from shared.errors import DomainError


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
                "case_id": case.id,
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
            "case_id": case_id,
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
    """The optimal allocation of every triaged case, as the contract presents it."""
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
