"""Right of access (`relais patient export`) and right to erasure (`relais patient erase`)."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.audit.models import AuditEntry
from shared.extensions import db
from shared.privacy.registry import unregistered_patient_models
from shared.privacy.service import export_patient
from tests.support import payloads

OPERATOR = "dpo@relais.test"


def _case(client, headers, body):
    response = client.post("/api/orientation/signalements", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _fire(client, headers, case, name, body):
    url = f"/api/orientation/cases/{case['id']}/transitions/{name}"
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _audit_actions(app, reference):
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.reference == reference, AuditEntry.user_email == OPERATOR
                )
            )
        )


def test_every_model_holding_a_patient_identity_is_registered(app):
    assert unregistered_patient_models() == []


def test_export_gathers_every_case_of_the_patient_and_is_audited(app, client, accounts):
    coordinator = accounts.create("coordinator")
    body = payloads.signalement()
    first = _case(client, coordinator, body)
    _fire(client, coordinator, first, "triage", {"synthesis": "Vit seule."})
    _fire(client, coordinator, first, "cancel", {"reason": "moved_out"})
    second = _case(client, coordinator, {**body, "patient": {**body["patient"], "nir": None}})
    someone_else = _case(client, coordinator, payloads.signalement())

    with app.app_context():
        exported = export_patient(reference=second["reference"], operator=OPERATOR)
    references = [case["reference"] for case in exported["cases"]]
    assert references == [first["reference"], second["reference"]]
    assert someone_else["reference"] not in json.dumps(exported)
    first_export = exported["cases"][0]
    assert first_export["patient"]["nir"] == body["patient"]["nir"]
    assert first_export["case"]["synthesis"] == "Vit seule."
    assert [h["transition"] for h in first_export["history"]] == ["submit", "triage", "cancel"]
    assert {e["action"] for e in first_export["related"]["audit_entries"]} >= {"create"}
    assert "outbox_events" in first_export["related"]
    assert _audit_actions(app, first["reference"]) == ["export"]


def test_export_command_prints_json_and_refuses_an_unknown_reference(client, accounts, cli_runner):
    case = _case(client, accounts.create("professional"), payloads.signalement())
    result = cli_runner(["patient", "export", "--reference", case["reference"], "--by", OPERATOR])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cases"][0]["reference"] == case["reference"]
    unknown = cli_runner(["patient", "export", "--reference", "MT-1999-000001", "--by", OPERATOR])
    assert unknown.exit_code == 2
    assert "Aucun dossier" in unknown.output


def test_erase_refuses_an_open_case(client, accounts, cli_runner):
    case = _case(client, accounts.create("professional"), payloads.signalement())
    args = ["patient", "erase", "--reference", case["reference"], "--by", OPERATOR, "--yes"]
    result = cli_runner(args)
    assert result.exit_code == 2
    assert "encore ouvert" in result.output


def test_erase_anonymises_the_identity_and_keeps_the_facts(app, client, accounts, cli_runner):
    coordinator = accounts.create("coordinator")
    body = payloads.signalement()
    case = _case(client, coordinator, body)
    _fire(client, coordinator, case, "triage", {"synthesis": "Mme Testnom, isolée."})
    _fire(client, coordinator, case, "cancel", {"reason": "consent_withdrawn"})

    args = ["patient", "erase", "--reference", case["reference"], "--by", OPERATOR]
    assert cli_runner(args).exit_code == 2  # irreversible: needs --yes
    result = cli_runner([*args, "--yes"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        row = db.session.get(MedecinTraitantCase, uuid.UUID(case["id"]))
        patient = row.patient_dict()
        assert patient["last_name"] == patient["first_name"] == "Anonyme"
        assert patient["nir"] is None and patient["phone"] == "" and patient["email"] is None
        assert patient["address"]["line"] == ""
        assert row.synthesis is None and row.reason == ""
        # Facts the indicators count survive.
        assert row.state == "cancelled" and row.cancel_reason == "consent_withdrawn"
        assert row.ald is True and row.vulnerabilities == ["isolement"]
        assert row.patient_birth_date.isoformat() == "1950-01-01"
        assert row.patient_postal_code == body["patient"]["address"]["postal_code"]
    assert _audit_actions(app, case["reference"]) == ["update"]
    # The erased case no longer matches the person: a new signalement is not a duplicate.
    again = client.post("/api/orientation/signalements", json=body, headers=coordinator)
    assert again.status_code == 201
