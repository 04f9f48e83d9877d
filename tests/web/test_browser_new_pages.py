"""The agenda, discharge, EPP, indicators and notifications pages in a real browser (Chromium),
with axe-core scans of every page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from services.notifications.models import InboxItem
from shared.db import unit_of_work
from shared.extensions import db
from tests.support import factories
from tests.support.agenda import in_days, publish

pytestmark = pytest.mark.browser


def test_a_pharmacist_books_a_free_slot_in_two_clicks(page, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    assert publish(client, coordinator, gp["id"], day=in_days(2)).status_code == 201
    browser.log_in(page, accounts.create("professional")["X-Test-Email"])
    page.get_by_role("link", name="Créneaux SNP").first.click()
    expect(page.get_by_role("heading", name="Créneaux de soins non programmés")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Commune").fill("Lyon")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name=re.compile("1 créneau libre"))).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "09-creneaux-snp")
    page.get_by_role("link", name=re.compile("Réserver le créneau")).click()  # first click
    expect(page.get_by_role("heading", name="Réserver un créneau")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Nom", exact=True).fill("Reservnom")
    page.get_by_label("Prénom", exact=True).fill("Prénomtest")
    page.get_by_label("Date de naissance").fill("1970-05-02")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("Adresse", exact=True).fill("3 rue des Essais")
    page.get_by_label("Code postal").fill("69003")
    page.get_by_label("Commune").fill("Lyon")
    page.get_by_label("Motif de la consultation").fill("Fièvre depuis deux jours.")
    browser.screenshot(page, "10-reserver-un-creneau")
    page.get_by_role("button", name="Réserver ce créneau").click()  # second click
    expect(page.get_by_text("Réservation enregistrée.")).to_be_visible()
    expect(page.get_by_role("heading", name="Mes réservations (1)")).to_be_visible()
    expect(page.get_by_text("Reservnom Prénomtest")).to_be_visible()
    browser.assert_accessible(page)


def test_dac_prepares_a_discharge_and_marks_it_ready(page, browser, accounts, client):
    dac = accounts.create("dac")
    coordinator = accounts.create("coordinator")
    nurse = factories.professional(client, coordinator, profession="nurse")
    case = factories.discharge(client, dac, nurse["id"])
    factories.discharge(client, dac, complete=False)
    browser.log_in(page, dac["X-Test-Email"])
    page.get_by_role("link", name="Sorties d'hospitalisation").first.click()
    expect(
        page.get_by_role("heading", name="Sorties d'hospitalisation", exact=True)
    ).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "11-sorties-liste-de-travail")
    page.get_by_role("link", name=case["reference"]).first.click()
    expect(page.get_by_role("heading", name=f"Sortie {case['reference']}")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_role("button", name="Préparer la sortie").click()
    expect(page.get_by_text("Rien ne manque : la sortie peut être déclarée prête.")).to_be_visible()
    browser.screenshot(page, "12-sortie-a-declarer-prete")
    page.get_by_role("button", name="Déclarer la sortie prête").click()
    expect(page.get_by_text("Action « déclarer la sortie prête » enregistrée.")).to_be_visible()
    expect(page.locator(".page-head .state")).to_have_text("prête")
    browser.assert_accessible(page)
    page.goto("/orientation/discharges/new")
    page.get_by_role("button", name="Enregistrer la sortie").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    browser.assert_accessible(page)


def test_a_midwife_accepts_an_epp_referral(page, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    midwife, headers = factories.professional_account(
        client, accounts, coordinator, profession="midwife"
    )
    referral = factories.epp_referral(
        client, coordinator, state="assigned", coordinator=coordinator, midwife=(midwife, headers)
    )
    browser.log_in(page, headers["X-Test-Email"])
    expect(page.get_by_text("Demandes d'EPP à accepter ou refuser")).to_be_visible()
    page.get_by_role("link", name="Demandes d'EPP").first.click()
    expect(page.get_by_role("heading", name="À accepter ou refuser (1)")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_role("link", name=referral["reference"]).click()
    browser.assert_accessible(page)
    browser.screenshot(page, "13-epp-a-accepter")
    page.get_by_label("Date du rendez-vous d'EPP").fill(in_days(5).isoformat())
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("Action « accepter » enregistrée.")).to_be_visible()
    expect(page.locator(".page-head .state")).to_have_text("acceptée")
    browser.assert_accessible(page)


def test_coordinator_pages_for_epp_assignment_indicators_and_notifications(
    page, browser, accounts, client, app
):
    coordinator = accounts.create("coordinator")
    factories.professional(client, coordinator, profession="midwife")
    referral = factories.epp_referral(client, coordinator)
    factories.signalement(client, coordinator)
    browser.log_in(page, coordinator["X-Test-Email"])
    page.goto(f"/orientation/epp/{referral['id']}")
    expect(page.get_by_text("place(s) disponible(s) ce mois-ci")).to_be_visible()
    browser.assert_accessible(page)
    page.goto("/orientation/epp/new")
    browser.assert_accessible(page)
    page.goto("/indicators/")
    expect(page.locator("svg[data-chart='mt']")).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "14-indicateurs")
    with app.app_context(), unit_of_work():
        user_id = db.session.execute(
            db.text("select id from auth_users where email = :e"),
            {"e": coordinator["X-Test-Email"]},
        ).scalar()
        db.session.add(
            InboxItem(
                id=uuid.uuid4(),
                user_id=user_id,
                event_name="medecin_traitant.submit",
                reference="MT-2026-000001",
                title="Nouveau signalement à analyser",
                body="Un patient sans médecin traitant a été signalé.",
                link="/orientation/cases",
            )
        )
    page.goto("/notifications/")
    expect(page.get_by_test_id("unread")).to_have_text("1 notification non lue")
    browser.assert_accessible(page)
    browser.screenshot(page, "15-notifications")
    page.get_by_role("button", name=re.compile("Marquer comme lue")).click()
    expect(page.get_by_test_id("unread")).to_have_text("0 notifications non lues")


def test_gp_slots_and_nurse_teleconsultation_pages_are_accessible(page, browser, accounts, client):
    coordinator = accounts.create("coordinator")
    _, gp = factories.professional_account(client, accounts, coordinator)
    _, nurse = factories.professional_account(client, accounts, coordinator, profession="nurse")
    browser.log_in(page, gp["X-Test-Email"])
    page.get_by_role("link", name="Mes créneaux").first.click()
    page.get_by_label("Début").fill("10:00")
    page.get_by_label("Fin").fill("09:00")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    browser.assert_accessible(page)
    page.get_by_label("Jour", exact=True).fill(in_days(1).isoformat())
    page.get_by_label("Fin").fill("10:30")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_text("Créneau publié.")).to_be_visible()
    browser.assert_accessible(page)
    browser.screenshot(page, "16-mes-creneaux")
    page.goto("/agenda/bookings")
    browser.assert_accessible(page)
    browser.log_out(page)
    browser.log_in(page, nurse["X-Test-Email"])
    page.goto("/agenda/teleconsultations/new")
    browser.assert_accessible(page)
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    browser.assert_accessible(page)
    page.goto("/agenda/teleconsultations")
    browser.assert_accessible(page)
