"""Right of access (`relais patient export`) and right to erasure (`relais patient erase`)."""

from __future__ import annotations

import base64
import json
import uuid

from sqlalchemy import select

from services.agenda.bookings.models import Booking
from services.orientation.discharges.models import DischargeCase
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.audit.models import AuditEntry
from shared.cases.documents import CaseDocument
from shared.cases.messages import CaseMessage
from shared.extensions import db
from shared.privacy.registry import unregistered_patient_models
from shared.privacy.service import export_patient
from tests.shared.cases.test_documents import PDF, _upload
from tests.support import factories, payloads
from tests.support.agenda import booking_body, in_days, publish

OPERATOR = "dpo@relais.test"


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
    first = factories.signalement(client, coordinator, body)
    factories.fire(client, first, "triage", coordinator, {"synthesis": "Vit seule."})
    factories.fire(client, first, "cancel", coordinator, {"reason": "moved_out"})
    second = factories.signalement(
        client, coordinator, {**body, "patient": {**body["patient"], "nir": None}}
    )
    someone_else = factories.signalement(client, coordinator)

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
    case = factories.signalement(client, accounts.create("professional"))
    result = cli_runner(["patient", "export", "--reference", case["reference"], "--by", OPERATOR])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cases"][0]["reference"] == case["reference"]
    unknown = cli_runner(["patient", "export", "--reference", "MT-1999-000001", "--by", OPERATOR])
    assert unknown.exit_code == 2
    assert "Aucun dossier" in unknown.output


def test_erase_refuses_an_open_case(client, accounts, cli_runner):
    case = factories.signalement(client, accounts.create("professional"))
    args = ["patient", "erase", "--reference", case["reference"], "--by", OPERATOR, "--yes"]
    result = cli_runner(args)
    assert result.exit_code == 2
    assert "encore ouvert" in result.output


def test_erase_anonymises_the_identity_and_keeps_the_facts(app, client, accounts, cli_runner):
    coordinator = accounts.create("coordinator")
    body = payloads.signalement()
    case = factories.signalement(client, coordinator, body)
    factories.fire(client, case, "triage", coordinator, {"synthesis": "Mme Testnom, isolée."})
    factories.fire(client, case, "cancel", coordinator, {"reason": "consent_withdrawn"})

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


def test_export_and_erase_cover_a_discharge_case_of_the_same_patient(
    app, client, accounts, cli_runner
):
    coordinator = accounts.create("coordinator")
    body = payloads.signalement()
    signalement = factories.signalement(client, coordinator, body)
    discharge = factories.discharge(client, accounts.create("dac"), patient=body["patient"])
    assert discharge["reference"].startswith("SH-")

    with app.app_context():
        exported = export_patient(reference=discharge["reference"], operator=OPERATOR)
    assert [case["reference"] for case in exported["cases"]] == [
        signalement["reference"],
        discharge["reference"],
    ]
    assert exported["cases"][1]["case"]["summary"].startswith("Chute à domicile")

    erase = ["patient", "erase", "--reference", discharge["reference"], "--by", OPERATOR, "--yes"]
    assert "encore ouvert" in cli_runner(erase).output  # both cases are still open
    factories.fire(client, signalement, "cancel", coordinator, {"reason": "consent_withdrawn"})
    factories.fire(client, discharge, "cancel", coordinator)
    result = cli_runner(erase)
    assert result.exit_code == 0, result.output

    with app.app_context():
        row = db.session.get(DischargeCase, uuid.UUID(discharge["id"]))
        assert row.patient_erased
        assert row.summary is None and row.prescription is None
        assert row.state == "cancelled" and row.hospital_name == "Centre hospitalier de test"
    assert _audit_actions(app, discharge["reference"]) == ["export", "update"]


def test_a_booking_is_exported_by_its_reference_and_erased_only_once_over(
    app, client, accounts, cli_runner
):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    slot = publish(client, gp_headers, gp["id"], day=in_days(1)).get_json()
    booked = client.post(
        f"/api/agenda/slots/{slot['id']}/booking", json=booking_body(), headers=coordinator
    )
    assert booked.status_code == 201, booked.get_json()
    reference = uuid.UUID(booked.get_json()["id"]).hex

    result = cli_runner(["patient", "export", "--reference", reference, "--by", OPERATOR])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)["cases"]
    assert [(case["table"], case["reference"]) for case in exported] == [
        ("agenda_bookings", reference)
    ]
    assert exported[0]["case"]["reason"] == "Fièvre depuis deux jours."

    erase = ["patient", "erase", "--reference", reference, "--by", OPERATOR, "--yes"]
    assert "encore ouvert" in cli_runner(erase).output  # the appointment is still to come
    freed = client.delete(f"/api/agenda/bookings/{booked.get_json()['id']}", headers=coordinator)
    assert freed.status_code == 200, freed.get_json()
    assert cli_runner(erase).exit_code == 0
    with app.app_context():
        row = db.session.get(Booking, uuid.UUID(booked.get_json()["id"]))
        assert row.patient_erased and row.reason == ""


def test_export_carries_the_thread_and_documents_and_erasure_removes_them(
    app, client, accounts, cli_runner
):
    coordinator = accounts.create("coordinator")
    case = factories.signalement(client, coordinator)
    url = f"/api/orientation/cases/{case['id']}"
    message = {"body": "La patiente vit seule au 3e étage."}
    assert client.post(f"{url}/messages", json=message, headers=coordinator).status_code == 201
    assert _upload(client, url, coordinator).status_code == 201

    with app.app_context():
        exported = export_patient(reference=case["reference"], operator=OPERATOR)
    related = exported["cases"][0]["related"]
    assert [row["body"] for row in related["case_messages"]] == [message["body"]]
    assert base64.b64decode(related["case_documents"][0]["content"]) == PDF
    json.dumps(exported)  # JSON-ready, document included

    factories.fire(client, case, "cancel", coordinator, {"reason": "consent_withdrawn"})
    erase = ["patient", "erase", "--reference", case["reference"], "--by", OPERATOR, "--yes"]
    assert cli_runner(erase).exit_code == 0
    assert factories.count(app, CaseMessage) == 0
    assert factories.count(app, CaseDocument) == 0
