"""States and transitions of a hospital discharge case, declared once."""

from services.orientation.discharges import schemas
from shared.auth.roles import COORDINATOR, DAC
from shared.cases.disclosure import open_history
from shared.cases.machine import CaseMachine, TransitionRule, role

KIND = "sortie_hospitalisation"
PREFIX = "SH"
OPEN_STATES = ("announced", "preparing", "ready", "discharged")
# States in which the discharge has not happened yet: the case may still be edited.
EDITABLE_STATES = ("announced", "preparing", "ready")

staff = (role(DAC), role(COORDINATOR))

MACHINE = CaseMachine(
    kind=KIND,
    states=(*OPEN_STATES, "followed_up", "cancelled"),
    initial="announced",
    final=frozenset({"followed_up", "cancelled"}),
    # Only the DAC and the coordination write this history, for every professional the case
    # names: whoever may see the case reads it in full.
    disclosure=open_history(),
    labels={
        "announced": "annoncée",
        "preparing": "en préparation",
        "ready": "prête",
        "discharged": "sortie effectuée",
        "followed_up": "suivi effectué",
        "cancelled": "annulée",
    },
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
        TransitionRule("cancel", OPEN_STATES, "cancelled", staff, schemas.CancelSchema, "annuler"),
    ),
)
