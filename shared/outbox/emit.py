"""Write an event into the caller's transaction; it is delivered only if that commits."""

from __future__ import annotations

from typing import Any

from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.types import new_uuid

# Ids of the events added in the session's current transaction, handed to the relay on commit.
PENDING_KEY = "relais_outbox_pending"


def emit(name: str, *, reference: str | None, payload: dict[str, Any]) -> OutboxEvent:
    """Add event `name` (e.g. `medecin_traitant.propose`) to the current transaction."""
    event = OutboxEvent(id=new_uuid(), name=name, reference=reference, payload=payload)
    db.session.add(event)
    db.session.info.setdefault(PENDING_KEY, []).append(event.id)
    return event
