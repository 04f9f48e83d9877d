"""The header's search box, the results and patient pages, the job menus and the phone layout
(390 px) in a real browser (Chromium), with axe-core scans."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import factories

pytestmark = pytest.mark.browser


def test_a_coordinator_finds_a_patient_from_any_page_and_opens_their_page(
    page, browser, accounts, client
):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    case = factories.signalement(client, submitter, last_name="Lévy", first_name="Zoé")
    factories.signalement(client, submitter, last_name="Gros", first_name="Paul")
    browser.log_in(page, coordinator["X-Test-Email"])
    # At most six entries for a job at the top, one menu per job.
    entries = page.locator(".mainnav > ul > li")
    assert entries.count() <= 6
    page.locator(".mainnav summary", has_text="Orientation").click()
    page.get_by_role("link", name="Dossiers médecin traitant").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("searchbox", name="Rechercher un patient").fill("levy zoe")
    page.get_by_role("searchbox", name="Rechercher un patient").press("Enter")
    expect(page.get_by_test_id("result-count")).to_have_text("1 dossier trouvé")
    page.locator(".mainnav summary", has_text="Agenda").click()
    browser.screenshot(page, "17-recherche-et-menus")
    page.keyboard.press("Escape")
    browser.assert_accessible(page)
    page.get_by_role("link", name="Lévy Zoé").click()
    expect(page.get_by_role("heading", name="Lévy Zoé")).to_be_visible()
    expect(page.get_by_role("link", name=case["reference"])).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_role("link", name=case["reference"]).click()
    expect(page.get_by_text(case["reference"]).first).to_be_visible()
    # The case page offers its printable summary; printed, it has no menus.
    expect(page.get_by_role("button", name="Imprimer le résumé")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    pdf = page.pdf(format="A4")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 2, pages
    page.emulate_media(media="screen")
    # A term of one character: the French error, on the page.
    page.get_by_role("searchbox", name="Rechercher un patient").fill("l")
    page.get_by_role("searchbox", name="Rechercher un patient").press("Enter")
    expect(page.get_by_text("Saisissez au moins 2 caractères pour rechercher.")).to_be_visible()
    browser.assert_accessible(page)


def test_on_a_phone_the_menu_folds_and_tables_fit(browser_context, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    for n in range(3):
        factories.signalement(client, submitter, last_name=f"Bérard{n}", first_name="Lou")
    page = browser_context.new_page()
    browser.log_in(page, coordinator["X-Test-Email"])  # waits for the logout button: wide
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.locator(".mainnav")).to_be_hidden()
    # The search box stays in view, the menu folded.
    expect(page.get_by_role("searchbox", name="Rechercher un patient")).to_be_visible()
    browser.assert_accessible(page)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".mainnav")).to_be_visible()
    page.get_by_role("searchbox", name="Rechercher un patient").fill("berard")
    page.get_by_role("searchbox", name="Rechercher un patient").press("Enter")
    expect(page.get_by_test_id("result-count")).to_have_text("3 dossiers trouvés")
    browser.screenshot(page, "18-recherche-telephone")
    # Nothing wider than the screen: the results are cards, not a table to scroll.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    table_width = page.locator("[data-testid=search-results]").bounding_box()["width"]
    assert table_width <= 390
    browser.assert_accessible(page)
    # The board's table too stays within the screen or scrolls inside its frame.
    page.get_by_role("button", name="Menu").click()
    page.locator(".mainnav summary", has_text="Orientation").click()
    page.get_by_role("link", name="Dossiers médecin traitant").click()
    page.wait_for_url("**/orientation/cases**")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    browser.assert_accessible(page)
    page.close()
