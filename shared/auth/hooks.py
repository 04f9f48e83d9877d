"""What accounts need from the services, given by the composition root (`shared` imports none).

- `professional_by_rpps(rpps)`: the directory entry with that RPPS, to match a Pro Santé
  Connect identity to the account linked to it.

Account e-mails need no hook: they go through the outbox (`shared/auth/mail.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

EXTENSION = "relais_account_hooks"


@dataclass(frozen=True)
class AccountHooks:
    professional_by_rpps: Callable[[str], uuid.UUID | None]


def init_account_hooks(app: Flask, hooks: AccountHooks) -> None:
    """Make `hooks` the app's."""
    app.extensions[EXTENSION] = hooks


def account_hooks() -> AccountHooks:
    """The current app's hooks."""
    return current_app.extensions[EXTENSION]
