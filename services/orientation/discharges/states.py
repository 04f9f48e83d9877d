"""The kind and states of a hospital discharge case, written once."""

from shared.cases.states import CaseStates

STATES = CaseStates(
    kind="sortie_hospitalisation",
    open=("announced", "preparing", "ready", "discharged"),
    final=("followed_up", "cancelled"),
    labels={
        "announced": "annoncée",
        "preparing": "en préparation",
        "ready": "prête",
        "discharged": "sortie effectuée",
        "followed_up": "suivi effectué",
        "cancelled": "annulée",
    },
)
# States in which the discharge has not happened yet: the case may still be edited.
EDITABLE_STATES = tuple(state for state in STATES.open if state != "discharged")
