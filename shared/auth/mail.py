"""Account e-mails (invitations, password resets, answers to access requests) go through the
outbox like every notification: written in the transaction that creates the account, the link
or the decision, so that once it commits the e-mail is sent — retried while the SMTP server is
unreachable — and never lost. The notifications service sends the `account.mail` event as it
is (`services/notifications/events.py`), then erases its text: it may carry a single-use link.
"""

from __future__ import annotations

from flask import current_app

from shared.outbox.emit import emit

ACCOUNT_MAIL = "account.mail"


def queue_account_mail(to: str, subject: str, text: str) -> None:
    """Add one account e-mail to the caller's transaction (sent once it commits)."""
    emit(ACCOUNT_MAIL, reference=None, payload={"to": to, "subject": subject, "text": text})


def link_base() -> str:
    """Where Relais's absolute links start (`PUBLIC_URL`): account e-mails, PSC redirects."""
    return current_app.config["RELAIS_SETTINGS"].public_url
