"""Helpers of the notifications tests."""

from __future__ import annotations

import dataclasses
import time
import uuid

from flask import Flask
from sqlalchemy import select

from services.notifications import mailer
from services.notifications.models import InboxItem
from shared.auth.models import User
from shared.db import unit_of_work
from shared.extensions import db


def user_id_of(app: Flask, email: str) -> uuid.UUID:
    """The id of the account with this e-mail."""
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None, email
    return found


def inbox_item(
    app: Flask,
    user_id: uuid.UUID,
    title: str = "Proposition de patient",
    body: str = "Un patient vous est proposé.",
) -> uuid.UUID:
    """An unread inbox entry of the account `user_id`, straight into the database."""
    with app.app_context(), unit_of_work():
        item = InboxItem(
            id=uuid.uuid4(),
            user_id=user_id,
            event_name="medecin_traitant.propose",
            reference="MT-2026-000001",
            title=title,
            body=body,
            link="http://localhost/orientation/proposals",
        )
        db.session.add(item)
    return item.id


# One e-mail to send through the mailer (the SMTP tests).
MAIL = mailer.OutgoingEmail(
    sender="Relais <ne-pas-repondre@relais.invalid>",
    to="medecin@exemple.mssante.fr",
    subject="[Relais] Essai",
    text="Bonjour.",
    html="<p>Bonjour.</p>",
    message_id="<essai@relais>",
)


def wait_for(predicate, *, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def configure(app: Flask, **changes) -> None:
    """Change the settings of a test app (the relay and services read them at each use)."""
    app.config["RELAIS_SETTINGS"] = dataclasses.replace(app.config["RELAIS_SETTINGS"], **changes)


class RelayedMailbox:
    """An SMTP sink read after handing the outbox's due events over (embedded mode, as the
    web process's delivery thread would): account e-mails go through the outbox."""

    def __init__(self, app: Flask, sink):
        self.app, self.sink = app, sink

    @property
    def url(self) -> str:
        return self.sink.url

    def messages(self) -> list:
        from shared.outbox.relay import current_relay

        with self.app.app_context():
            current_relay().relay_due()
        return self.sink.messages()
