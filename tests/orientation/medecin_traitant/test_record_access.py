"""Record-level rules of médecin-traitant cases: who sees which case (docs/security.md)."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.factories import World

CASES = "/api/orientation/cases"


def _listed(client, headers):
    response = client.get(CASES, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {case["reference"] for case in response.get_json()["items"]}


def test_a_professional_sees_only_the_cases_they_submitted(client, accounts):
    alice, bob = accounts.create("professional"), accounts.create("professional")
    mine, theirs = factories.signalement(client, alice), factories.signalement(client, bob)

    assert _listed(client, alice) == {mine["reference"]}
    assert client.get(f"{CASES}/{mine['id']}", headers=alice).status_code == 200
    assert client.get(f"{CASES}/{theirs['id']}", headers=alice).status_code == 404


def test_a_professional_cannot_fire_a_transition_on_a_case_they_cannot_see(client, accounts):
    alice, bob = accounts.create("professional"), accounts.create("professional")
    theirs = factories.signalement(client, bob)
    response = client.post(
        f"{CASES}/{theirs['id']}/transitions/cancel", json={"reason": "other"}, headers=alice
    )
    assert response.status_code == 404
    assert client.get(f"{CASES}/{theirs['id']}", headers=bob).get_json()["state"] == "submitted"


def test_a_gp_sees_only_the_cases_addressed_to_them(client, accounts):
    world = World(client, accounts).with_people("coordinator", "gp", "other_gp", "submitter")
    gp_a_headers, gp_b_headers = world.gp_headers, world.other_gp_headers
    to_a, unaddressed = world.case_in("proposed"), world.submit()

    assert _listed(client, gp_a_headers) == {to_a["reference"]}
    assert _listed(client, gp_b_headers) == set()
    assert client.get(f"{CASES}/{to_a['id']}", headers=gp_b_headers).status_code == 404
    assert client.get(f"{CASES}/{unaddressed['id']}", headers=gp_a_headers).status_code == 404
    accept = client.post(f"{CASES}/{to_a['id']}/transitions/accept", json={}, headers=gp_b_headers)
    assert accept.status_code == 404


def test_the_coordinator_sees_every_case(client, accounts):
    coordinator = accounts.create("coordinator")
    cases = {
        factories.signalement(client, accounts.create("professional"))["reference"]
        for _ in range(2)
    }
    assert _listed(client, coordinator) == cases


@pytest.mark.parametrize("role", ["reporting", "admin"])
def test_non_clinical_roles_see_no_medecin_traitant_case(client, accounts, role):
    case = factories.signalement(client, accounts.create("professional"))
    headers = accounts.create(role)
    assert client.get(CASES, headers=headers).status_code == 403
    assert client.get(f"{CASES}/{case['id']}", headers=headers).status_code == 403
    fired = client.post(
        f"{CASES}/{case['id']}/transitions/cancel", json={"reason": "other"}, headers=headers
    )
    assert fired.status_code == 403
