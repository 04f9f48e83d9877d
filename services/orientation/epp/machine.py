"""Transitions of an EPP referral, declared once (its states are in `states.py`)."""

from services.orientation.epp import schemas
from services.orientation.epp.states import STATES
from shared.auth.roles import ADMIN, COORDINATOR, MIDWIFE
from shared.cases.disclosure import HistoryDisclosure
from shared.cases.machine import CaseMachine, TransitionRule, party, role, submitter

coordinator = role(COORDINATOR)
assigned_midwife = party(MIDWIFE, "assigned_professional_id")

MACHINE = CaseMachine(
    STATES,
    # As for médecin-traitant cases: the midwife assigned never learns who declined before.
    disclosure=HistoryDisclosure(
        full_view=frozenset({COORDINATOR, ADMIN}), addressed={"assign": "professional_id"}
    ),
    rules=(
        TransitionRule(
            "assign",
            ("submitted",),
            "assigned",
            (coordinator,),
            schemas.AssignSchema,
            "attribuer à une sage-femme",
        ),
        TransitionRule(
            "accept",
            ("assigned",),
            "accepted",
            (assigned_midwife,),
            schemas.AcceptSchema,
            "accepter",
        ),
        TransitionRule(
            "decline",
            ("assigned",),
            "submitted",
            (assigned_midwife,),
            schemas.DeclineSchema,
            "refuser",
        ),
        TransitionRule(
            "complete",
            ("accepted",),
            "completed",
            (assigned_midwife, coordinator),
            schemas.CompleteSchema,
            "enregistrer l'EPP réalisé",
        ),
        TransitionRule(
            "cancel",
            STATES.open,
            "cancelled",
            (coordinator, submitter(while_in=("submitted",))),
            schemas.CancelSchema,
            "annuler",
        ),
    ),
)
