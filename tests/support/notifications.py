"""Helpers of the notifications tests."""

from __future__ import annotations

import dataclasses
import time

from flask import Flask

from services.notifications import mailer

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
