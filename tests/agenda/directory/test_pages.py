"""Directory pages: "Ma disponibilité" and the coordination's search."""

from __future__ import annotations

from tests.support import factories
from tests.support.web import log_in

SUGGESTIONS = "/api/orientation/cases/{}/suggestions"


def test_a_gp_sets_places_and_the_directory_uses_them_at_once(client, accounts):
    coordinator = accounts.create("coordinator")
    entry, gp = factories.professional_account(
        client, accounts, coordinator, new_patient_capacity=0, accepts_new_patients=False
    )
    token = log_in(client, gp["X-Test-Email"])
    page = client.get("/annuaire/ma-disponibilite")
    assert page.status_code == 200
    assert "Places pour de nouveaux patients ce mois-ci" in page.get_data(as_text=True)
    saved = client.post(
        "/annuaire/ma-disponibilite",
        data={
            "csrf_token": token,
            "accepts_new_patients": "on",
            "new_patient_capacity": "3",
            "languages": ["fr", "ar"],
            "home_visits": "on",
        },
    )
    assert saved.status_code == 303
    after = client.get(f"/api/agenda/professionals/{entry['id']}", headers=coordinator).get_json()
    assert (after["accepts_new_patients"], after["new_patient_capacity"]) == (True, 3)
    assert after["languages"] == ["fr", "ar"]
    open_gps = client.get(
        "/api/agenda/professionals?profession=gp&accepting_new_patients=true", headers=coordinator
    ).get_json()
    assert entry["id"] in [p["id"] for p in open_gps["items"]]


def test_a_bad_capacity_is_shown_next_to_its_field_and_not_stored(client, accounts):
    coordinator = accounts.create("coordinator")
    entry, nurse = factories.professional_account(client, accounts, coordinator, profession="nurse")
    token = log_in(client, nurse["X-Test-Email"])
    refused = client.post(
        "/annuaire/ma-disponibilite",
        data={"csrf_token": token, "new_patient_capacity": "-2"},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "entre 0 et 500" in html
    after = client.get(f"/api/agenda/professionals/{entry['id']}", headers=coordinator).get_json()
    assert after["new_patient_capacity"] == entry["new_patient_capacity"]


def test_the_coordination_searches_without_accents_and_exports(client, accounts):
    coordinator = accounts.create("coordinator")
    levy = factories.professional(client, coordinator, last_name="Lévy-Page")
    factories.professional(client, coordinator, last_name="Autrenom")
    log_in(client, coordinator["X-Test-Email"])
    page = client.get("/annuaire/?q=levy&sort=-name")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-professional="{levy["id"]}"' in html
    assert "Autrenom" not in html
    export = client.get("/annuaire/export.csv?q=levy")
    assert export.status_code == 200
    assert "Lévy-Page" in export.data.decode("utf-8-sig")


def test_the_search_page_is_for_the_coordination_only(client, accounts):
    coordinator = accounts.create("coordinator")
    _entry, gp = factories.professional_account(client, accounts, coordinator)
    log_in(client, gp["X-Test-Email"])
    assert client.get("/annuaire/").status_code == 403
