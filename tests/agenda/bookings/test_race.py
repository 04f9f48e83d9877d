"""Many clients book the same slot at once through a real server: exactly one wins."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from shared.extensions import db
from tests.support import factories
from tests.support.agenda import booking_body, in_days, live_server, paris, publish

CLIENTS = 30


@pytest.fixture
def server(settings):
    with live_server(settings.database_url, settings.secret_key) as base:
        yield base


def _race(base: str, slot_id: str, tokens: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(tokens))

    def attempt(headers: dict) -> int:
        session = requests.Session()
        body = booking_body()
        barrier.wait()
        response = session.post(
            f"{base}/api/agenda/slots/{slot_id}/booking",
            json=body,
            headers={"Authorization": headers["Authorization"]},
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(attempt, tokens))


@pytest.mark.slow
def test_thirty_concurrent_bookings_of_one_slot_give_one_201_and_409s(
    app, client, accounts, server
):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    slot = publish(client, coordinator, gp["id"], day=in_days(1)).get_json()
    bookers = [accounts.create("professional") for _ in range(CLIENTS)]

    statuses = _race(server, slot["id"], bookers)

    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == CLIENTS - 1, statuses
    with app.app_context():
        active = db.session.scalar(
            select(func.count(Booking.id)).where(Booking.cancelled_at.is_(None))
        )
        total = db.session.scalar(select(func.count(Booking.id)))
    assert (active, total) == (1, 1)


def test_concurrent_bookings_in_process_also_give_one_winner(app, accounts, client):
    """The same rule without a server (runs on SQLite too): threads share one app."""
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    slot = publish(client, coordinator, gp["id"], day=in_days(1)).get_json()
    bookers = [accounts.create("professional") for _ in range(12)]
    barrier = threading.Barrier(len(bookers))

    def attempt(headers: dict) -> int:
        local = app.test_client()
        barrier.wait()
        return local.post(
            f"/api/agenda/slots/{slot['id']}/booking", json=booking_body(), headers=headers
        ).status_code

    with ThreadPoolExecutor(max_workers=len(bookers)) as pool:
        statuses = list(pool.map(attempt, bookers))
    assert sorted(statuses) == [201] + [409] * (len(bookers) - 1)


@pytest.mark.slow
def test_concurrent_overlapping_publications_give_one_slot(app, client, accounts, server):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    publishers = [accounts.create("coordinator") for _ in range(12)]
    day = in_days(2)
    barrier = threading.Barrier(len(publishers))

    def attempt(index_and_headers: tuple[int, dict]) -> int:
        index, headers = index_and_headers
        body = {
            "professional_id": gp["id"],
            # Every range overlaps every other: 10:00+i min to 10:30+i min.
            "start": paris(day, f"10:{index:02d}"),
            "end": paris(day, f"10:{30 + index:02d}"),
            "kind": "snp",
        }
        barrier.wait()
        return requests.post(
            f"{server}/api/agenda/slots",
            json=body,
            headers={"Authorization": headers["Authorization"]},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=len(publishers)) as pool:
        statuses = list(pool.map(attempt, enumerate(publishers)))
    assert sorted(statuses) == [201] + [422] * (len(publishers) - 1), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Slot.id))) == 1
