"""Pro Santé Connect login and the account pages in a real browser (Chromium), with axe-core
scans: a known professional lands on their home page, an unknown one leaves an access request
that the admin approves, then logs in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect

from shared.settings import Settings
from tests.conftest import built_app
from tests.support.factories import Accounts
from tests.support.servers import serve_wsgi

pytestmark = pytest.mark.browser


@pytest.fixture
def psc_live(psc_settings: Settings) -> Iterator[tuple[Flask, str]]:
    """Relais served on a local port whose `PUBLIC_URL` is that port (PSC calls it back)."""
    holder: dict[str, Flask] = {}
    with serve_wsgi(lambda environ, start: holder["app"](environ, start)) as url:
        settings = dataclasses.replace(psc_settings, public_url=url)
        with built_app(settings) as application:
            holder["app"] = application
            yield application, url


@pytest.fixture
def psc_page(chromium, psc_live):
    _app, url = psc_live
    context = chromium.new_context(
        base_url=url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_professional_logs_in_with_psc_and_an_unknown_one_is_approved(
    psc_live, psc_page, browser, password_hash, standin
):
    app, _url = psc_live
    accounts = Accounts(app, password_hash)
    accounts.create(
        "gp", professional_id="00000000-0000-0000-0000-000000000001", idnps="810001234567"
    )
    page = psc_page

    page.goto("/")
    browser.assert_accessible(page)
    page.get_by_role("link", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()
    browser.assert_accessible(page)
    page.goto("/auth/logout")
    expect(page.get_by_role("link", name="Se connecter avec Pro Santé Connect")).to_be_visible()
    assert standin.logouts and standin.logouts[-1]["id_token_hint"]

    standin.behaviour.subject_name_id = "810007654321"
    page.get_by_role("link", name="Se connecter avec Pro Santé Connect").click()
    expect(
        page.get_by_role("heading", name="Votre demande d'accès est enregistrée")
    ).to_be_visible()
    browser.assert_accessible(page)

    admin = accounts.create("admin")["X-Test-Email"]
    browser.log_in(page, admin)
    page.get_by_role("link", name="Demandes d'accès").first.click()
    expect(page.get_by_role("heading", name="Camille Exemple")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_label("Professionnel de santé").check()
    page.get_by_label("Adresse e-mail du compte").fill("camille.exemple@relais.test")
    page.get_by_role("button", name="Ouvrir le compte").click()
    expect(page.get_by_text("Compte ouvert pour camille.exemple@relais.test.")).to_be_visible()
    page.locator(".usermenu summary").click()  # administration is in the user's menu
    page.get_by_role("link", name="Comptes", exact=True).first.click()
    expect(page.get_by_role("link", name="camille.exemple@relais.test")).to_be_visible()
    browser.assert_accessible(page)
    page.get_by_role("link", name="camille.exemple@relais.test").click()
    expect(page.get_by_role("heading", name="camille.exemple@relais.test")).to_be_visible()
    browser.assert_accessible(page)
    browser.log_out(page)

    page.get_by_role("link", name="Se connecter avec Pro Santé Connect").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()


def test_the_password_pages_are_accessible(psc_page, browser, psc_live, password_hash):
    app, _url = psc_live
    email = Accounts(app, password_hash).create("coordinator")["X-Test-Email"]
    page = psc_page
    page.goto("/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    browser.assert_accessible(page)
    page.get_by_label("Adresse e-mail").fill("personne@relais.test")
    page.get_by_role("button", name="Recevoir un lien").click()
    expect(page.get_by_text("Si un compte existe avec cette adresse")).to_be_visible()
    browser.log_in(page, email)
    page.goto("/compte/double-authentification")
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    browser.assert_accessible(page)
