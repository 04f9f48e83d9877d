"""Cases in a list are whole cases: history and allowed transitions included."""

from __future__ import annotations

from tests.support import payloads


def test_each_listed_case_carries_its_own_history(client, accounts):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    first = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=submitter
    ).get_json()
    client.post("/api/orientation/signalements", json=payloads.signalement(), headers=submitter)
    triaged = client.post(
        f"/api/orientation/cases/{first['id']}/transitions/triage",
        json={"synthesis": "Synthèse de test."},
        headers=coordinator,
    )
    assert triaged.status_code == 200

    items = client.get("/api/orientation/cases", headers=coordinator).get_json()["items"]

    by_reference = {item["reference"]: item for item in items}
    assert len(by_reference) == 2
    for reference, item in by_reference.items():
        expected = ["submit", "triage"] if reference == first["reference"] else ["submit"]
        assert [entry["transition"] for entry in item["history"]] == expected
    assert by_reference[first["reference"]]["allowed_transitions"] == ["propose", "hold", "cancel"]
