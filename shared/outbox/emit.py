"""Write an event into the caller's transaction; it is delivered only if that commits."""

from __future__ import annotations

from typing import Any

from shared.extensions import db
from shared.outbox.models import OutboxEvent


def emit(name: str, *, reference: str | None, payload: dict[str, Any]) -> OutboxEvent:
    """Add event `name` (e.g. `medecin_traitant.propose`) to the current transaction."""
    event = OutboxEvent(name=name, reference=reference, payload=payload)
    db.session.add(event)
    return event
