"""Least privilege in a case's history: a GP proposed a case sees neither who declined it
before nor why; the coordination sees every entry in full (docs/orientation.md)."""

from __future__ import annotations

import pytest

from tests.support.web import log_in

FIRST_NOTE = "Note-pour-le-premier-medecin"
DECLINE_REASON = "Motif-de-refus-du-premier-medecin"
SECOND_NOTE = "Note-pour-le-second-medecin"


@pytest.fixture
def declined_then_proposed(world):
    """A case proposed to `other_gp`, declined by them with a reason, then proposed to `gp`."""
    case = world.case_in("triaged")
    first = {"professional_id": world.other_gp["id"], "comment": FIRST_NOTE}
    assert world.fire(case["id"], "propose", body=first).status_code == 200
    declined = world.fire(
        case["id"], "decline", world.other_gp_headers, body={"reason": DECLINE_REASON}
    )
    assert declined.status_code == 200, declined.get_json()
    second = {"professional_id": world.gp["id"], "comment": SECOND_NOTE}
    proposed = world.fire(case["id"], "propose", body=second)
    assert proposed.status_code == 200, proposed.get_json()
    return proposed.get_json()


def _entries(body, transition):
    return [entry for entry in body["history"] if entry["transition"] == transition]


def _leaks(text: str, world) -> list[str]:
    secrets = (world.other_gp_headers["X-Test-Email"], DECLINE_REASON, FIRST_NOTE)
    return [secret for secret in secrets if secret in text]


def test_a_gp_proposed_a_case_sees_neither_who_declined_it_nor_why(world, declined_then_proposed):
    response = world.get(declined_then_proposed["id"], world.gp_headers)
    assert response.status_code == 200
    assert _leaks(response.get_data(as_text=True), world) == []
    body = response.get_json()
    # The steps stay visible, without the actor nor what they wrote.
    assert [e["transition"] for e in body["history"]] == [
        "submit",
        "triage",
        "propose",
        "decline",
        "propose",
    ]
    [decline] = _entries(body, "decline")
    assert decline | {"at": None} == {
        "transition": "decline",
        "from": "proposed",
        "to": "triaged",
        "by": None,
        "at": None,
        "comment": None,
    }
    first, second = _entries(body, "propose")
    assert (first["by"], first["comment"]) == (None, None)
    # The proposal addressed to this GP is theirs to read in full.
    assert (second["by"], second["comment"]) == (world.coordinator["X-Test-Email"], SECOND_NOTE)


def test_the_coordinator_still_sees_every_entry_in_full(world, declined_then_proposed):
    body = world.get(declined_then_proposed["id"]).get_json()
    [decline] = _entries(body, "decline")
    assert (decline["by"], decline["comment"]) == (
        world.other_gp_headers["X-Test-Email"],
        DECLINE_REASON,
    )
    assert [e["comment"] for e in _entries(body, "propose")] == [FIRST_NOTE, SECOND_NOTE]
    assert {e["by"] for e in body["history"]} >= {
        world.submitter["X-Test-Email"],
        world.coordinator["X-Test-Email"],
    }


def test_the_submitter_does_not_see_which_gp_declined_nor_why(world, declined_then_proposed):
    response = world.get(declined_then_proposed["id"], world.submitter)
    assert response.status_code == 200
    assert _leaks(response.get_data(as_text=True), world) == []
    [submit] = _entries(response.get_json(), "submit")
    assert submit["by"] == world.submitter["X-Test-Email"]  # their own entry, in full


def test_the_list_and_the_gps_own_answer_obey_the_same_rule(world, declined_then_proposed):
    listed = world.client.get("/api/orientation/cases", headers=world.gp_headers)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.get_json()["items"]] == [declined_then_proposed["id"]]
    assert _leaks(listed.get_data(as_text=True), world) == []

    accepted = world.fire(
        declined_then_proposed["id"], "accept", world.gp_headers, body={"comment": "Bienvenue."}
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert _leaks(accepted.get_data(as_text=True), world) == []
    last = accepted.get_json()["history"][-1]
    assert (last["by"], last["comment"]) == (world.gp_headers["X-Test-Email"], "Bienvenue.")


def test_the_case_page_obeys_the_rule_too(world, declined_then_proposed):
    page = f"/orientation/cases/{declined_then_proposed['id']}"
    gp_client = world.app.test_client()
    log_in(gp_client, world.gp_headers["X-Test-Email"])
    html = gp_client.get(page).get_data(as_text=True)
    assert "Historique" in html and SECOND_NOTE in html
    assert _leaks(html, world) == []

    coordinator_client = world.app.test_client()
    log_in(coordinator_client, world.coordinator["X-Test-Email"])
    html = coordinator_client.get(page).get_data(as_text=True)
    assert sorted(_leaks(html, world)) == sorted(
        [world.other_gp_headers["X-Test-Email"], DECLINE_REASON, FIRST_NOTE]
    )
