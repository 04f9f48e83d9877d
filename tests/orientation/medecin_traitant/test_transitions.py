"""Every allowed and every forbidden transition of the médecin-traitant machine."""

from __future__ import annotations

import uuid

import pytest

from services.orientation.medecin_traitant.machine import MACHINE
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.auth.principal import SYSTEM
from shared.cases.service import fire_transition
from shared.errors import Forbidden, InvalidTransition
from shared.extensions import db
from shared.timeutil import today_paris
from tests.support.factories import MT_PATHS as PATHS

NAMES = ("triage", "propose", "accept", "decline", "expire", "confirm", "hold", "resume", "cancel")
# What the coordinator may do from each state, and where it leads.
COORDINATOR_MOVES: dict[str, dict[str, str]] = {
    "submitted": {"triage": "triaged", "hold": "on_hold", "cancel": "cancelled"},
    "triaged": {"propose": "proposed", "hold": "on_hold", "cancel": "cancelled"},
    "proposed": {"accept": "accepted", "decline": "triaged", "cancel": "cancelled"},
    "accepted": {"confirm": "oriented", "cancel": "cancelled"},
    "oriented": {},
    "on_hold_from_submitted": {"resume": "submitted", "cancel": "cancelled"},
    "on_hold_from_triaged": {"resume": "triaged", "cancel": "cancelled"},
    "cancelled": {},
}


def test_the_machine_declares_exactly_the_contract_transitions():
    assert MACHINE.names() == list(NAMES)
    assert MACHINE.final == {"oriented", "cancelled"}
    assert set(MACHINE.states) - MACHINE.final == {
        "submitted",
        "triaged",
        "proposed",
        "accepted",
        "on_hold",
    }


@pytest.mark.parametrize("start", list(PATHS))
def test_coordinator_sees_the_transitions_allowed_from_each_state(world, start):
    case = world.get(world.case_in(start)["id"]).get_json()
    assert case["allowed_transitions"] == list(COORDINATOR_MOVES[start])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("start", list(PATHS))
def test_coordinator_transition_from_each_state(world, start, name):
    case = world.case_in(start)
    response = world.fire(case["id"], name)
    body = response.get_json()
    if name in COORDINATOR_MOVES[start]:
        assert response.status_code == 200, body
        assert body["state"] == COORDINATOR_MOVES[start][name]
        assert body["version"] == case["version"] + 1
        assert response.headers["ETag"] == f'"{body["version"]}"'
        last = body["history"][-1]
        assert last["transition"] == name
        assert last["from"] == case["state"]
        assert last["to"] == body["state"]
        assert last["by"] == world.coordinator["X-Test-Email"]
    elif name == "expire":
        # Only the system lets a proposal expire: a coordinator is refused whatever the state.
        assert response.status_code == 403, body
        assert body["error"]["code"] == "forbidden"
    else:
        assert response.status_code == 409, body
        assert body["error"]["code"] == "invalid_transition"
        assert world.get(case["id"]).get_json()["version"] == case["version"]


def test_unknown_transition_name_is_refused_without_change(world):
    case = world.case_in("submitted")
    response = world.fire(case["id"], "teleport", body={})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"
    assert world.get(case["id"]).get_json()["state"] == "submitted"


def test_transition_on_unknown_case_is_not_found(world):
    response = world.fire(str(uuid.uuid4()), "triage")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_resume_returns_to_the_state_the_case_was_held_in(world):
    from_submitted = world.case_in("on_hold_from_submitted")
    from_triaged = world.case_in("on_hold_from_triaged")
    assert from_submitted["hold_reason"] == "Patient injoignable pour l'instant."
    back = world.fire(from_submitted["id"], "resume").get_json()
    assert back["state"] == "submitted"
    # The reason belonged to the hold; only the coordination's history keeps it.
    assert back["hold_reason"] is None
    hold = next(entry for entry in back["history"] if entry["transition"] == "hold")
    assert hold["comment"] == "Patient injoignable pour l'instant."
    resumed = world.fire(from_triaged["id"], "resume").get_json()
    assert resumed["state"] == "triaged"
    assert resumed["synthesis"] == "Patiente isolée, diabète équilibré."


def test_resume_body_must_be_empty(world):
    case = world.case_in("on_hold_from_submitted")
    response = world.fire(case["id"], "resume", body={"reason": "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"reason": ["Champ inconnu."]}


# --- who may act --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["accept", "decline"])
def test_proposed_gp_may_answer_a_proposal(world, name):
    case = world.case_in("proposed")
    assert case["proposed_professional_id"] == world.gp["id"]
    as_gp = world.get(case["id"], world.gp_headers).get_json()
    assert as_gp["allowed_transitions"] == ["accept", "decline"]
    response = world.fire(case["id"], name, world.gp_headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["history"][-1]["by"] == world.gp_headers["X-Test-Email"]


@pytest.mark.parametrize("name", ["accept", "decline"])
def test_gp_cannot_answer_a_case_proposed_to_another_gp(world, name):
    """The case is invisible to that GP, so the service answers 404 (existence not revealed)."""
    case = world.case_in("proposed")
    response = world.fire(case["id"], name, world.other_gp_headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert world.get(case["id"]).get_json()["state"] == "proposed"


@pytest.mark.parametrize("name", ["accept", "decline"])
def test_submitter_cannot_answer_a_proposal(world, name):
    case = world.case_in("proposed")
    response = world.fire(case["id"], name, world.submitter)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_accepting_gp_may_confirm_and_other_gp_cannot_see_the_case(world):
    case = world.case_in("accepted")
    assert world.fire(case["id"], "confirm", world.other_gp_headers).status_code == 404
    assert world.fire(case["id"], "confirm", world.submitter).status_code == 403
    confirmed = world.fire(case["id"], "confirm", world.gp_headers)
    assert confirmed.status_code == 200
    body = confirmed.get_json()
    assert body["state"] == "oriented"
    assert body["declared_on"] == today_paris().isoformat()
    assert body["oriented_at"] is not None


@pytest.mark.parametrize("name", ["triage", "hold"])
def test_only_the_coordinator_triages_or_holds(world, name):
    case = world.case_in("submitted")
    response = world.fire(case["id"], name, world.submitter)
    assert response.status_code == 403
    assert world.get(case["id"]).get_json()["version"] == 1


def test_only_the_coordinator_proposes_or_resumes(world):
    triaged = world.case_in("triaged")
    held = world.case_in("on_hold_from_submitted")
    assert world.fire(triaged["id"], "propose", world.submitter).status_code == 403
    assert world.fire(held["id"], "resume", world.submitter).status_code == 403


def test_proposed_gp_cannot_cancel_or_confirm_before_accepting(world):
    case = world.case_in("proposed")
    assert world.fire(case["id"], "cancel", world.gp_headers).status_code == 403
    assert world.fire(case["id"], "confirm", world.gp_headers).status_code == 409


def test_submitter_may_cancel_while_submitted(world):
    case = world.case_in("submitted")
    as_submitter = world.get(case["id"], world.submitter).get_json()
    assert as_submitter["allowed_transitions"] == ["cancel"]
    response = world.fire(case["id"], "cancel", world.submitter, body={"reason": "found_gp"})
    assert response.status_code == 200
    assert response.get_json()["state"] == "cancelled"
    assert response.get_json()["cancel_reason"] == "found_gp"


@pytest.mark.parametrize("start", ["triaged", "on_hold_from_submitted", "proposed", "accepted"])
def test_submitter_cannot_cancel_once_the_case_left_submitted(world, start):
    case = world.case_in(start)
    assert world.get(case["id"], world.submitter).get_json()["allowed_transitions"] == []
    response = world.fire(case["id"], "cancel", world.submitter)
    assert response.status_code == 403
    assert world.get(case["id"]).get_json()["state"] == case["state"]


def test_another_professional_cannot_cancel_someone_elses_case(world, accounts):
    case = world.case_in("submitted")
    stranger = accounts.create("professional")
    assert world.fire(case["id"], "cancel", stranger).status_code == 404


def test_declining_gp_loses_sight_of_the_case_and_is_never_proposed_again(world):
    case = world.case_in("proposed")
    declined = world.fire(case["id"], "decline", world.gp_headers).get_json()
    assert declined["state"] == "triaged"
    assert declined["proposed_professional_id"] is None
    assert declined["history"][-1]["comment"] == "Patientèle complète."
    assert world.get(case["id"], world.gp_headers).status_code == 404
    again = world.fire(case["id"], "propose")
    assert again.status_code == 422
    assert "professional_id" in again.get_json()["error"]["fields"]


# --- the system-only `expire` ---------------------------------------------------------------


def _expire_as_system(app, case_id: str) -> MedecinTraitantCase:
    with app.app_context():
        expired = fire_transition(
            MEDECIN_TRAITANT,
            case_id=uuid.UUID(case_id),
            name="expire",
            body={},
            principal=SYSTEM,
            if_match=None,
        )
        db.session.remove()
        return expired


def test_system_lets_an_unanswered_proposal_expire(world, app):
    case = world.case_in("proposed")
    expired = _expire_as_system(app, case["id"])
    assert expired.state == "triaged"
    assert expired.excluded_professional_ids == [world.gp["id"]]
    body = world.get(case["id"]).get_json()
    assert body["history"][-1] == {
        **body["history"][-1],
        "transition": "expire",
        "from": "proposed",
        "to": "triaged",
        "by": "system@relais",
    }
    assert world.fire(case["id"], "propose").status_code == 422


@pytest.mark.parametrize("start", ["submitted", "triaged", "accepted", "oriented", "cancelled"])
def test_system_cannot_expire_outside_proposed(world, app, start):
    case = world.case_in(start)
    with pytest.raises(InvalidTransition):
        _expire_as_system(app, case["id"])


def test_the_system_has_no_other_power(world, app):
    case = world.case_in("submitted")
    with app.app_context(), pytest.raises(Forbidden):
        fire_transition(
            MEDECIN_TRAITANT,
            case_id=uuid.UUID(case["id"]),
            name="triage",
            body={"synthesis": "x"},
            principal=SYSTEM,
            if_match=None,
        )


def test_one_machine_serves_every_case():
    """Transitions are declared once per case type, never one machine per row."""
    first = MedecinTraitantCase(state="submitted")
    second = MedecinTraitantCase(state="triaged")
    MACHINE.apply(first, "triage")
    MACHINE.apply(second, "propose")
    assert (first.state, second.state) == ("triaged", "proposed")
    assert not hasattr(first, "trigger")
