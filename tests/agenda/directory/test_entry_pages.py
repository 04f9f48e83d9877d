"""A professional's page and forms, structures' pages: French errors, deactivation, no deletion."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update

from services.agenda.directory.models import Professional
from shared.extensions import db
from shared.timeutil import utcnow
from tests.support import factories
from tests.support.web import log_in


def test_the_page_shows_contact_freshness_qualifications_and_the_cases_in_progress(
    app, client, accounts
):
    coordinator = accounts.create("coordinator")
    midwife = factories.professional_account(
        client, accounts, coordinator, profession="midwife", new_patient_capacity=5
    )
    entry = midwife[0]
    client.patch(
        f"/api/agenda/professionals/{entry['id']}",
        json={"qualifications": ["etp"], "phone": "+33478000000"},
        headers=coordinator,
    )
    referral = factories.epp_referral(
        client, coordinator, state="assigned", coordinator=coordinator, midwife=midwife
    )
    with app.app_context():
        db.session.execute(
            update(Professional)
            .where(Professional.id == uuid.UUID(entry["id"]))
            .values(capacity_updated_at=utcnow() - dt.timedelta(days=45))
        )
        db.session.commit()
    log_in(client, coordinator["X-Test-Email"])
    html = client.get(f"/annuaire/{entry['id']}").get_data(as_text=True)
    assert "+33478000000" in html and entry["city"] in html
    assert "Éducation thérapeutique" in html
    assert 'data-freshness="stale"' in html and "à faire confirmer" in html
    assert referral["reference"] in html and "Entretien prénatal précoce" in html


def test_the_page_is_for_the_coordination_only(client, accounts):
    coordinator = accounts.create("coordinator")
    entry, gp = factories.professional_account(client, accounts, coordinator)
    log_in(client, gp["X-Test-Email"])
    assert client.get(f"/annuaire/{entry['id']}").status_code == 403


def test_creating_a_professional_with_errors_answers_in_french_and_stores_nothing(client, accounts):
    coordinator = accounts.create("coordinator")
    token = log_in(client, coordinator["X-Test-Email"])
    refused = client.post(
        "/annuaire/nouveau",
        data={
            "csrf_token": token,
            "rpps": "12345",
            "profession": "gp",
            "last_name": "Durandet",
            "first_name": "Lise",
            "postal_code": "69003",
            "city": "Lyon",
            "new_patient_capacity": "900",
        },
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "RPPS" in html and "entre 0 et 500" in html
    found = client.get("/api/agenda/professionals?q=durandet", headers=coordinator).get_json()
    assert found["total"] == 0
    created = client.post(
        "/annuaire/nouveau",
        data={
            "csrf_token": token,
            "rpps": "10003456786",
            "profession": "nurse",
            "last_name": "Durandet",
            "first_name": "Lise",
            "postal_code": "69003",
            "city": "Lyon",
            "new_patient_capacity": "4",
            "accepts_new_patients": "on",
            "qualifications": ["ipa"],
        },
    )
    assert created.status_code == 303, created.get_data(as_text=True)
    found = client.get("/api/agenda/professionals?q=durandet", headers=coordinator).get_json()
    assert [(p["profession"], p["qualifications"]) for p in found["items"]] == [("nurse", ["ipa"])]


def test_editing_then_deactivating_keeps_the_entry(client, accounts):
    coordinator = accounts.create("coordinator")
    entry = factories.professional(client, coordinator, phone="+33478000001")
    token = log_in(client, coordinator["X-Test-Email"])
    form = client.get(f"/annuaire/{entry['id']}/modifier").get_data(as_text=True)
    assert 'value="+33478000001"' in form
    saved = client.post(
        f"/annuaire/{entry['id']}/modifier",
        data={
            "csrf_token": token,
            "last_name": entry["last_name"],
            "first_name": "Renommé",
            "postal_code": entry["postal_code"],
            "city": entry["city"],
            "new_patient_capacity": "2",
            "cpts_member": "on",
        },
    )
    assert saved.status_code == 303
    after = client.get(f"/api/agenda/professionals/{entry['id']}", headers=coordinator).get_json()
    assert (after["first_name"], after["phone"], after["cpts_member"]) == ("Renommé", None, True)
    off = client.post(
        f"/annuaire/{entry['id']}/activation", data={"csrf_token": token, "active": "false"}
    )
    assert off.status_code == 303
    after = client.get(f"/api/agenda/professionals/{entry['id']}", headers=coordinator).get_json()
    assert after["active"] is False and after["accepts_new_patients"] is False
    assert "Réactiver la fiche" in client.get(f"/annuaire/{entry['id']}").get_data(as_text=True)


def test_structures_with_the_communes_they_serve(client, accounts):
    coordinator = accounts.create("coordinator")
    token = log_in(client, coordinator["X-Test-Email"])
    refused = client.post(
        "/annuaire/structures/nouvelle",
        data={
            "csrf_token": token,
            "name": "PMI des Essais",
            "kind": "pmi",
            "postal_code": "69100",
            "city": "Villeurbanne",
            "communes_served": "69266, 99999",
        },
    )
    assert refused.status_code == 422
    assert "Code commune INSEE inconnu : 99999." in refused.get_data(as_text=True)
    created = client.post(
        "/annuaire/structures/nouvelle",
        data={
            "csrf_token": token,
            "name": "PMI des Essais",
            "kind": "pmi",
            "postal_code": "69100",
            "city": "Villeurbanne",
            "communes_served": "69266, 69029",
        },
    )
    assert created.status_code == 303
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Villeurbanne (69266)" in page and "Bron (69029)" in page
    listing = client.get("/annuaire/structures?kind=pmi&commune=69029").get_data(as_text=True)
    assert "PMI des Essais" in listing
    organisation_id = created.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    off = client.post(
        f"/annuaire/structures/{organisation_id}/activation",
        data={"csrf_token": token, "active": "false"},
    )
    assert off.status_code == 303
    assert "PMI des Essais" not in client.get("/annuaire/structures?kind=pmi").get_data(
        as_text=True
    )
    assert (
        client.get(f"/api/agenda/organisations/{organisation_id}", headers=coordinator).get_json()[
            "active"
        ]
        is False
    )
