"""The kind and states of an EPP referral, written once."""

from shared.cases.states import CaseStates

STATES = CaseStates(
    kind="epp",
    open=("submitted", "assigned", "accepted"),
    final=("completed", "cancelled"),
    labels={
        "submitted": "adressée",
        "assigned": "attribuée à une sage-femme",
        "accepted": "acceptée",
        "completed": "EPP réalisé",
        "cancelled": "annulée",
    },
)
