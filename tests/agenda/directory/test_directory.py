"""The directory of member professionals (`/api/agenda/professionals`)."""

from __future__ import annotations

import pytest

from tests.support import factories, payloads
from tests.support.factories import table_counts

URL = "/api/agenda/professionals"


def _create(client, headers, **overrides):
    return client.post(URL, json=payloads.professional(**overrides), headers=headers)


def test_coordinates_are_filled_from_the_commune(client, accounts):
    created = _create(client, accounts.create("coordinator"), postal_code="38000", city="Grenoble")
    assert created.status_code == 201
    body = created.get_json()
    assert 45.1 < body["latitude"] < 45.25
    assert 5.6 < body["longitude"] < 5.8


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_coordinator_and_admin_register_professionals(client, accounts, role):
    assert _create(client, accounts.create(role)).status_code == 201


@pytest.mark.parametrize("role", ["gp", "professional", "dac", "reporting"])
def test_other_roles_cannot_register(app, client, accounts, role):
    headers = accounts.create(role)
    before = table_counts(app)
    assert _create(client, headers).status_code == 403
    assert table_counts(app) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rpps", "12345678901"),
        ("rpps", "1234"),
        ("postal_code", "380"),
        ("profession", "wizard"),
        ("new_patient_capacity", -1),
        ("phone", "12"),
    ],
)
def test_bad_entries_are_422_and_not_stored(app, client, accounts, field, value):
    headers = accounts.create("coordinator")
    before = table_counts(app)
    response = _create(client, headers, **{field: value})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert table_counts(app) == before


def test_an_rpps_registered_twice_is_409(app, client, accounts):
    headers = accounts.create("coordinator")
    rpps = payloads.make_rpps()
    assert _create(client, headers, rpps=rpps).status_code == 201
    before = table_counts(app)
    again = _create(client, headers, rpps=rpps)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "duplicate"
    assert table_counts(app) == before


def test_filters_by_profession_city_and_availability(client, accounts):
    headers = accounts.create("coordinator")
    open_gp = factories.professional(client, headers)
    factories.professional(client, headers, accepts_new_patients=False)
    factories.professional(
        client, headers, profession="nurse", postal_code="69100", city="Villeurbanne"
    )
    query = f"{URL}?profession=gp&accepting_new_patients=true"
    assert [p["id"] for p in client.get(query, headers=headers).get_json()["items"]] == [
        open_gp["id"]
    ]
    by_city = client.get(f"{URL}?city=villeurbanne", headers=headers).get_json()
    assert [p["profession"] for p in by_city["items"]] == ["nurse"]


def test_a_gp_edits_their_own_entry_only(client, accounts):
    coordinator = accounts.create("coordinator")
    mine, gp = factories.professional_account(client, accounts, coordinator)
    theirs = factories.professional(client, coordinator)
    changed = client.patch(f"{URL}/{mine['id']}", json={"new_patient_capacity": 2}, headers=gp)
    assert changed.status_code == 200
    assert changed.get_json()["new_patient_capacity"] == 2
    refused = client.patch(f"{URL}/{theirs['id']}", json={"home_visits": True}, headers=gp)
    assert refused.status_code == 403
    assert client.get(f"{URL}/{theirs['id']}", headers=gp).get_json()["home_visits"] is False


def test_moving_a_professional_recomputes_the_coordinates(client, accounts):
    coordinator = accounts.create("coordinator")
    entry = factories.professional(client, coordinator, postal_code="69003", city="Lyon")
    moved = client.patch(
        f"{URL}/{entry['id']}",
        json={"postal_code": "38000", "city": "Grenoble"},
        headers=coordinator,
    ).get_json()
    assert moved["latitude"] != entry["latitude"]
    assert 45.1 < moved["latitude"] < 45.25


def test_rpps_and_profession_cannot_be_changed(client, accounts):
    coordinator = accounts.create("coordinator")
    entry = factories.professional(client, coordinator)
    response = client.patch(
        f"{URL}/{entry['id']}", json={"profession": "nurse"}, headers=coordinator
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"profession": ["Champ inconnu."]}
