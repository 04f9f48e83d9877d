"""The public self-registration page in Chromium on a phone-sized screen, scanned by axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db

pytestmark = pytest.mark.browser


def test_a_carer_registers_a_relative_on_a_phone(phone_page, browser, app):
    page = phone_page
    page.goto("/inscription")
    expect(page.get_by_role("heading", level=1)).to_contain_text("pas de médecin traitant")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    browser.assert_accessible(page)
    browser.screenshot(page, "inscription-390")
    page.get_by_label("pour un proche que j'aide").check()
    page.get_by_label("Votre nom (si vous êtes un proche)").fill("Aidant Test")
    browser.fill_inscription(
        page, birth_date="1941-06-02", situation="Son médecin a pris sa retraite."
    )
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_test_id("receipt-message")).to_contain_text("bien été reçue")
    browser.assert_accessible(page)
    with app.app_context():
        [case] = db.session.scalars(select(MedecinTraitantCase)).all()
        assert (case.source, case.contact_name) == ("carer", "Aidant Test")


def test_errors_are_shown_next_to_the_fields_on_a_phone(phone_page, browser):
    page = phone_page
    page.goto("/inscription")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator("#f-situation-reason-error")).to_be_visible()
    browser.assert_accessible(page)
