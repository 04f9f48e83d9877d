"""The médecin-traitant workflow in a real browser (Chromium), with axe-core scans."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from shared.web.labels import pluralize
from tests.support import factories, payloads

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"MT-\d{4}-\d{6}")


def test_login_page_and_home_are_accessible(page, browser, accounts):
    email = accounts.create("coordinator")["X-Test-Email"]
    page.goto("/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "01-connexion")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
    browser.assert_accessible(page)
    browser.log_in(page, email)
    expect(page.get_by_role("heading", name="À faire")).to_be_visible()
    browser.assert_accessible(page)


def test_professional_submits_a_signalement_with_errors_then_corrected(page, browser, accounts):
    browser.log_in(page, accounts.create("professional")["X-Test-Email"])
    page.get_by_role("link", name="Signaler un patient").first.click()
    expect(
        page.get_by_role("heading", name="Signaler un patient sans médecin traitant")
    ).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Prénom", exact=True).fill("Prénomtest")
    page.get_by_label("Date de naissance").fill("1948-05-02")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("Adresse", exact=True).fill("3 rue des Essais")
    page.get_by_label("Code postal").fill("6900")
    page.get_by_label("Commune").fill("Lyon")
    page.get_by_label("Isolement").check()
    page.get_by_label("Motif").fill("Médecin traitant parti à la retraite.")
    page.get_by_label(
        "Le patient a été informé que la CPTS va l'aider à trouver un médecin traitant"
    ).check()
    page.get_by_role("button", name="Envoyer le signalement").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nom : Ce champ est obligatoire.")
    last_name = page.get_by_label("Nom", exact=True)
    expect(last_name).to_have_attribute("aria-invalid", "true")
    expect(last_name).to_have_accessible_description(re.compile("Ce champ est obligatoire"))
    expect(page.get_by_label("Code postal")).to_have_attribute("aria-invalid", "true")
    expect(
        page.get_by_text("Le patient doit consentir au partage de ses données avec la CPTS.").first
    ).to_be_visible()
    expect(page.get_by_label("Prénom", exact=True)).to_have_value("Prénomtest")
    browser.assert_accessible(page)
    browser.screenshot(page, "03-signalement-erreurs")

    summary.get_by_role("link", name=re.compile("^Nom")).click()
    expect(last_name).to_be_focused()
    last_name.fill("Testnom")
    page.get_by_label("Code postal").fill("69003")
    page.get_by_label(re.compile("accepte que ses données soient partagées")).check()
    page.get_by_role("button", name="Envoyer le signalement").click()

    expect(page.get_by_role("heading", name="Signalement enregistré")).to_be_visible()
    expect(page.get_by_test_id("reference")).to_have_text(REFERENCE)
    browser.assert_accessible(page)
    browser.screenshot(page, "04-signalement-enregistre")


def expect_only_task(page, label: str, count: int) -> None:
    """The user's one task: on the home page's list with its count, and the top bar's total.

    Nothing else adds to that total here: the test app delivers no notification, and the
    delivery threads of earlier tests' apps are stopped (`stop_embedded_threads`); one left
    running once gave the GP an unread notification, "2 tâches"."""
    entry = page.locator(".task-list li", has_text=label)
    expect(entry.locator(".task-count")).to_have_text(str(count))
    expect(page.get_by_test_id("task-count")).to_have_text(pluralize(count, "tâche"))


def test_coordinator_triages_and_proposes_then_the_gp_accepts(page, browser, client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(
        client, accounts, coordinator, last_name="Docteurtestlyon"
    )
    gp_email = gp_headers["X-Test-Email"]
    submitter = accounts.create("professional")
    case = factories.signalement(client, submitter)
    calm = payloads.signalement(ald=False, vulnerabilities=[])
    payloads.changed_patient(calm["patient"], birth_date="1992-06-01")
    factories.signalement(client, submitter, calm)

    browser.log_in(page, coordinator["X-Test-Email"])
    expect_only_task(page, "Signalements à analyser", 2)
    browser.screenshot(page, "02-accueil-coordination")
    page.get_by_role("link", name="Dossiers médecin traitant").first.click()
    expect(page.locator('[data-state-count="submitted"]')).to_have_text("2")
    browser.assert_accessible(page)
    browser.screenshot(page, "05-tableau-des-dossiers")
    page.get_by_role("link", name=case["reference"]).click()

    expect(page.get_by_role("heading", name=f"Dossier {case['reference']}")).to_be_visible()
    transitions = page.locator("[data-transition]")
    expect(transitions).to_have_count(3)
    assert sorted(transitions.evaluate_all("els => els.map(e => e.dataset.transition)")) == [
        "cancel",
        "hold",
        "triage",
    ]
    browser.assert_accessible(page)
    page.get_by_role("button", name="Analyser").click()
    expect(page.get_by_label("Synthèse de la situation")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Synthèse de la situation").fill(
        "Patiente diabétique, isolée, sans médecin depuis 6 mois."
    )
    page.get_by_role("button", name="Analyser").click()
    expect(page.get_by_text("Action « analyser » enregistrée.")).to_be_visible()
    expect(page.get_by_test_id("synthesis")).to_contain_text("Patiente diabétique")

    suggestion = page.get_by_label(re.compile("Docteurtestlyon"))
    expect(page.get_by_text("km du domicile du patient").first).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "06-dossier-proposer")
    suggestion.check()
    page.get_by_role("button", name="Proposer à un médecin").click()
    expect(page.get_by_text("Action « proposer à un médecin » enregistrée.")).to_be_visible()
    expect(page.locator(".badge.state").first).to_have_text("proposé à un médecin")
    browser.log_out(page)

    browser.log_in(page, gp_email)
    expect_only_task(page, "Propositions de patients à examiner", 1)
    page.get_by_role("link", name="Propositions reçues").first.click()
    expect(page.get_by_text(case["reference"])).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_text("Accepter ce patient").click()
    page.get_by_label("Date du premier rendez-vous").fill("2026-12-15")
    browser.screenshot(page, "07-propositions-medecin")
    page.get_by_role("button", name="Accepter", exact=True).click()
    expect(page.get_by_text("Action « accepter » enregistrée.")).to_be_visible()
    expect(page.locator(".badge.state").first).to_have_text("accepté")
    browser.assert_accessible(page)
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["state"] == "accepted"
    assert state["appointment_date"] == "2026-12-15"


def test_patient_text_containing_html_is_shown_escaped(page, browser, client, accounts):
    coordinator = accounts.create("coordinator")
    hostile_name = "<img src=x onerror=\"document.title='pwned'\">"
    hostile_reason = "<script>document.title='pwned'</script><b>gras</b>"
    body = payloads.signalement(reason=hostile_reason)
    body["patient"]["last_name"] = hostile_name
    case = factories.signalement(client, accounts.create("professional"), body)
    browser.log_in(page, coordinator["X-Test-Email"])
    for url in ("/orientation/cases", f"/orientation/cases/{case['id']}"):
        page.goto(url)
        assert page.locator("main img").count() == 0
        assert page.locator("main b").count() == 0
        assert page.title() != "pwned"
    expect(page.get_by_test_id("patient-name")).to_contain_text(hostile_name)
    expect(page.get_by_test_id("reason")).to_have_text(hostile_reason)


def test_a_stale_case_page_shows_the_new_state_instead_of_overwriting(
    page, browser, browser_context, client, accounts
):
    coordinator = accounts.create("coordinator")
    case = factories.signalement(client, accounts.create("professional"))
    browser.log_in(page, coordinator["X-Test-Email"])
    page.goto(f"/orientation/cases/{case['id']}")
    # A colleague triages the case while our page is open.
    client.post(
        f"/api/orientation/cases/{case['id']}/transitions/triage",
        json={"synthesis": "Synthèse écrite par une collègue."},
        headers=coordinator,
    )
    page.get_by_label("Synthèse de la situation").fill("Ma synthèse, écrite trop tard.")
    page.get_by_role("button", name="Analyser").click()
    notice = page.get_by_test_id("notice")
    expect(notice).to_contain_text("modifié par quelqu'un d'autre")
    expect(page.get_by_test_id("synthesis")).to_have_text("Synthèse écrite par une collègue.")
    expect(page.locator(".badge.state").first).to_have_text("analysé")
    browser.assert_accessible(page)
    state = client.get(f"/api/orientation/cases/{case['id']}", headers=coordinator).get_json()
    assert state["synthesis"] == "Synthèse écrite par une collègue."


def test_keyboard_users_can_skip_to_the_content_and_see_the_focus(page, browser, accounts):
    browser.log_in(page, accounts.create("coordinator")["X-Test-Email"])
    page.goto("/orientation/cases")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_board_fits_a_tablet_screen(chromium, live_server, browser, client, accounts):
    coordinator = accounts.create("coordinator")
    factories.signalement(client, accounts.create("professional"))
    context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 768, "height": 1024}
    )
    try:
        tablet = context.new_page()
        browser.log_in(tablet, coordinator["X-Test-Email"])
        for url in ("/orientation/cases", "/orientation/signalements/new"):
            tablet.goto(url)
            overflow = tablet.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, url
            for box in tablet.locator(".table-wrap").all():
                assert box.evaluate("el => el.scrollWidth - el.clientWidth") <= 0, url
        tablet.goto("/orientation/cases")
        browser.screenshot(tablet, "08-tableau-tablette")
    finally:
        context.close()


def test_error_pages_are_french_and_accessible(page, browser, accounts):
    browser.log_in(page, accounts.create("reporting")["X-Test-Email"])
    page.goto("/orientation/cases")
    expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    browser.assert_accessible(page)
    page.goto("/orientation/nulle-part")
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    browser.assert_accessible(page)
