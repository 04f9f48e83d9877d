"""Resolved bearer tokens kept in memory for a short while, each use checked against the
account's `auth_version`.

Every API call authenticates its bearer token. Resolving it from the database means one query
over four tables (token, account, roles, page session) and as many ORM objects: about a sixth
of a signalement's processor time (docs/performance.md). A resolved token is kept here, per app
and per process, for `TTL` at most, and never past an instant at which it would stop working by
itself: its expiry, or the idle and absolute ends of its page session as known when it was
resolved (activity only pushes the idle end back).

Everything else that can end a token or change who it stands for — a logout, a revocation, an
account disabled, roles or directory links changed, a session ended — moves the account's
`auth_version` in the transaction that makes the change, by the database's own triggers
(migration 9d2b3f09f749), whoever writes it. Each use of a kept token reads that one integer by
primary key, and a token whose account moved on is resolved again from the tables: a revoked
token is refused on the very next request, in every process.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select

from shared.auth.models import User
from shared.auth.principal import Principal
from shared.extensions import db

EXTENSION = "relais_token_cache"
# How long a resolved token is kept at most, and how many tokens a process keeps.
TTL = dt.timedelta(seconds=60)
CAPACITY = 10_000


@dataclass(frozen=True)
class Resolved:
    """A token as resolved from the tables: who it stands for, the account's version then, and
    the instant until which it may be served without resolving it again."""

    principal: Principal
    user_id: uuid.UUID
    version: int
    until: dt.datetime


class TokenCache:
    """Tokens (by their SHA-256) resolved recently in this process."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: dict[str, Resolved] = {}
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, token_hash: str, now: dt.datetime) -> Resolved | None:
        """The token's entry while it is current, else None."""
        entry = self._entries.get(token_hash)
        if entry is None or entry.until <= now:
            return None
        return entry

    def put(self, token_hash: str, entry: Resolved) -> None:
        """Keep `entry`; the oldest half goes when the cache is full."""
        with self._lock:
            if len(self._entries) >= self._capacity:
                for key in list(self._entries)[: self._capacity // 2]:
                    del self._entries[key]
            self._entries[token_hash] = entry

    def forget(self, token_hash: str) -> None:
        """Drop a token's entry (it failed to resolve)."""
        self._entries.pop(token_hash, None)

    def __len__(self) -> int:
        return len(self._entries)


def token_cache() -> TokenCache:
    """The current app's cache (made on first use)."""
    extensions = current_app.extensions
    cache = extensions.get(EXTENSION)
    if cache is None:
        cache = extensions.setdefault(EXTENSION, TokenCache())
    return cache


# Built once: this runs on every authenticated request, and building the statement cost as
# much processor time as sending it.
_ACCOUNT_VERSION = select(User.auth_version).where(
    User.id == bindparam("user_id"), User.active.is_(True)
)


def account_version(user_id: uuid.UUID) -> int | None:
    """The active account's `auth_version` now; None when it is disabled or gone."""
    return db.session.scalar(_ACCOUNT_VERSION, {"user_id": user_id})


def cached_principal(token_hash: str, now: dt.datetime) -> Principal | None:
    """The principal of a token kept in the cache, if its account has not moved on since."""
    cache = token_cache()
    entry = cache.get(token_hash, now)
    if entry is None:
        return None
    if account_version(entry.user_id) != entry.version:
        cache.forget(token_hash)
        return None
    return entry.principal
