"""The embedded relay thread of `relais run`, and the daily digest."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select

from services.notifications.digest import send_due_digests
from services.notifications.models import Delivery
from shared.extensions import db
from shared.outbox.relay import current_relay, stop_embedded_threads
from shared.timeutil import PARIS
from tests.support.factories import World
from tests.support.notifications import configure, wait_for


def test_the_embedded_thread_delivers_right_after_the_commit(embedded, client, accounts, smtp):
    configure(embedded, sweep_interval_seconds=3600)  # only the commit can wake it up
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    with embedded.app_context():
        relay = current_relay()
    relay.ensure_thread()
    try:
        case = world.submit()
        wait_for(lambda: len(smtp.messages()) == 1, timeout=10, what="in-process delivery")
    finally:
        relay.stop_thread()
    assert case["reference"] in smtp.messages()[0]["Subject"]


def _delivery_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "relais-outbox" and t.is_alive()]


def test_a_process_done_with_its_apps_stops_their_embedded_threads(embedded):
    with embedded.app_context():
        relay = current_relay()
    relay.ensure_thread()
    assert _delivery_threads() != []
    assert stop_embedded_threads() == [relay]
    assert _delivery_threads() == []


def test_digest_users_get_one_email_a_day_listing_their_notifications(
    embedded, client, accounts, smtp
):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    client.patch(
        "/api/notifications/preferences", json={"daily_digest": True}, headers=world.coordinator
    )
    first, second = world.submit(), world.submit()
    with embedded.app_context():
        current_relay().relay_due()
        assert smtp.messages() == []
        created = db.session.scalar(select(Delivery.created_at).where(Delivery.digest.is_(True)))
        next_morning = (created.astimezone(PARIS) + dt.timedelta(days=1)).replace(hour=7, minute=5)
        assert send_due_digests(now=next_morning.replace(hour=6)) == 0
        assert send_due_digests(now=next_morning) == 1
        assert send_due_digests(now=next_morning + dt.timedelta(minutes=1)) == 0

    [digest] = smtp.messages()
    assert digest["To"] == world.coordinator["X-Test-Email"]
    text = digest.get_body(("plain",)).get_content()
    assert first["reference"] in text and second["reference"] in text
    rows = client.get(
        f"/api/notifications/deliveries?reference={first['reference']}", headers=world.coordinator
    ).get_json()
    assert {(r["channel"], r["status"]) for r in rows} == {("email", "sent"), ("inbox", "sent")}


def test_preferences_are_read_and_validated(client, accounts):
    nurse = accounts.create("nurse", professional_id="6b4d9a52-54a8-4a43-9c56-0d3d0b6c7f11")
    assert client.get("/api/notifications/preferences", headers=nurse).get_json() == {
        "email_enabled": True,
        "daily_digest": False,
    }
    bad = client.patch(
        "/api/notifications/preferences", json={"email_enabled": "peut-être"}, headers=nurse
    )
    assert bad.status_code == 422
    assert "email_enabled" in bad.get_json()["error"]["fields"]
    empty = client.patch("/api/notifications/preferences", json={}, headers=nurse)
    assert empty.status_code == 422
    unknown = client.patch("/api/notifications/preferences", json={"sms": True}, headers=nurse)
    assert unknown.status_code == 422
