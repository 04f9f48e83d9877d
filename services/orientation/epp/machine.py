"""States and transitions of an EPP referral, declared once."""

from services.orientation.epp import schemas
from shared.auth.roles import ADMIN, COORDINATOR, MIDWIFE
from shared.cases.disclosure import HistoryDisclosure
from shared.cases.machine import CaseMachine, TransitionRule, party, role, submitter

KIND = "epp"
PREFIX = "EPP"
OPEN_STATES = ("submitted", "assigned", "accepted")

coordinator = role(COORDINATOR)
assigned_midwife = party(MIDWIFE, "assigned_professional_id")

MACHINE = CaseMachine(
    kind=KIND,
    states=(*OPEN_STATES, "completed", "cancelled"),
    initial="submitted",
    final=frozenset({"completed", "cancelled"}),
    # As for médecin-traitant cases: the midwife assigned never learns who declined before.
    disclosure=HistoryDisclosure(
        full_view=frozenset({COORDINATOR, ADMIN}), addressed={"assign": "professional_id"}
    ),
    labels={
        "submitted": "adressée",
        "assigned": "attribuée à une sage-femme",
        "accepted": "acceptée",
        "completed": "EPP réalisé",
        "cancelled": "annulée",
    },
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
            OPEN_STATES,
            "cancelled",
            (coordinator, submitter(while_in=("submitted",))),
            schemas.CancelSchema,
            "annuler",
        ),
    ),
)
