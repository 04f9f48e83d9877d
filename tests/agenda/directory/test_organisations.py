"""Structures of the territory (`/api/agenda/organisations`) and the map (`/api/agenda/map`)."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.factories import table_counts

URL = "/api/agenda/organisations"


def organisation(**overrides):
    body = {
        "name": "SSIAD du Val",
        "kind": "ssiad",
        "address": "2 rue de l'Essai",
        "postal_code": "77000",
        "city": "Melun",
        "communes_served": ["77288", "77445"],
    }
    return {**body, **overrides}


def test_a_coordinator_registers_a_structure_located_by_its_commune(client, accounts):
    coordinator = accounts.create("coordinator")
    response = client.post(URL, json=organisation(), headers=coordinator)
    assert response.status_code == 201
    body = response.get_json()
    assert body["insee"] == "77288"
    assert 48.4 < body["latitude"] < 48.6
    served = client.get(f"{URL}?commune=77445", headers=coordinator).get_json()
    assert [o["id"] for o in served["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "sorcellerie"), ("communes_served", ["00000"]), ("finess", "12"), ("website", "x")],
)
def test_bad_structures_are_422_and_not_stored(app, client, accounts, field, value):
    coordinator = accounts.create("coordinator")
    before = table_counts(app)
    response = client.post(URL, json=organisation(**{field: value}), headers=coordinator)
    assert response.status_code == 422
    assert any(p.split(".")[0] == field for p in response.get_json()["error"]["fields"])
    assert table_counts(app) == before


@pytest.mark.parametrize("role", ["gp", "nurse", "professional", "reporting"])
def test_only_the_coordination_manages_structures(app, client, accounts, role):
    headers = accounts.create(role)
    before = table_counts(app)
    assert client.post(URL, json=organisation(), headers=headers).status_code == 403
    assert table_counts(app) == before


def test_the_map_serves_professionals_and_structures_as_geojson(client, accounts):
    coordinator = accounts.create("coordinator")
    structure = client.post(URL, json=organisation(kind="pmi"), headers=coordinator).get_json()
    gp = factories.professional(client, coordinator, postal_code="77000", city="Melun")
    body = client.get("/api/agenda/map", headers=coordinator).get_json()
    assert body["type"] == "FeatureCollection"
    by_id = {f["properties"]["id"]: f for f in body["features"]}
    assert by_id[gp["id"]]["properties"]["type"] == "professional"
    assert by_id[gp["id"]]["properties"]["profession"] == "gp"
    assert by_id[structure["id"]]["properties"]["kind"] == "pmi"
    lon, lat = by_id[structure["id"]]["geometry"]["coordinates"]
    assert 48.4 < lat < 48.6 and 2.5 < lon < 2.8
    only_pmi = client.get("/api/agenda/map?kind=pmi", headers=coordinator).get_json()
    assert [f["properties"]["id"] for f in only_pmi["features"]] == [structure["id"]]
