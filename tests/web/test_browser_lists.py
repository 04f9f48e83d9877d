"""A paginated list in a real browser on a phone (390 px): the pages, the filters and the
order stay in the URL, and the list's controls fit the screen; axe-core scans each page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.agenda import booked_slots

pytestmark = pytest.mark.browser
WIDTH = 390


def _fits(phone, selector: str) -> None:
    for element in phone.locator(selector).all():
        box = element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, selector
        assert element.evaluate("el => el.scrollWidth - el.clientWidth") <= 0, selector


def test_the_coordinator_pages_through_bookings_on_a_phone(
    chromium, live_server, browser, client, accounts
):
    coordinator = accounts.create("coordinator")
    booked_slots(client, accounts, coordinator)
    context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": WIDTH, "height": 844}
    )
    try:
        phone = context.new_page()
        browser.log_in(phone, coordinator["X-Test-Email"])
        phone.goto("/agenda/bookings?vue=toutes")
        phone.get_by_label("Trier par").select_option("date_desc")
        phone.get_by_label("Lignes par page").select_option("20")
        phone.get_by_role("button", name="Appliquer").click()
        expect(phone.get_by_role("heading", name="Toutes les réservations (3)")).to_be_visible()
        assert parse_qs(urlsplit(phone.url).query) == {
            "vue": ["toutes"],
            "periode": ["toutes"],
            "sort": ["date_desc"],
            "per_page": ["20"],
        }
        phone.goto("/agenda/bookings?vue=toutes&sort=date_desc&per_page=1")
        expect(phone.locator("[data-booking]")).to_have_count(1)
        _fits(phone, "[data-pagination]")
        _fits(phone, "[data-list-filters]")
        browser.assert_accessible(phone)
        phone.get_by_role("link", name="Suivante →").click()
        expect(phone.get_by_text("Page 2 sur 3")).to_be_visible()
        assert parse_qs(urlsplit(phone.url).query) == {
            "vue": ["toutes"],
            "sort": ["date_desc"],
            "per_page": ["1"],
            "page": ["2"],
        }
        expect(phone.locator("[data-booking]")).to_have_count(1)
        _fits(phone, "[data-pagination]")
        browser.assert_accessible(phone)
    finally:
        context.close()
