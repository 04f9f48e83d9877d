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
    return _json([entry.seq, *_placed_fields(entry)])


def canonical_tail(entry: Linkable) -> str:
    """`canonical(entry)` after its opening `[seq,`: what PostgreSQL's `audit_append`, which
    gives the entry its place, hashes after `[<place>,` (migration `a1c3e5f7b9d2`)."""
    return _json(_placed_fields(entry))[1:]


def _placed_fields(entry: Linkable) -> list[str | None]:
    """The fields `canonical` puts after the entry's place, in order."""
    return [
        str(entry.id),
        instant(entry),
        entry.service,
        entry.user_email,
        entry.action,
        entry.reference,
        entry.ip,
    ]


def instant(entry: Linkable) -> str:
    """The entry's instant as the chain writes it (UTC, to the microsecond)."""
    return entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _json(fields: list[Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def digest(previous: str, entry: Linkable) -> str:
    """The entry's hash: sha256 over the previous entry's hash and the entry's fields."""
    return hashlib.sha256(f"{previous}\n{canonical(entry)}".encode()).hexdigest()


# SQLite: the head of the chain.
_READ_HEAD = text("SELECT head_seq, head_hash FROM audit_chain WHERE id = 1")
# PostgreSQL: lock, head, links and INSERT in one call (migration `a1c3e5f7b9d2`).
_APPEND = text("SELECT audit_append(:key, CAST(:entries AS jsonb))")


def append_on_postgresql(connection: Connection, entries: Sequence[Linkable]) -> None:
    """Write new entries after the chain's head, in the caller's transaction, with one call to
    `audit_append`, which takes the chain's lock, reads the head, links the entries and
    inserts them (the digest is `digest`'s, computed by the database over the same bytes): a
    writer holds the lock for that call and its commit only, and for no Python work."""
    sent = [
        {
            "id": str(entry.id),
            "at": instant(entry),
            "service": entry.service,
            "user_email": entry.user_email,
            "action": entry.action,
            "reference": entry.reference,
            "ip": entry.ip,
            "tail": canonical_tail(entry),
        }
        for entry in entries
    ]
    connection.execute(_APPEND, {"key": CHAIN_LOCK_KEY, "entries": _json(sent)})


def link(connection: Connection, entries: Sequence[Linkable]) -> None:
    """Place new entries after the chain's head and hash them, in the caller's transaction
    (SQLite, which serialises writers by itself: nobody moves the head meanwhile; PostgreSQL
    writers use `append_on_postgresql`)."""
    head = connection.execute(_READ_HEAD).one_or_none()
    seq, previous = (head[0], head[1]) if head else (0, GENESIS)
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.hash = previous = digest(previous, entry)
