"""Intake pages in Chromium, scanned by axe, and their screenshots for docs/orientation.md
(`make screenshots`): the public self-registration page and its receipt on a phone, and the
waiting-list import checked before it is imported."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from tests.orientation.medecin_traitant.intake.test_waiting_list import csv_file, row

pytestmark = pytest.mark.browser


def test_the_public_form_and_its_receipt_on_a_phone(phone_page, browser):
    page = phone_page
    page.goto("/inscription")
    expect(page.get_by_role("heading", level=1)).to_contain_text("pas de médecin traitant")
    browser.screenshot(page, "17-inscription-telephone")
    page.get_by_label("pour moi-même").check()
    browser.fill_inscription(page, birth_date="1950-03-14", situation="Mon médecin est parti.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_test_id("receipt-message")).to_contain_text("bien été reçue")
    browser.assert_accessible(page)
    browser.screenshot(page, "18-inscription-recue")


def test_the_coordinator_checks_a_waiting_list_before_importing_it(
    page, browser, accounts, app, tmp_path
):
    listing = tmp_path / "liste-attente.csv"
    listing.write_bytes(csv_file([row(1), row(2), row(3, date_naissance="31/02/1950")]))
    browser.log_in(page, accounts.create("coordinator")["X-Test-Email"])
    page.goto("/orientation/import")
    expect(page.get_by_role("heading", name="Importer une liste d'attente")).to_be_visible()
    page.get_by_label("Fichier de la liste d'attente").set_input_files(str(listing))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "19-import-liste-verification")
    with app.app_context():  # a check stores nothing, and a file with a bad row neither
        assert db.session.scalar(select(func.count()).select_from(MedecinTraitantCase)) == 0
