"""The kind and states of an assisted teleconsultation, written once."""

from shared.cases.states import CaseStates

STATES = CaseStates(
    kind="teleconsultation",
    open=("requested", "scheduled"),
    final=("completed", "cancelled"),
    labels={
        "requested": "demandée",
        "scheduled": "programmée",
        "completed": "réalisée",
        "cancelled": "annulée",
    },
)
