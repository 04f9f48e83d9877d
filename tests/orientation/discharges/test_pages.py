"""Discharge pages (DAC) through Flask's test client: worklist, creation, edits, transitions."""

from __future__ import annotations

import datetime as dt
import re

from services.orientation.discharges.models import DischargeCase
from shared.timeutil import today_paris
from tests.support import factories
from tests.support.web import log_in

VALID_FORM = {
    "patient.last_name": "Sortienom",
    "patient.first_name": "Prénomtest",
    "patient.birth_date": "1940-05-02",
    "patient.sex": "M",
    "patient.phone": "06 12 34 56 78",
    "patient.address.line": "3 rue des Essais",
    "patient.address.postal_code": "69003",
    "patient.address.city": "Lyon",
    "hospital.name": "Centre hospitalier de test",
}


def test_discharge_pages_are_for_dac_and_coordination_only(client, accounts):
    log_in(client, accounts.create("gp")["X-Test-Email"])
    assert client.get("/orientation/discharges/").status_code == 403
    assert client.get("/orientation/discharges/new").status_code == 403


def test_anonymous_visitor_is_sent_to_the_login_form(client):
    response = client.get("/orientation/discharges/")
    assert response.status_code == 302
    assert "next=" in response.headers["Location"]


def test_worklist_groups_by_date_and_names_what_is_missing(client, accounts):
    dac = accounts.create("dac")
    coordinator = accounts.create("coordinator")
    nurse = factories.professional(client, coordinator, profession="nurse")
    today = today_paris()
    factories.discharge(client, dac, nurse["id"], planned_discharge_date=today.isoformat())
    stuck = factories.discharge(
        client,
        dac,
        complete=False,
        planned_discharge_date=(today - dt.timedelta(days=1)).isoformat(),
    )
    client.post(
        f"/api/orientation/discharges/{stuck['id']}/transitions/prepare",
        json={},
        headers={**dac, "If-Match": f'"{stuck["version"]}"'},
    )
    log_in(client, dac["X-Test-Email"])
    response = client.get("/orientation/discharges/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Aujourd&#39;hui (1)" in html
    assert "En retard (1)" in html
    assert "En préparation, incomplètes (1)" in html
    assert "compte rendu court, ordonnance détaillée, au moins un professionnel de ville" in html
    home = client.get("/").get_data(as_text=True)
    assert "Sorties en préparation incomplètes" in home
    assert "Sorties prévues aujourd&#39;hui ou en retard" in home


def test_invalid_discharge_form_shows_french_errors_and_stores_nothing(client, accounts, app):
    token = log_in(client, accounts.create("dac")["X-Test-Email"])
    form = {**VALID_FORM, "csrf_token": token, "planned_discharge_date": "2099-01-01"}
    del form["hospital.name"]
    response = client.post("/orientation/discharges/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-hospital-name-error"' in html
    assert "Ce champ est obligatoire." in html
    assert "La date ne peut pas être à plus d&#39;un an." in html
    assert factories.count(app, DischargeCase) == 0


def test_discharge_created_from_the_form_escapes_patient_text(client, accounts, app):
    coordinator = accounts.create("coordinator")
    nurse = factories.professional(client, coordinator, profession="nurse")
    token = log_in(client, accounts.create("dac")["X-Test-Email"])
    form = {
        **VALID_FORM,
        "csrf_token": token,
        "summary": "<script>alert(1)</script>",
        "city_professionals": [nurse["id"]],
        "home_services": ["ssiad"],
    }
    response = client.post("/orientation/discharges/new", data=form)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "date de sortie prévue" in html  # still missing before ready
    assert factories.count(app, DischargeCase) == 1


def test_mark_ready_with_missing_items_names_them_and_changes_nothing(client, accounts):
    dac = accounts.create("dac")
    case = factories.discharge(client, dac, complete=False)
    client.post(
        f"/api/orientation/discharges/{case['id']}/transitions/prepare",
        json={},
        headers={**dac, "If-Match": f'"{case["version"]}"'},
    )
    token = log_in(client, dac["X-Test-Email"])
    response = client.post(
        f"/orientation/discharges/{case['id']}/transitions/mark_ready",
        data={"csrf_token": token, "version": case["version"] + 1},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "La sortie ne peut pas être déclarée prête : il manque date de sortie prévue" in html
    state = client.get(f"/api/orientation/discharges/{case['id']}", headers=dac).get_json()["state"]
    assert state == "preparing"


def test_stale_edit_is_refused_and_shows_the_current_case(client, accounts):
    dac = accounts.create("dac")
    case = factories.discharge(client, dac)
    token = log_in(client, dac["X-Test-Email"])
    client.patch(
        f"/api/orientation/discharges/{case['id']}",
        json={"notes": "Modifié ailleurs"},
        headers={**dac, "If-Match": f'"{case["version"]}"'},
    )
    response = client.post(
        f"/orientation/discharges/{case['id']}/edit",
        data={"csrf_token": token, "version": case["version"], "hospital.name": "Autre"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "modifié par quelqu&#39;un d&#39;autre" in html
    body = client.get(f"/api/orientation/discharges/{case['id']}", headers=dac).get_json()
    assert body["hospital"]["name"] == "Centre hospitalier de test"


def test_edit_then_transitions_from_the_case_page(client, accounts):
    dac = accounts.create("dac")
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    case = factories.discharge(
        client,
        dac,
        city_professionals=[{"professional_id": gp["id"], "role": "médecin traitant"}],
    )
    token = log_in(client, dac["X-Test-Email"])
    page = client.get(f"/orientation/discharges/{case['id']}").get_data(as_text=True)
    assert 'data-transition="prepare"' in page
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    edit = {
        "csrf_token": token,
        "version": version,
        "hospital.name": "Centre hospitalier de test",
        "planned_discharge_date": case["planned_discharge_date"],
        "summary": "Nouveau compte rendu",
        "prescription": case["prescription"],
        "city_professionals": [gp["id"]],
    }
    assert client.post(f"/orientation/discharges/{case['id']}/edit", data=edit).status_code == 303
    for name in ("prepare", "mark_ready"):
        version += 1
        response = client.post(
            f"/orientation/discharges/{case['id']}/transitions/{name}",
            data={"csrf_token": token, "version": version},
        )
        assert response.status_code == 303, response.get_data(as_text=True)
    body = client.get(f"/api/orientation/discharges/{case['id']}", headers=dac).get_json()
    assert body["state"] == "ready"
    assert body["summary"] == "Nouveau compte rendu"
    assert body["home_services"] == []  # unticked in the edit form: emptied
    assert body["city_professionals"] == [
        {"professional_id": gp["id"], "role": "médecin traitant"}
    ]  # the role given through the API is kept


def test_discharge_transition_without_csrf_is_refused(client, accounts):
    dac = accounts.create("dac")
    case = factories.discharge(client, dac)
    log_in(client, dac["X-Test-Email"])
    response = client.post(
        f"/orientation/discharges/{case['id']}/transitions/prepare", data={"version": 1}
    )
    assert response.status_code == 400
    assert (
        client.get(f"/api/orientation/discharges/{case['id']}", headers=dac).get_json()["state"]
        == "announced"
    )


def test_city_nurse_named_on_the_case_reads_it_without_edit_form_or_actions(app, client, accounts):
    dac = accounts.create("dac")
    coordinator = accounts.create("coordinator")
    named, nurse = factories.professional_account(client, accounts, coordinator, profession="nurse")
    _, stranger = factories.professional_account(client, accounts, coordinator, profession="nurse")
    case = factories.discharge(client, dac, named["id"])

    log_in(client, nurse["X-Test-Email"])
    page = client.get(f"/orientation/discharges/{case['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert case["reference"] in html
    assert "/edit" not in html
    assert "/transitions/" not in html
    assert "Modifier la sortie" not in html
    assert client.get("/orientation/discharges/").status_code == 403

    other_client = app.test_client()
    log_in(other_client, stranger["X-Test-Email"])
    assert other_client.get(f"/orientation/discharges/{case['id']}").status_code == 404


def test_staff_still_gets_the_edit_form_and_actions(client, accounts):
    dac = accounts.create("dac")
    case = factories.discharge(client, dac, complete=False)
    log_in(client, dac["X-Test-Email"])
    html = client.get(f"/orientation/discharges/{case['id']}").get_data(as_text=True)
    assert "Modifier la sortie" in html
    assert "/transitions/" in html
