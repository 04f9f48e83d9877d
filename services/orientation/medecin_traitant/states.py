"""The kind and states of a médecin-traitant case, written once."""

from shared.cases.states import CaseStates

STATES = CaseStates(
    kind="medecin_traitant",
    open=("submitted", "triaged", "proposed", "accepted", "on_hold"),
    final=("oriented", "cancelled"),
    labels={
        "submitted": "signalé",
        "triaged": "analysé",
        "proposed": "proposé à un médecin",
        "accepted": "accepté",
        "oriented": "orienté",
        "on_hold": "en attente",
        "cancelled": "annulé",
    },
)
