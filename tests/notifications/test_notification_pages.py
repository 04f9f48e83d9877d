"""Notification pages: the inbox (mark read), deliveries on a case's timeline (coordinator)."""

from __future__ import annotations

import uuid

from services.notifications.models import Delivery, InboxItem
from shared.db import unit_of_work
from shared.extensions import db
from shared.timeutil import utcnow
from tests.support import payloads
from tests.support.notifications import inbox_item, user_id_of
from tests.support.web import log_in


def test_inbox_lists_notifications_escaped_and_marks_them_read(app, client, accounts):
    headers = accounts.create("gp")
    email = headers["X-Test-Email"]
    user_id = user_id_of(app, email)
    item_id = inbox_item(app, user_id, title="<i>Proposition</i>")
    inbox_item(app, user_id)
    token = log_in(client, email)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "2 notifications non lues" in html
    assert "&lt;i&gt;Proposition&lt;/i&gt;" in html
    assert "Notifications non lues" in client.get("/").get_data(as_text=True)
    response = client.post(f"/notifications/{item_id}/read", data={"csrf_token": token})
    assert response.status_code == 303
    assert "1 notification non lue" in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert "0 notifications non lues" in client.get("/notifications/").get_data(as_text=True)


def test_someone_elses_notification_cannot_be_marked_read(app, client, accounts):
    owner = accounts.create("gp")["X-Test-Email"]
    item_id = inbox_item(app, user_id_of(app, owner))
    token = log_in(client, accounts.create("nurse")["X-Test-Email"])
    response = client.post(f"/notifications/{item_id}/read", data={"csrf_token": token})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(InboxItem, item_id).read_at is None


def test_mark_all_read_marks_only_the_users_unread_items_in_one_update(app, accounts):
    from services.notifications import service

    mine = user_id_of(app, accounts.create("gp")["X-Test-Email"])
    theirs = user_id_of(app, accounts.create("nurse")["X-Test-Email"])
    first, second = inbox_item(app, mine), inbox_item(app, mine)
    other = inbox_item(app, theirs)
    with app.app_context():
        assert service.mark_all_read(user_id=mine) == 2
        assert service.mark_all_read(user_id=mine) == 0
        db.session.expire_all()
        assert db.session.get(InboxItem, first).read_at is not None
        assert db.session.get(InboxItem, second).read_at is not None
        assert db.session.get(InboxItem, other).read_at is None


def _delivery(app, reference, recipient):
    with app.app_context(), unit_of_work():
        db.session.add(
            Delivery(
                id=uuid.uuid4(),
                event_id=uuid.uuid4(),
                event_name="medecin_traitant.propose",
                reference=reference,
                user_id=uuid.uuid4(),
                channel="email",
                recipient=recipient,
                status="sent",
                subject="Proposition de patient",
                body_text="…",
                body_html="…",
                link="http://localhost/orientation/proposals",
                created_at=utcnow(),
                sent_at=utcnow(),
            )
        )


def test_case_timeline_shows_notifications_sent_to_the_coordinator_only(app, client, accounts):
    professional = accounts.create("professional")
    case = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=professional
    ).get_json()
    _delivery(app, case["reference"], "dr.test@example.org")
    log_in(client, accounts.create("coordinator")["X-Test-Email"])
    html = client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert "Notification (E-mail) à dr.test@example.org : envoyée" in html
    other = client.application.test_client()
    log_in(other, professional["X-Test-Email"])
    html = other.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert "dr.test@example.org" not in html
