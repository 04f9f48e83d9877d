"""Transitions of a médecin-traitant case, declared once (its states are in `states.py`)."""

from collections.abc import Callable
from typing import Any

from services.orientation.medecin_traitant import schemas
from services.orientation.medecin_traitant.states import STATES
from shared.auth.roles import ADMIN, COORDINATOR, GP
from shared.cases.disclosure import HistoryDisclosure
from shared.cases.machine import (
    SYSTEM_ACTOR,
    CaseMachine,
    TransitionRule,
    party,
    party_among,
    role,
    submitter,
)

# Read by the indicators (open cases by state).
OPEN_STATES = STATES.open

coordinator = role(COORDINATOR)


def held_in(state: str) -> Callable[[Any], bool]:
    """True for a case put on hold while it was in `state` (where `resume` takes it back)."""
    return lambda case: case.held_from == state


def others_asked(case: Any) -> bool:
    """More than one GP still asked: a decline removes one and the case stays proposed."""
    return len(case.proposed_professional_ids) > 1


def last_asked(case: Any) -> bool:
    """One GP left asked: their decline sends the case back to the coordination."""
    return not others_asked(case)


# Any GP the case is proposed to now (one, or each of several asked at once).
proposed_gp = party_among(GP, "proposed_professional_ids")

MACHINE = CaseMachine(
    STATES,
    # A GP proposed a patient sees each step, but who declined it before them (and why) only
    # the coordination knows; the proposal made to them they read in full.
    disclosure=HistoryDisclosure(
        full_view=frozenset({COORDINATOR, ADMIN}),
        addressed={"propose": ("professional_id", "professional_ids")},
    ),
    rules=(
        TransitionRule(
            "triage", ("submitted",), "triaged", (coordinator,), schemas.TriageSchema, "analyser"
        ),
        TransitionRule(
            "propose",
            ("triaged",),
            "proposed",
            (coordinator,),
            schemas.ProposeSchema,
            "proposer à un médecin",
        ),
        TransitionRule(
            "accept",
            ("proposed",),
            "accepted",
            (proposed_gp, coordinator),
            schemas.AcceptSchema,
            "accepter",
        ),
        # Each decline removes one GP; the case goes back to triage with the last one.
        *(
            TransitionRule(
                "decline",
                ("proposed",),
                dest,
                (proposed_gp, coordinator),
                schemas.DeclineSchema,
                "refuser",
                when=when,
            )
            for dest, when in (("proposed", others_asked), ("triaged", last_asked))
        ),
        # Expiry ends every proposal of the case at once.
        TransitionRule("expire", ("proposed",), "triaged", (SYSTEM_ACTOR,), None, "expirer"),
        TransitionRule(
            "confirm",
            ("accepted",),
            "oriented",
            (coordinator, party(GP, "accepted_professional_id")),
            schemas.ConfirmSchema,
            "confirmer l'orientation",
        ),
        TransitionRule(
            "hold",
            ("submitted", "triaged"),
            "on_hold",
            (coordinator,),
            schemas.HoldSchema,
            "mettre en attente",
        ),
        *(
            TransitionRule(
                "resume",
                ("on_hold",),
                state,
                (coordinator,),
                None,
                "reprendre",
                when=held_in(state),
            )
            for state in ("submitted", "triaged")
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
