"""The directory in a real browser (Chromium): search, a professional's page and form,
"Ma disponibilité", the map with its markers when the tiles are unreachable; axe scans."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support import factories

pytestmark = pytest.mark.browser
TILES = "https://tuiles.example.test/{z}/{x}/{y}.png"


def test_the_coordination_finds_opens_and_edits_a_professional(page, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    factories.professional(client, coordinator, last_name="Navigateurnom", first_name="Léa")
    browser.log_in(page, coordinator["X-Test-Email"])
    page.get_by_role("link", name="Annuaire").first.click()
    expect(page.get_by_role("heading", name="Annuaire des professionnels")).to_be_visible()
    page.get_by_label("Nom", exact=True).fill("navigateurnom")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name="1 professionnel")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_role("link", name="Navigateurnom Léa").click()
    expect(page.get_by_role("heading", name=re.compile("Léa Navigateurnom"))).to_be_visible()
    expect(
        page.get_by_role("heading", name="Dossiers en cours avec ce professionnel")
    ).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_role("link", name="Modifier la fiche").click()
    page.get_by_label("Places pour de nouveaux patients ce mois-ci").fill("900")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("entre 0 et 500")
    browser.assert_accessible(page)
    page.get_by_label("Places pour de nouveaux patients ce mois-ci").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("La fiche est enregistrée.")).to_be_visible()
    page.locator(".mainnav summary", has_text="Territoire").click()  # the job's menu
    page.get_by_role("link", name="Structures").first.click()
    expect(page.get_by_role("heading", name="Structures du territoire")).to_be_visible()
    browser.assert_accessible(page)
    page.goto("/annuaire/import")
    expect(page.get_by_role("heading", name="Importer des professionnels")).to_be_visible()
    browser.assert_accessible(page)


def test_a_gp_confirms_their_availability(page, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    _entry, gp = factories.professional_account(client, accounts, coordinator)
    browser.log_in(page, gp["X-Test-Email"])
    page.get_by_role("link", name="Ma disponibilité").first.click()
    expect(page.get_by_role("heading", name="Ma disponibilité")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Places pour de nouveaux patients ce mois-ci").fill("5")
    page.get_by_role("button", name="Enregistrer mes disponibilités").click()
    expect(page.get_by_text("Vos disponibilités sont enregistrées.")).to_be_visible()
    expect(page.get_by_label("Places pour de nouveaux patients ce mois-ci")).to_have_value("5")


def test_the_map_shows_its_markers_when_the_tiles_are_unreachable(
    app, page, browser, accounts, client
):
    coordinator = accounts.create("coordinator")
    factories.professional(client, coordinator, last_name="Cartenom")
    factories.professional(
        client, coordinator, last_name="Autrecarte", postal_code="69100", city="Villeurbanne"
    )
    app.config["MAP_TILES_URL"] = TILES
    page.route("https://tuiles.example.test/**", lambda route: route.abort())
    browser.log_in(page, coordinator["X-Test-Email"])
    page.get_by_role("link", name="Carte").first.click()
    expect(page.get_by_role("heading", name="Carte du territoire")).to_be_visible()
    expect(page.locator("#carte .leaflet-marker-icon")).to_have_count(2)
    expect(page.locator("#carte")).to_have_attribute("data-markers", "2")
    expect(page.get_by_role("heading", name="2 lieux")).to_be_visible()
    expect(page.get_by_role("link", name="Cartenom", exact=False)).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Afficher").select_option("organisation")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("Aucun lieu ne correspond à ces filtres.")).to_be_visible()
