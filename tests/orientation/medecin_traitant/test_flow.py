"""The médecin-traitant workflow from signalement to orientation, through the API."""

from __future__ import annotations

from shared.timeutil import today_paris
from tests.support import factories, payloads


def test_signalement_goes_from_submitted_to_oriented(client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    pharmacist = accounts.create("professional")

    created = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=pharmacist
    )
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["state"] == "submitted"
    assert case["reference"].startswith("MT-")
    assert case["priority"] == 1
    assert case["allowed_transitions"] == ["cancel"]

    url = f"/api/orientation/cases/{case['id']}/transitions"
    triaged = client.post(
        f"{url}/triage", json={"synthesis": "Patiente diabétique, isolée."}, headers=coordinator
    )
    assert triaged.status_code == 200, triaged.get_json()
    suggestions = client.get(
        f"/api/orientation/cases/{case['id']}/suggestions", headers=coordinator
    ).get_json()
    assert [s["professional"]["id"] for s in suggestions] == [gp["id"]]

    proposed = client.post(
        f"{url}/propose", json={"professional_id": gp["id"]}, headers=coordinator
    )
    assert proposed.get_json()["state"] == "proposed"
    accepted = client.post(f"{url}/accept", json={}, headers=gp_headers)
    assert accepted.status_code == 200, accepted.get_json()
    oriented = client.post(
        f"{url}/confirm", json={"declared_on": today_paris().isoformat()}, headers=gp_headers
    )
    body = oriented.get_json()
    assert body["state"] == "oriented"
    assert body["version"] == 5
    assert [h["transition"] for h in body["history"]] == [
        "submit",
        "triage",
        "propose",
        "accept",
        "confirm",
    ]
    assert body["allowed_transitions"] == []
