"""What accounts need from the services, given by the composition root (`shared` imports none).

- `send_mail(to, subject, text)`: sends one e-mail at once (invitations, password resets,
  answers to access requests). Their links are secrets: they go straight to SMTP and are never
  written to the notifications tables.
- `professional_by_rpps(rpps)`: the directory entry with that RPPS, to match a Pro Santé
  Connect identity to the account linked to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

EXTENSION = "relais_account_hooks"


@dataclass(frozen=True)
class AccountHooks:
    send_mail: Callable[[str, str, str], None]
    professional_by_rpps: Callable[[str], uuid.UUID | None]


def init_account_hooks(app: Flask, hooks: AccountHooks) -> None:
    """Make `hooks` the app's."""
    app.extensions[EXTENSION] = hooks


def account_hooks() -> AccountHooks:
    """The current app's hooks."""
    return current_app.extensions[EXTENSION]
