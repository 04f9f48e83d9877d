"""The public self-registration page in Chromium on a phone-sized screen, scanned by axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db

pytestmark = pytest.mark.browser


def test_a_carer_registers_a_relative_on_a_phone(chromium, live_server, browser, app):
    context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/inscription")
        expect(page.get_by_role("heading", level=1)).to_contain_text("pas de médecin traitant")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.assert_accessible(page)
        browser.screenshot(page, "inscription-390")
        page.get_by_label("pour un proche que j'aide").check()
        page.get_by_label("Votre nom (si vous êtes un proche)").fill("Aidant Test")
        page.get_by_label("Nom", exact=True).fill("Testnom")
        page.get_by_label("Prénom", exact=True).fill("Prénomtest")
        page.get_by_label("Date de naissance").fill("1941-06-02")
        page.get_by_label("Sexe").select_option("F")
        page.get_by_label("Téléphone", exact=True).fill("06 12 34 56 78")
        page.get_by_label("Adresse", exact=True).fill("3 rue des Essais")
        page.get_by_label("Code postal").fill("69003")
        page.get_by_label("Commune").fill("Lyon")
        situation = page.get_by_label("Votre situation en quelques mots")
        situation.fill("Son médecin a pris sa retraite.")
        page.get_by_label("La personne qui cherche un médecin est d'accord").check()
        page.get_by_label("J'accepte que la CPTS garde ces informations").check()
        page.get_by_role("button", name="Envoyer ma demande").click()
        expect(page.get_by_test_id("receipt-message")).to_contain_text("bien été reçue")
        browser.assert_accessible(page)
    finally:
        context.close()
    with app.app_context():
        [case] = db.session.scalars(select(MedecinTraitantCase)).all()
        assert (case.source, case.contact_name) == ("carer", "Aidant Test")


def test_errors_are_shown_next_to_the_fields_on_a_phone(chromium, live_server, browser):
    context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/inscription")
        page.get_by_role("button", name="Envoyer ma demande").click()
        expect(page.locator("#f-situation-reason-error")).to_be_visible()
        browser.assert_accessible(page)
    finally:
        context.close()
