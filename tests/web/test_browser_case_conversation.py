"""A case's thread and documents in a real browser (Chromium): the DAC writes to the city
nurse and attaches the discharge report; the nurse sees it as new and downloads it; axe-core
finds nothing serious."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.shared.cases.test_documents import PDF
from tests.support import factories
from tests.support.agenda import in_days

pytestmark = pytest.mark.browser


def test_dac_writes_and_attaches_the_report_and_the_nurse_reads_it(page, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    nurse, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    dac = accounts.create("dac")
    case = factories.discharge(client, dac, nurse["id"])
    browser.log_in(page, dac["X-Test-Email"])
    page.goto(f"/orientation/discharges/{case['id']}")
    thread = page.get_by_test_id("thread")
    expect(thread.get_by_text("Aucun message pour le moment.")).to_be_visible()
    browser.assert_accessible(page)

    page.get_by_label("Votre message").fill("Pansement à refaire à J+2, merci de passer mardi.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Message envoyé.")).to_be_visible()
    expect(thread.get_by_test_id("message")).to_have_count(1)
    expect(thread.get_by_text("Pansement à refaire à J+2")).to_be_visible()

    page.get_by_label("Type de document").select_option("compte_rendu")
    page.get_by_label("Fichier").set_input_files(
        {"name": "compte-rendu.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Joindre le document").click()
    expect(page.get_by_text("Document joint au dossier.")).to_be_visible()
    documents = page.get_by_test_id("documents")
    expect(documents.get_by_role("link", name="compte-rendu.pdf")).to_be_visible()
    expect(documents.get_by_text(re.compile("Compte rendu, 1 Ko"))).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "17-fil-et-documents-d-une-sortie")

    browser.log_out(page)
    browser.log_in(page, nurse_headers["X-Test-Email"])
    page.goto(f"/orientation/discharges/{case['id']}")
    expect(page.get_by_test_id("unread-count")).to_have_text("1 nouveau")
    with page.expect_download() as download:
        page.get_by_test_id("documents").get_by_role("link", name="compte-rendu.pdf").click()
    assert download.value.suggested_filename == "compte-rendu.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    browser.assert_accessible(page)


def test_the_teleconsultation_page_has_its_thread_and_is_accessible(
    page, browser, accounts, client
):
    coordinator = accounts.create("coordinator")
    _nurse, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    case = factories.teleconsultation(client, nurse_headers, in_days(3))
    browser.log_in(page, nurse_headers["X-Test-Email"])
    page.goto("/agenda/teleconsultations")
    page.get_by_role("link", name=case["reference"]).click()
    expect(
        page.get_by_role("heading", name=f"Téléconsultation {case['reference']}")
    ).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Votre message").fill("Patient joignable après 14 h.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Message envoyé.")).to_be_visible()
    expect(page.get_by_test_id("message")).to_have_count(1)
    browser.assert_accessible(page)
