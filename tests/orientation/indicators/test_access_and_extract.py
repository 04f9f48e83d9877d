"""Who may read the indicators and the extract; invalid periods; the extract holds no identity."""

from __future__ import annotations

import csv
import io

import pytest

from shared.audit.models import AuditEntry
from shared.extensions import db
from tests.support.factories import utc

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.mark.parametrize("role", ["reporting", "coordinator", "admin"])
def test_reporting_coordinator_and_admin_read_the_indicators(client, accounts, role):
    response = client.get(
        "/api/orientation/indicators", query_string=MARCH, headers=accounts.create(role)
    )
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["professional", "gp", "midwife", "nurse", "dac"])
def test_other_roles_may_not_read_the_indicators(client, accounts, role):
    response = client.get(
        "/api/orientation/indicators", query_string=MARCH, headers=accounts.create(role)
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_indicators_need_a_token(client):
    assert client.get("/api/orientation/indicators", query_string=MARCH).status_code == 401


def test_reporting_never_sees_a_patient(world, client, accounts):
    case_id = world.case_then("submitted", utc(2026, 3, 2, 9), last_name="Secretnom")["id"]
    reporting = accounts.create("reporting")
    assert client.get("/api/orientation/cases", headers=reporting).status_code == 403
    assert client.get(f"/api/orientation/cases/{case_id}", headers=reporting).status_code == 403
    extract = client.get(
        "/api/orientation/indicators/extract", query_string=MARCH, headers=reporting
    )
    assert extract.status_code == 403
    body = client.get("/api/orientation/indicators", query_string=MARCH, headers=reporting)
    assert b"Secretnom" not in body.get_data()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "from", "La date de début doit précéder"),
        ({"from": "2026-13-01", "to": "2026-03-01"}, "from", "Date attendue au format AAAA-MM-JJ"),
        ({"from": "01/03/2026", "to": "2026-03-31"}, "from", "Date attendue au format AAAA-MM-JJ"),
        ({"to": "2026-03-31"}, "from", "Ce champ est obligatoire"),
        ({**MARCH, "format": "pdf"}, "format", "Valeur inconnue"),
        ({"from": "2000-01-01", "to": "2026-03-31"}, "to", "dix ans"),
        ({**MARCH, "patient": "x"}, "patient", "Champ inconnu"),
    ],
)
def test_invalid_periods_are_refused_in_french(client, accounts, query, field, message):
    response = client.get(
        "/api/orientation/indicators", query_string=query, headers=accounts.create("reporting")
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert any(message in text for text in error["fields"][field])


@pytest.mark.parametrize("role", ["reporting", "coordinator"])
def test_only_the_admin_gets_the_extract(client, accounts, role):
    response = client.get(
        "/api/orientation/indicators/extract", query_string=MARCH, headers=accounts.create(role)
    )
    assert response.status_code == 403


def test_the_extract_is_pseudonymised_and_audited(app, world, client, accounts):
    case = world.case_then(
        "oriented",
        utc(2026, 3, 2, 9),
        utc(2026, 3, 12, 21),
        last_name="Identitenom",
        first_name="Identiteprenom",
        birth_date="1950-03-14",
        phone="0698765432",
    )
    admin = accounts.create("admin")
    response = client.get("/api/orientation/indicators/extract", query_string=MARCH, headers=admin)
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    for identity in (
        "Identitenom",
        "Identiteprenom",
        "1950-03-14",
        "0698765432",
        "rue des Essais",
        case["reference"],
    ):
        assert identity not in raw
    (row,) = response.get_json()["items"]
    assert row["tranche_age"] == "70-79"
    assert row["commune"] == "Lyon 3e Arrondissement"
    assert row["code_insee"] == "69383"
    assert row["oriente_le"] == "2026-03-12"
    assert row["jours_jusqu_orientation"] == 10.5
    assert len(row["patient_pseudonyme"]) == 64
    with app.app_context():
        case_key = db.session.execute(db.text("SELECT patient_key FROM orientation_mt_cases"))
        assert row["patient_pseudonyme"] != case_key.scalar_one()
        entries = list(
            db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "export"))
        )
    assert [e.reference for e in entries] == ["extract:2026-03-01/2026-03-31"]
    assert entries[0].user_email.startswith("admin-")


def test_the_extract_as_csv_has_the_columns_and_no_identity(world, client, accounts):
    world.case_then("submitted", utc(2026, 3, 2, 9), last_name="Identitenom")
    response = client.get(
        "/api/orientation/indicators/extract",
        query_string={**MARCH, "format": "csv"},
        headers=accounts.create("admin"),
    )
    assert (
        'filename="extraction_pseudonymisee_2026-03-01_2026-03-31.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "patient_pseudonyme"
    assert len(rows) == 2
    assert "Identitenom" not in response.get_data(as_text=True)


def test_the_openapi_document_describes_the_indicators(client):
    paths = client.get("/api/orientation/openapi.json").get_json()["paths"]
    assert "/api/orientation/indicators" in paths
    assert "/api/orientation/indicators/extract" in paths
    responses = paths["/api/orientation/indicators"]["get"]["responses"]
    assert {"200", "401", "403", "422", "503"} <= set(responses)
    assert list(responses["200"]["content"]) == [
        "application/json",
        "text/csv; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    extract = paths["/api/orientation/indicators/extract"]["get"]["responses"]["200"]
    assert list(extract["content"]) == ["application/json", "text/csv; charset=utf-8"]
