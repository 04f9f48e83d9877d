"""A service whose dependency is down answers a clear 503, and recovers when it returns."""

from __future__ import annotations

from tests.support import payloads

CLOSED_PORT_URL = "http://127.0.0.1:18739"  # nothing listens there


def test_suggestions_answer_503_json_when_the_agenda_is_unreachable(service_app, accounts):
    orientation = service_app("orientation", service_urls={"agenda": CLOSED_PORT_URL})
    client = orientation.test_client()
    coordinator = accounts.create("coordinator")
    professional = accounts.create("professional")
    created = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=professional
    )
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    triaged = client.post(
        f"/api/orientation/cases/{case_id}/transitions/triage",
        json={"synthesis": "Synthèse."},
        headers=coordinator,
    )
    assert triaged.status_code == 200
    response = client.get(f"/api/orientation/cases/{case_id}/suggestions", headers=coordinator)
    assert response.status_code == 503
    assert response.get_json() == {
        "error": {
            "code": "service_unavailable",
            "message": "L'annuaire (service agenda) ne répond pas.",
        }
    }


def test_orientation_alone_without_agenda_url_says_what_to_configure(service_app, accounts):
    orientation = service_app("orientation")
    client = orientation.test_client()
    coordinator = accounts.create("coordinator")
    professional = accounts.create("professional")
    case_id = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=professional
    ).get_json()["id"]
    client.post(
        f"/api/orientation/cases/{case_id}/transitions/triage",
        json={"synthesis": "Synthèse."},
        headers=coordinator,
    )
    response = client.get(f"/api/orientation/cases/{case_id}/suggestions", headers=coordinator)
    assert response.status_code == 503
    assert "AGENDA_URL" in response.get_json()["error"]["message"]


def test_an_unreachable_database_gives_503_json_not_a_500(service_app):
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:18738/relais"
    client = service_app("orientation", database_url=unreachable).test_client()
    response = client.get("/api/orientation/cases", headers={"Authorization": "Bearer jeton"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"] == "indisponible"
