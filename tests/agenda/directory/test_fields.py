"""New directory fields and the rules of who edits what (`/api/agenda/professionals`)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.support import factories, payloads
from tests.support.factories import table_counts

URL = "/api/agenda/professionals"


def test_a_new_entry_carries_idnps_qualifications_and_a_capacity_date(client, accounts):
    coordinator = accounts.create("coordinator")
    rpps = payloads.make_rpps()
    entry = factories.professional(
        client, coordinator, rpps=rpps, qualifications=["msu", "etp"], cpts_member=True
    )
    assert entry["idnps"] == "8" + rpps
    assert entry["qualifications"] == ["msu", "etp"]
    assert entry["cpts_member"] is True
    assert entry["active"] is True
    assert entry["capacity_updated_at"] is not None
    assert entry["insee"] == "69383"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("qualifications", ["chirurgie"]),
        ("insee", "99999"),
        ("new_patient_capacity", 501),
        ("profession", "astrologue"),
    ],
)
def test_unknown_codes_and_capacities_are_422_naming_the_field(app, client, accounts, field, value):
    coordinator = accounts.create("coordinator")
    before = table_counts(app)
    response = client.post(URL, json=payloads.professional(**{field: value}), headers=coordinator)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert any(path.split(".")[0] == field for path in fields), fields
    assert table_counts(app) == before


def test_idnps_and_capacity_date_are_read_only(client, accounts):
    coordinator = accounts.create("coordinator")
    entry = factories.professional(client, coordinator)
    for field in ("idnps", "capacity_updated_at"):
        response = client.patch(f"{URL}/{entry['id']}", json={field: "x"}, headers=coordinator)
        assert response.status_code == 422
        assert field in response.get_json()["error"]["fields"]


def test_a_gp_changes_their_availability_and_stamps_its_date(client, accounts):
    coordinator = accounts.create("coordinator")
    mine, gp = factories.professional_account(client, accounts, coordinator)
    changed = client.patch(
        f"{URL}/{mine['id']}",
        json={"new_patient_capacity": 3, "languages": ["fr", "ar"], "home_visits": True},
        headers=gp,
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["new_patient_capacity"], body["languages"]) == (3, ["fr", "ar"])
    assert body["capacity_updated_at"] > mine["capacity_updated_at"]


@pytest.mark.parametrize(
    "reserved",
    [{"qualifications": ["ipa"]}, {"cpts_member": True}, {"last_name": "Autre"}, {"active": False}],
)
def test_a_professional_may_not_change_fields_reserved_to_the_coordinator(
    app, client, accounts, reserved
):
    coordinator = accounts.create("coordinator")
    mine, nurse = factories.professional_account(client, accounts, coordinator, profession="nurse")
    before = table_counts(app)
    response = client.patch(
        f"{URL}/{mine['id']}", json={"new_patient_capacity": 1, **reserved}, headers=nurse
    )
    assert response.status_code == 403
    assert next(iter(reserved)) in response.get_json()["error"]["message"]
    assert table_counts(app) == before
    after = client.get(f"{URL}/{mine['id']}", headers=nurse).get_json()
    assert after["new_patient_capacity"] == mine["new_patient_capacity"]


def test_a_deactivated_gp_leaves_searches_and_stops_accepting(client, accounts):
    coordinator = accounts.create("coordinator")
    entry = factories.professional(client, coordinator, last_name="Désactivé")
    response = client.patch(f"{URL}/{entry['id']}", json={"active": False}, headers=coordinator)
    assert response.status_code == 200
    assert response.get_json()["accepts_new_patients"] is False
    assert client.get(f"{URL}?q=desactive", headers=coordinator).get_json()["total"] == 0
    everyone = client.get(f"{URL}?q=desactive&include_inactive=true", headers=coordinator)
    assert [p["id"] for p in everyone.get_json()["items"]] == [entry["id"]]


def test_search_ignores_accents_and_case_and_filters_by_qualification(client, accounts):
    coordinator = accounts.create("coordinator")
    levy = factories.professional(
        client, coordinator, last_name="Lévy", first_name="Éloïse", qualifications=["ipa"]
    )
    factories.professional(client, coordinator, last_name="Levyson", first_name="Paul")
    found = client.get(f"{URL}?q=LEVY eloise", headers=coordinator).get_json()
    assert [p["id"] for p in found["items"]] == [levy["id"]]
    ipa = client.get(f"{URL}?qualification=ipa", headers=coordinator).get_json()
    assert [p["id"] for p in ipa["items"]] == [levy["id"]]


def test_near_and_radius_filter_by_distance(client, accounts):
    coordinator = accounts.create("coordinator")
    lyon = factories.professional(client, coordinator, postal_code="69003", city="Lyon")
    factories.professional(client, coordinator, postal_code="38000", city="Grenoble")
    near = client.get(f"{URL}?near=45.76,4.85&radius_km=20", headers=coordinator).get_json()
    assert [p["id"] for p in near["items"]] == [lyon["id"]]
    refused = client.get(f"{URL}?near=45.76", headers=coordinator)
    assert refused.status_code == 422


def test_the_directory_exports_as_csv_with_french_headers(client, accounts):
    coordinator = accounts.create("coordinator")
    midwife = factories.professional(client, coordinator, profession="midwife", last_name="Sagef")
    factories.professional(client, coordinator)
    response = client.get(f"{URL}?profession=midwife&format=csv", headers=coordinator)
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("rpps;nom;prenom;profession")
    assert len(lines) == 2
    assert lines[1].startswith(f"{midwife['rpps']};Sagef;")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_directory_export_never_carries_a_live_formula(client, accounts, file_format):
    coordinator = accounts.create("coordinator")
    formula = '=HYPERLINK("http://evil.example")'
    factories.professional(client, coordinator, address=formula)
    response = client.get(f"{URL}?format={file_format}", headers=coordinator)
    assert response.status_code == 200
    if file_format == "csv":
        text = response.data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(response.data))["Annuaire"].values)
    header, entry = rows
    assert entry[list(header).index("adresse")] == "'" + formula
