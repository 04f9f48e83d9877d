"""Transitions of an assisted teleconsultation, declared once (its states are in `states.py`)."""

from services.agenda.teleconsultation import schemas
from services.agenda.teleconsultation.states import STATES
from shared.auth.roles import ADMIN, COORDINATOR, GP, NURSE
from shared.cases.disclosure import HistoryDisclosure
from shared.cases.machine import CaseMachine, TransitionRule, party, role

coordinator = role(COORDINATOR)
nurse = party(NURSE, "nurse_professional_id")
gp = party(GP, "professional_id")

MACHINE = CaseMachine(
    STATES,
    # The nurse sees her own requests in full; a GP scheduled after a missed teleconsultation
    # does not learn which colleague it was with, nor what was written then.
    disclosure=HistoryDisclosure(full_view=frozenset({COORDINATOR, NURSE, ADMIN})),
    rules=(
        TransitionRule(
            "pair", ("requested",), "scheduled", (coordinator, nurse), None, "programmer"
        ),
        TransitionRule(
            "complete",
            ("scheduled",),
            "completed",
            (nurse, gp, coordinator),
            schemas.CompleteSchema,
            "déclarer réalisée",
        ),
        TransitionRule(
            "no_show",
            ("scheduled",),
            "requested",
            (nurse, gp, coordinator),
            schemas.NoShowSchema,
            "déclarer non tenue",
        ),
        TransitionRule(
            "cancel",
            STATES.open,
            "cancelled",
            (nurse, coordinator),
            schemas.CancelSchema,
            "annuler",
        ),
    ),
)
