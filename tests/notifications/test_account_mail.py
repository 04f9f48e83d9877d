"""Account e-mails (invitations, resets, answers to access requests) go through the outbox: an
SMTP server that is down delays them, never loses them, and their secret text is erased once
they are settled. Real SMTP server process (`tests/support/smtp_sink.py`), embedded relay."""

from __future__ import annotations

import re

from sqlalchemy import select

from services.notifications.models import Delivery
from services.notifications.service import process_event
from shared.auth.mail import ACCOUNT_MAIL
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.outbox.relay import current_relay
from tests.support.notifications import configure
from tests.support.servers import free_port

LINK = re.compile(r"https://relais\.example(/compte/mot-de-passe/[A-Za-z0-9_-]+)")


def _account_events(app) -> list[OutboxEvent]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == ACCOUNT_MAIL)))


def test_an_invitation_made_while_smtp_is_down_is_sent_once_it_is_back(
    app, client, accounts, smtp_factory
):
    down_port = free_port()  # nobody listens here until the sink starts on it
    configure(app, smtp_url=f"smtp://127.0.0.1:{down_port}", public_url="https://relais.example")
    response = client.post(
        "/api/auth/users",
        json={"email": "invitee@relais.test", "roles": ["dac"]},
        headers=accounts.create("admin"),
    )
    assert response.status_code == 201, response.get_json()

    with app.app_context():
        assert current_relay().relay_due() == 1
        delivery = db.session.scalar(select(Delivery))
        assert (delivery.recipient, delivery.status) == ("invitee@relais.test", "failed")
        event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.name == ACCOUNT_MAIL))
        assert event.processed_at is None  # kept, to be handed over again
        retry_at = event.next_attempt_at

    sink = smtp_factory(port=down_port)
    with app.app_context():
        assert current_relay().relay_due(now=retry_at) == 1

    [message] = sink.messages()
    assert message["To"] == "invitee@relais.test"
    assert message["Subject"] == "Relais : votre invitation"
    path = LINK.search(message.get_body(("plain",)).get_content()).group(1)
    assert client.get(path).status_code == 200  # the link of the committed invitation works
    [event] = _account_events(app)
    assert event.processed_at is not None
    # Settled: the single-use link is no longer written anywhere but in the e-mail.
    assert event.payload == {"erased": True}
    with app.app_context():
        delivery = db.session.scalar(select(Delivery))
        assert (delivery.status, delivery.body_text, delivery.body_html) == ("sent", "", "")
        assert delivery.subject == "Relais : votre invitation"


def test_a_reset_is_written_with_its_link_and_sent_once(app, client, accounts, smtp):
    configure(app, smtp_url=smtp.url, public_url="https://relais.example")
    email = accounts.create("coordinator")["X-Test-Email"]
    assert client.post("/api/auth/password-reset", json={"email": email}).status_code == 202

    with app.app_context():
        assert current_relay().relay_due() == 1
        # Handed over again (say the confirmation was lost): still one e-mail.
        db.session.execute(OutboxEvent.__table__.update().values(processed_at=None))
        db.session.commit()
        [event] = db.session.scalars(select(OutboxEvent)).all()
        assert process_event(event.id) == "delivered"
    [message] = smtp.messages()
    assert message["To"] == email
    assert LINK.search(message.get_body(("plain",)).get_content())


def test_a_refused_invitation_writes_no_email(app, client, accounts, smtp):
    configure(app, smtp_url=smtp.url, public_url="https://relais.example")
    admin = accounts.create("admin")
    body = {"email": "twice@relais.test", "roles": ["dac"]}
    assert client.post("/api/auth/users", json=body, headers=admin).status_code == 201
    again = client.post("/api/auth/users", json=body, headers=admin)

    assert again.status_code == 409
    assert len(_account_events(app)) == 1
    with app.app_context():
        current_relay().relay_due()
    assert [m["To"] for m in smtp.messages()] == ["twice@relais.test"]
