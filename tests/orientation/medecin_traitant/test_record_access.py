"""Record-level rules of médecin-traitant cases: who sees which case (docs/security.md)."""

from __future__ import annotations

import pytest

from tests.support import payloads

CASES = "/api/orientation/cases"


def _gp(client, coordinator):
    response = client.post(
        "/api/agenda/professionals", json=payloads.professional(), headers=coordinator
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _submit(client, headers):
    response = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _listed(client, headers):
    response = client.get(CASES, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {case["reference"] for case in response.get_json()["items"]}


def _propose(client, coordinator, case, gp_id):
    url = f"{CASES}/{case['id']}/transitions"
    triaged = client.post(f"{url}/triage", json={"synthesis": "Synthèse."}, headers=coordinator)
    assert triaged.status_code == 200, triaged.get_json()
    proposed = client.post(f"{url}/propose", json={"professional_id": gp_id}, headers=coordinator)
    assert proposed.status_code == 200, proposed.get_json()


def test_a_professional_sees_only_the_cases_they_submitted(client, accounts):
    alice, bob = accounts.create("professional"), accounts.create("professional")
    mine, theirs = _submit(client, alice), _submit(client, bob)

    assert _listed(client, alice) == {mine["reference"]}
    assert client.get(f"{CASES}/{mine['id']}", headers=alice).status_code == 200
    assert client.get(f"{CASES}/{theirs['id']}", headers=alice).status_code == 404


def test_a_professional_cannot_fire_a_transition_on_a_case_they_cannot_see(client, accounts):
    alice, bob = accounts.create("professional"), accounts.create("professional")
    theirs = _submit(client, bob)
    response = client.post(
        f"{CASES}/{theirs['id']}/transitions/cancel", json={"reason": "other"}, headers=alice
    )
    assert response.status_code == 404
    assert client.get(f"{CASES}/{theirs['id']}", headers=bob).get_json()["state"] == "submitted"


def test_a_gp_sees_only_the_cases_addressed_to_them(client, accounts):
    coordinator = accounts.create("coordinator")
    gp_a, gp_b = _gp(client, coordinator), _gp(client, coordinator)
    gp_a_headers = accounts.create("gp", professional_id=gp_a)
    gp_b_headers = accounts.create("gp", professional_id=gp_b)
    submitter = accounts.create("professional")
    to_a, unaddressed = _submit(client, submitter), _submit(client, submitter)
    _propose(client, coordinator, to_a, gp_a)

    assert _listed(client, gp_a_headers) == {to_a["reference"]}
    assert _listed(client, gp_b_headers) == set()
    assert client.get(f"{CASES}/{to_a['id']}", headers=gp_b_headers).status_code == 404
    assert client.get(f"{CASES}/{unaddressed['id']}", headers=gp_a_headers).status_code == 404
    accept = client.post(f"{CASES}/{to_a['id']}/transitions/accept", json={}, headers=gp_b_headers)
    assert accept.status_code == 404


def test_the_coordinator_sees_every_case(client, accounts):
    coordinator = accounts.create("coordinator")
    cases = {_submit(client, accounts.create("professional"))["reference"] for _ in range(2)}
    assert _listed(client, coordinator) == cases


@pytest.mark.parametrize("role", ["dac", "reporting", "admin"])
def test_non_clinical_roles_see_no_medecin_traitant_case(client, accounts, role):
    case = _submit(client, accounts.create("professional"))
    headers = accounts.create(role)
    assert client.get(CASES, headers=headers).status_code == 403
    assert client.get(f"{CASES}/{case['id']}", headers=headers).status_code == 403
    fired = client.post(
        f"{CASES}/{case['id']}/transitions/cancel", json={"reason": "other"}, headers=headers
    )
    assert fired.status_code == 403
