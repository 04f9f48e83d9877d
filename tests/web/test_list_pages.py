"""Every list page is paginated (never more than 100 rows), filtered and sorted, and keeps
that state in the links it renders (shared/web/listing.py)."""

from __future__ import annotations

import re
import uuid
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from services.notifications.models import InboxItem
from shared.auth.models import User
from shared.extensions import db
from shared.timeutil import utcnow
from tests.support import factories, payloads
from tests.support.agenda import booked_slots, in_days
from tests.support.web import log_in

LISTS = (
    "/orientation/cases",
    "/orientation/discharges/liste",
    "/orientation/epp/",
    "/agenda/teleconsultations",
    "/agenda/bookings",
    "/notifications/",
)


def _next_link(html: str) -> dict[str, list[str]]:
    """The query string of the page's "next page" link."""
    found = re.search(r'<a href="([^"]+)" rel="next"', html)
    assert found, "no next-page link"
    return parse_qs(urlsplit(unescape(found.group(1))).query)


def _rows(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', html)


@pytest.mark.parametrize("url", LISTS)
def test_no_list_page_serves_more_than_100_rows(client, accounts, url):
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    assert client.get(f"{url}?per_page=100").status_code == 200
    refused = client.get(f"{url}?per_page=101")
    assert refused.status_code == 422
    assert "Entre 1 et 100" in refused.get_data(as_text=True)
    assert client.get(f"{url}?sort=n%27importe").status_code == 422


def test_board_pages_keep_the_order_and_filters_in_their_links(client, accounts):
    coordinator = accounts.create("coordinator")
    submitter = accounts.create("professional")
    cases = [factories.signalement(client, submitter) for _ in range(3)]
    log_in(client, coordinator["X-Test-Email"])
    first = client.get("/orientation/cases?sort=recents&per_page=2&state=submitted").text
    assert len(re.findall(r"MT-\d{4}-\d+</a>", first)) == 2
    assert first.index(cases[2]["reference"]) < first.index(cases[1]["reference"])
    link = _next_link(first)
    assert link == {"sort": ["recents"], "per_page": ["2"], "state": ["submitted"], "page": ["2"]}
    second = client.get("/orientation/cases?sort=recents&per_page=2&state=submitted&page=2").text
    assert cases[0]["reference"] in second
    assert cases[2]["reference"] not in second
    assert 'name="sort" value="recents"' in second  # the search form carries the order along


def test_board_search_finds_a_closed_case_from_the_open_cases_tab(client, accounts):
    coordinator = accounts.create("coordinator")
    body = payloads.signalement()
    body["patient"]["last_name"] = "Clotureenom"
    case = factories.signalement(client, accounts.create("professional"), body)
    factories.fire(client, case, "cancel", coordinator, {"reason": "found_gp"})
    token = log_in(client, coordinator["X-Test-Email"])
    assert case["reference"] not in client.get("/orientation/cases").text
    found = client.post("/orientation/cases", data={"csrf_token": token, "q": "clotureen"}).text
    assert case["reference"] in found
    wildcard = client.post("/orientation/cases", data={"csrf_token": token, "q": "%"}).text
    assert case["reference"] not in wildcard


def _discharges(client, accounts, count):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)["id"]
    dac = accounts.create("dac")
    return dac, [factories.discharge(client, dac, gp) for _ in range(count)]


def test_closed_discharges_stay_listed_and_every_view_pages(client, accounts):
    dac, cases = _discharges(client, accounts, 3)
    factories.fire(client, cases[0], "cancel", dac, {"reason": "autre"})
    log_in(client, dac["X-Test-Email"])
    closed = client.get("/orientation/discharges/liste?vue=cloturees").text
    assert _rows(closed, "data-reference") == [cases[0]["reference"]]
    open_ = client.get("/orientation/discharges/liste").text
    assert set(_rows(open_, "data-reference")) == {cases[1]["reference"], cases[2]["reference"]}
    first = client.get("/orientation/discharges/liste?vue=toutes&sort=reference&per_page=2").text
    assert _rows(first, "data-reference") == sorted(c["reference"] for c in cases)[:2]
    assert _next_link(first) == {
        "vue": ["toutes"],
        "sort": ["reference"],
        "per_page": ["2"],
        "page": ["2"],
    }
    second = client.get(
        "/orientation/discharges/liste?vue=toutes&sort=reference&per_page=2&page=2"
    ).text
    assert _rows(second, "data-reference") == [max(c["reference"] for c in cases)]


def test_the_worklist_shows_a_few_of_each_group_and_links_to_the_rest(
    client, accounts, monkeypatch
):
    from services.orientation.discharges import pages

    monkeypatch.setattr(pages, "WORKLIST_GROUP_LIMIT", 2)
    dac, cases = _discharges(client, accounts, 3)
    log_in(client, dac["X-Test-Email"])
    html = client.get("/orientation/discharges/").text
    group = cases[0]["planned_discharge_date"]
    assert group  # the factory plans a date: the three fall in one group
    assert len(_rows(html, "data-reference")) == 2
    more = re.search(r'href="([^"]+)" data-more="(\w+)"', html)
    assert more and "Voir les 3 sorties" in html
    rest = client.get(unescape(more.group(1))).text
    assert len(_rows(rest, "data-reference")) == 3


def test_epp_list_pages_past_its_first_rows(client, accounts):
    coordinator = accounts.create("coordinator")
    referrals = [factories.epp_referral(client, coordinator) for _ in range(3)]
    log_in(client, coordinator["X-Test-Email"])
    first = client.get("/orientation/epp/?sort=recentes&per_page=2").text
    assert _rows(first, "data-reference") == [r["reference"] for r in referrals[:0:-1]]
    assert _next_link(first) == {"sort": ["recentes"], "per_page": ["2"], "page": ["2"]}
    second = client.get("/orientation/epp/?sort=recentes&per_page=2&page=2").text
    assert _rows(second, "data-reference") == [referrals[0]["reference"]]


def test_teleconsultations_page_and_keep_the_view(client, accounts):
    coordinator = accounts.create("coordinator")
    _, nurse = factories.professional_account(client, accounts, coordinator, profession="nurse")
    cases = [factories.teleconsultation(client, nurse, in_days(2)) for _ in range(3)]
    log_in(client, nurse["X-Test-Email"])
    first = client.get("/agenda/teleconsultations?vue=en_cours&per_page=2").text
    assert len(_rows(first, "data-reference")) == 2
    assert _next_link(first) == {"vue": ["en_cours"], "per_page": ["2"], "page": ["2"]}
    second = client.get("/agenda/teleconsultations?vue=en_cours&per_page=2&page=2").text
    shown = _rows(first, "data-reference") + _rows(second, "data-reference")
    assert sorted(shown) == sorted(c["reference"] for c in cases)
    assert client.get("/agenda/teleconsultations?vue=terminees").text.count("data-reference") == 0


def test_the_coordinator_pages_through_every_booking(client, accounts):
    coordinator = accounts.create("coordinator")
    booked_slots(client, accounts, coordinator)
    log_in(client, coordinator["X-Test-Email"])
    default = client.get("/agenda/bookings").text
    assert "Mes réservations (0)" in default
    first = client.get("/agenda/bookings?vue=toutes&sort=date_desc&per_page=2").text
    assert len(_rows(first, "data-booking")) == 2
    assert "11:00" in first and "09:00" not in first
    assert _next_link(first) == {
        "vue": ["toutes"],
        "sort": ["date_desc"],
        "per_page": ["2"],
        "page": ["2"],
    }
    second = client.get("/agenda/bookings?vue=toutes&sort=date_desc&per_page=2&page=2").text
    assert len(_rows(second, "data-booking")) == 1
    assert "09:00" in second


def test_the_inbox_pages_and_keeps_the_unread_filter(client, accounts, app):
    person = accounts.create("professional")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == person["X-Test-Email"]))
        for number in range(3):
            db.session.add(
                InboxItem(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    event_name="test",
                    reference=None,
                    title=f"Avis numéro {number}",
                    body="Texte.",
                    link="/",
                    created_at=utcnow(),
                )
            )
        db.session.commit()
    log_in(client, person["X-Test-Email"])
    first = client.get("/notifications/?unread=true&per_page=2").text
    assert len(_rows(first, "data-item")) == 2
    assert _next_link(first) == {"unread": ["true"], "per_page": ["2"], "page": ["2"]}
    second = client.get("/notifications/?unread=true&per_page=2&page=2").text
    assert len(_rows(second, "data-item")) == 1
