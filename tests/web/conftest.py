"""Browser fixtures: the app served on a local port, Debian's Chromium driven by Playwright,
and axe-core (installed from npm by `make axe`) for the accessibility scans."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import TEST_PASSWORD
from tests.support.servers import serve_wsgi

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(
    os.environ.get(
        "RELAIS_AXE", ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
    )
)
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app (all services, test database) served by a thread; yields its base URL."""
    with serve_wsgi(app) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless (Playwright's own browser download is never used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    from playwright.sync_api import expect, sync_playwright

    # The machine is shared: give assertions the same patience as actions.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium, live_server):
    """A fresh browser profile (cookies, storage) on the live server, desktop size."""
    context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def phone_page(chromium, live_server):
    """A page in a fresh browser profile on the live server, phone size (390 × 844)."""
    context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make axe` (npm install axe-core)")
    return AXE.read_text()


class Browser:
    """What the scenarios do again and again: log in, scan, keep screenshots."""

    def __init__(self, axe: str):
        self.axe = axe

    def log_in(self, page, email: str) -> None:
        page.goto("/")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        # attached, not visible: on a phone the top bar folds it behind « Menu »
        page.get_by_role("button", name="Se déconnecter", include_hidden=True).wait_for(
            state="attached"
        )

    def log_out(self, page) -> None:
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_role("button", name="Se connecter").wait_for()

    def fill_inscription(self, page, *, birth_date: str, situation: str) -> None:
        """Fill the public self-registration form (`/inscription`) after « for whom »: the
        patient, their situation and both consents."""
        page.get_by_label("Nom", exact=True).fill("Testnom")
        page.get_by_label("Prénom", exact=True).fill("Prénomtest")
        page.get_by_label("Date de naissance").fill(birth_date)
        page.get_by_label("Sexe").select_option("F")
        page.get_by_label("Téléphone", exact=True).fill("06 12 34 56 78")
        page.get_by_label("Adresse", exact=True).fill("3 rue des Essais")
        page.get_by_label("Code postal").fill("69003")
        page.get_by_label("Commune").fill("Lyon")
        page.get_by_label("Votre situation en quelques mots").fill(situation)
        page.get_by_label("La personne qui cherche un médecin est d'accord").check()
        page.get_by_label("J'accepte que la CPTS garde ces informations").check()

    def serious_violations(self, page) -> list[dict]:
        """axe-core violations of impact serious or critical on the current page."""
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe)
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ['violations']});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                }));
            }"""
        )
        return [v for v in violations if v["impact"] in ("serious", "critical")]

    def assert_accessible(self, page) -> None:
        violations = self.serious_violations(page)
        assert violations == [], f"{page.url}: {violations}"

    def screenshot(self, page, name: str) -> None:
        """Keep a screenshot in docs/screenshots when RELAIS_UPDATE_SCREENSHOTS=1."""
        if os.environ.get("RELAIS_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def browser(axe_source) -> Browser:
    return Browser(axe_source)
