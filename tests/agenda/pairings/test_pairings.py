"""Standing nurse–GP pairs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.agenda.pairings.models import Pairing
from shared.extensions import db
from tests.support import factories


@pytest.fixture
def people(client, accounts):
    coordinator = accounts.create("coordinator")
    nurse, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    return {
        "coordinator": coordinator,
        "nurse": nurse,
        "nurse_headers": nurse_headers,
        "gp": factories.professional(client, coordinator),
        "pharmacist": factories.professional(client, coordinator, profession="pharmacist"),
    }


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Pairing.id)))


def test_coordinator_pairs_a_nurse_with_a_gp(client, people):
    response = client.post(
        "/api/agenda/pairings",
        json={"nurse_id": people["nurse"]["id"], "gp_id": people["gp"]["id"]},
        headers=people["coordinator"],
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["gp"]["id"] == people["gp"]["id"]
    listed = client.get("/api/agenda/pairings", headers=people["nurse_headers"]).get_json()
    assert [p["gp_id"] for p in listed["items"]] == [people["gp"]["id"]]


def test_pairing_a_nurse_with_a_non_gp_is_refused(app, client, people):
    response = client.post(
        "/api/agenda/pairings",
        json={"nurse_id": people["nurse"]["id"], "gp_id": people["pharmacist"]["id"]},
        headers=people["nurse_headers"],
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["gp_id"] == [
        "Ce professionnel n'est pas un médecin généraliste."
    ]
    swapped = client.post(
        "/api/agenda/pairings",
        json={"nurse_id": people["gp"]["id"], "gp_id": people["gp"]["id"]},
        headers=people["coordinator"],
    )
    assert swapped.status_code == 422
    assert _count(app) == 0


def test_the_same_pair_twice_is_a_duplicate(app, client, people):
    body = {"nurse_id": people["nurse"]["id"], "gp_id": people["gp"]["id"]}
    assert (
        client.post("/api/agenda/pairings", json=body, headers=people["nurse_headers"]).status_code
        == 201
    )
    again = client.post("/api/agenda/pairings", json=body, headers=people["coordinator"])
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "duplicate"
    assert _count(app) == 1


def test_a_nurse_pairs_only_herself(app, client, people, accounts):
    other_nurse = factories.professional(client, people["coordinator"], profession="nurse")
    response = client.post(
        "/api/agenda/pairings",
        json={"nurse_id": other_nurse["id"], "gp_id": people["gp"]["id"]},
        headers=people["nurse_headers"],
    )
    assert response.status_code == 403
    pharmacist = accounts.create("professional")
    assert client.get("/api/agenda/pairings", headers=pharmacist).status_code == 403
    assert _count(app) == 0
