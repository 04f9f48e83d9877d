"""The hash chain that makes the audit trail tamper-evident.

Each entry carries `seq`, its place in the chain, and `hash`: sha256 over the hash of the entry
before it and the entry's canonical fields. Changing, removing or slipping in an entry breaks
the link of that entry or of the one after it; removing the last ones leaves the chain's head
(`audit_chain`, kept by the database's insert trigger) pointing past the end.

The digest is frozen: changing it would break every chain already stored (the migration that
introduced it computed the hashes of the rows that existed then with this very function).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, text

# The hash before the first entry ever written.
GENESIS = "0" * 64
# The key of the PostgreSQL advisory lock that serialises the chain's writers ("RELAIS").
CHAIN_LOCK_KEY = 0x52454C414953


class Linkable(Protocol):
    """The fields of an audit entry that the chain covers."""

    seq: int
    hash: str
    id: uuid.UUID
    at: dt.datetime
    service: str
    user_email: str
    action: str
    reference: str | None
    ip: str | None


def canonical(entry: Linkable) -> str:
    """The entry's fields as one unambiguous string (JSON array, fixed order, UTC instant)."""
    at = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [
        entry.seq,
        str(entry.id),
        at,
        entry.service,
        entry.user_email,
        entry.action,
        entry.reference,
        entry.ip,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def digest(previous: str, entry: Linkable) -> str:
    """The entry's hash: sha256 over the previous entry's hash and the entry's fields."""
    return hashlib.sha256(f"{previous}\n{canonical(entry)}".encode()).hexdigest()


# PostgreSQL: the chain's lock, then its head, in one round trip (migration `f2b4d6a8c0e1`).
_LOCK_AND_READ_HEAD = text("SELECT head_seq, head_hash FROM audit_chain_lock(:key)")
_READ_HEAD = text("SELECT head_seq, head_hash FROM audit_chain WHERE id = 1")


def locked_head(connection: Connection) -> tuple[int, str]:
    """The chain's head, read once the current transaction is the chain's only writer until it
    ends. PostgreSQL: a transaction-scoped advisory lock, which `audit_chain_lock(key)` takes
    just before it reads the head, so the head is the one the previous writer committed.
    SQLite serialises writers by itself. It is taken last, by the audit entries written just before
    the commit (`shared.audit.models.write_held_entries`), so nothing else is ever locked under
    it."""
    head: Any
    if connection.dialect.name == "postgresql":
        head = connection.execute(_LOCK_AND_READ_HEAD, {"key": CHAIN_LOCK_KEY}).one()
    else:
        head = connection.execute(_READ_HEAD).one_or_none()
    return (head[0], head[1]) if head and head[0] is not None else (0, GENESIS)


def link(connection: Connection, entries: Sequence[Linkable]) -> None:
    """Place new entries after the chain's head and hash them, in the caller's transaction.

    On PostgreSQL a transaction-scoped advisory lock makes concurrent writers take turns from
    here to their commit, so none reads a head that another is about to move (the insert
    trigger would refuse the second of two entries claiming one place). SQLite serialises
    writers by itself."""
    seq, previous = locked_head(connection)
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.hash = previous = digest(previous, entry)
