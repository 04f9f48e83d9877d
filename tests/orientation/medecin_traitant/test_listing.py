"""Cases in a list are whole cases: history and allowed transitions included."""

from __future__ import annotations

from tests.support import factories


def test_each_listed_case_carries_its_own_history(client, accounts):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    first = factories.signalement(client, submitter)
    factories.signalement(client, submitter)
    factories.fire(client, first, "triage", coordinator, {"synthesis": "Synthèse de test."})

    items = client.get("/api/orientation/cases", headers=coordinator).get_json()["items"]

    by_reference = {item["reference"]: item for item in items}
    assert len(by_reference) == 2
    for reference, item in by_reference.items():
        expected = ["submit", "triage"] if reference == first["reference"] else ["submit"]
        assert [entry["transition"] for entry in item["history"]] == expected
    assert by_reference[first["reference"]]["allowed_transitions"] == ["propose", "hold", "cancel"]
