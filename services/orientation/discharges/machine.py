"""Transitions of a hospital discharge case, declared once (its states are in `states.py`)."""

from services.orientation.discharges import schemas
from services.orientation.discharges.states import STATES
from shared.auth.roles import COORDINATOR, DAC
from shared.cases.disclosure import open_history
from shared.cases.machine import CaseMachine, TransitionRule, role

staff = (role(DAC), role(COORDINATOR))

MACHINE = CaseMachine(
    STATES,
    # Only the DAC and the coordination write this history, for every professional the case
    # names: whoever may see the case reads it in full.
    disclosure=open_history(),
    rules=(
        TransitionRule("prepare", ("announced",), "preparing", staff, None, "préparer la sortie"),
        TransitionRule(
            "mark_ready", ("preparing",), "ready", staff, None, "déclarer la sortie prête"
        ),
        TransitionRule(
            "discharge",
            ("ready",),
            "discharged",
            staff,
            schemas.DischargeSchema,
            "enregistrer la sortie",
        ),
        TransitionRule(
            "follow_up",
            ("discharged",),
            "followed_up",
            staff,
            schemas.FollowUpSchema,
            "enregistrer l'appel de suivi",
        ),
        TransitionRule("cancel", STATES.open, "cancelled", staff, schemas.CancelSchema, "annuler"),
    ),
)
