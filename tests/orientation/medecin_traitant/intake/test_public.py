"""Public self-registration: no account, nothing revealed, throttled per client address."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from services.notifications.models import Delivery
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from shared.outbox.relay import current_relay
from tests.support import payloads
from tests.support.factories import MT
from tests.support.notifications import configure
from tests.support.web import log_in

PUBLIC = f"{MT}/public/signalements"


def registration(relationship: str = "self", **contact) -> dict:
    body = payloads.signalement()
    return {
        "patient": body["patient"],
        "situation": {"reason": "Mon médecin est parti à la retraite."},
        "consent": {"patient_informed": True, "data_sharing": True},
        "contact": {"relationship": relationship, **contact},
        "website": "",
    }


def post(client, body, ip="198.51.100.7", **kwargs):
    return client.post(PUBLIC, json=body, environ_base={"REMOTE_ADDR": ip}, **kwargs)


def cases(app) -> list[MedecinTraitantCase]:
    with app.app_context():
        found = list(db.session.scalars(select(MedecinTraitantCase)))
        db.session.expunge_all()
        return found


def test_a_patient_registers_without_an_account_and_the_case_is_to_be_checked(world):
    response = post(world.client, registration("self"))
    assert response.status_code == 202
    assert set(response.get_json()) == {"receipt", "message"}
    listed = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]
    assert [(c["source"], c["needs_review"], c["state"]) for c in listed] == [
        ("patient", True, "submitted")
    ]
    triaged = world.fired(listed[0], "triage", body={"synthesis": "Appelée, situation vérifiée."})
    assert triaged["needs_review"] is False


def test_a_carer_registers_a_relative_and_gives_their_contact(world, app):
    body = registration("carer", name="Aidant Test", phone="0611223344")
    assert post(world.client, body).status_code == 202
    [case] = cases(app)
    assert (case.source, case.contact_name, case.contact_phone) == (
        "carer",
        "Aidant Test",
        "+33611223344",
    )


def test_a_duplicate_gets_the_same_answer_and_adds_a_note_to_the_open_case(world, app):
    first = registration("self")
    again = registration("carer", name="Aidant Test")
    again["patient"] = first["patient"]
    again["situation"]["reason"] = "Elle ne peut plus se déplacer."
    one, two = post(world.client, first), post(world.client, again)
    assert (one.status_code, two.status_code) == (202, 202)
    assert one.get_json()["message"] == two.get_json()["message"]
    assert one.get_json()["receipt"] != two.get_json()["receipt"]
    assert len(two.get_json()["receipt"]) == len(one.get_json()["receipt"])
    assert "MT-" not in two.get_data(as_text=True)
    [case] = cases(app)
    assert [note["reason"] for note in case.intake_notes] == ["Elle ne peut plus se déplacer."]
    assert case.intake_notes[0]["name"] == "Aidant Test"
    log_in(world.client, world.coordinator["X-Test-Email"])
    page = world.client.get(f"/orientation/cases/{case.id}").get_data(as_text=True)
    assert "Elle ne peut plus se déplacer." in page
    assert "Origine : Patient (inscription en ligne)" in page
    assert "à vérifier" in page


def test_a_duplicate_of_a_professional_signalement_reveals_nothing_either(world, app):
    existing = world.submit()
    body = registration("self")
    body["patient"] = {**body["patient"], "nir": existing["patient"]["nir"]}
    for key in ("last_name", "first_name", "birth_date", "sex"):
        body["patient"][key] = existing["patient"][key]
    response = post(world.client, body)
    assert response.status_code == 202
    assert existing["reference"] not in response.get_data(as_text=True)
    assert len(cases(app)) == 1


def test_the_trap_field_stores_nothing_but_answers_the_same(world, app):
    body = registration("self")
    body["website"] = "http://spam.example"
    response = post(world.client, body)
    assert response.status_code == 202
    assert set(response.get_json()) == {"receipt", "message"}
    assert cases(app) == []


def test_bad_input_is_422_in_french_and_stores_nothing(world, app):
    body = registration("self")
    body["consent"]["data_sharing"] = False
    body["contact"]["relationship"] = "neighbour"
    body["situation"]["reason"] = "x" * 2001
    response = post(world.client, body)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"consent.data_sharing", "contact.relationship", "situation.reason"} <= set(fields)
    assert cases(app) == []


def test_an_oversized_request_is_refused(world):
    response = world.client.post(
        PUBLIC, data="{" + " " * (2 * 1024 * 1024) + "}", content_type="application/json"
    )
    assert response.status_code == 413


def test_the_sixth_request_of_an_address_within_an_hour_is_429(world, app, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False)
    answers = [post(world.client, registration()).status_code for _ in range(6)]
    assert answers == [202] * 5 + [429]
    assert post(world.client, registration(), ip="198.51.100.8").status_code == 202
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, 1, tzinfo=dt.UTC), tick=False)
    assert post(world.client, registration()).status_code == 202
    assert len(cases(app)) == 7


def test_throttling_follows_the_client_address_behind_trusted_proxies(service_app):
    app = service_app("orientation", proxy_hops=1)
    client = app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    for _ in range(5):
        response = post(client, registration(), ip="10.0.0.1", headers=forwarded)
        assert response.status_code == 202
    # Another client behind the same proxy is not throttled...
    other = post(client, registration(), ip="10.0.0.1", headers={"X-Forwarded-For": "203.0.113.6"})
    assert other.status_code == 202
    # ...and a forged header in front of the real one changes nothing: only one hop is trusted.
    forged = {"X-Forwarded-For": "192.0.2.1, 203.0.113.5"}
    assert post(client, registration(), ip="10.0.0.1", headers=forged).status_code == 429


def test_an_account_token_changes_nothing(world, accounts):
    coordinator = world.coordinator
    for _ in range(5):
        assert post(world.client, registration(), headers=coordinator).status_code == 202
    assert post(world.client, registration(), headers=coordinator).status_code == 429
    listed = world.client.get(f"{MT}/cases", headers=coordinator).get_json()["items"]
    assert {case["source"] for case in listed} == {"patient"}
    assert all(case["history"][0]["by"] != coordinator["X-Test-Email"] for case in listed)


def test_the_coordinator_is_told_and_the_person_acknowledged_without_health_data(world, app):
    configure(app, smtp_url="smtp://127.0.0.1:9")
    world.with_people("coordinator")
    body = registration("self", email="patient.test@example.org")
    assert post(world.client, body).status_code == 202
    with app.app_context():
        assert current_relay().relay_due() == 2  # the coordinator's notice, the acknowledgement
        deliveries = list(db.session.scalars(select(Delivery)))
        by_event = {(d.event_name, d.channel, d.recipient) for d in deliveries}
        acknowledgement = [
            d for d in deliveries if d.event_name == "medecin_traitant.public_acknowledgement"
        ]
    assert ("medecin_traitant.submit", "inbox", world.coordinator["X-Test-Email"]) in by_event
    [mail] = acknowledgement
    assert mail.recipient == "patient.test@example.org"
    text = mail.subject + mail.body_text
    for private in (body["patient"]["last_name"], "retraite", "MT-"):
        assert private not in text


def test_the_page_is_public_and_its_form_needs_the_same_origin_token(world, app):
    page = world.client.get("/inscription")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr"' in html
    assert 'name="website"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {
        "contact.relationship": "carer",
        "contact.name": "Aidant Test",
        "patient.last_name": "Testnom",
        "patient.first_name": "Prénomtest",
        "patient.birth_date": "1944-01-02",
        "patient.sex": "M",
        "patient.phone": "06 12 34 56 78",
        "patient.address.line": "3 rue des Essais",
        "patient.address.postal_code": "69003",
        "patient.address.city": "Lyon",
        "situation.reason": "Son médecin a déménagé.",
        "consent.patient_informed": "on",
        "consent.data_sharing": "on",
        "website": "",
    }
    refused = world.client.post("/inscription", data=form)  # no token: another site's form
    assert refused.status_code == 400
    assert cases(app) == []
    done = world.client.post("/inscription", data={**form, "csrf_token": token})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "Demande reçue" in done.get_data(as_text=True)
    [case] = cases(app)
    assert (case.source, case.contact_name) == ("carer", "Aidant Test")


def test_erasing_the_patient_also_erases_who_registered_them_online(world, app, cli_runner):
    first = registration("carer", name="Aidant Test", phone="0611223344", email="a@example.org")
    again = registration("self")
    again["patient"] = first["patient"]
    post(world.client, first)
    post(world.client, again)
    [case] = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]
    world.fired(case, "cancel", body={"reason": "unreachable"})
    args = ["patient", "erase", "--reference", case["reference"], "--by", "dpo@relais.test"]
    result = cli_runner([*args, "--yes"])
    assert result.exit_code == 0, result.output
    [row] = cases(app)
    assert (row.contact_name, row.contact_phone, row.contact_email) == (None, None, None)
    assert row.intake_notes is None
