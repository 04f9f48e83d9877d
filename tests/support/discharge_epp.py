"""Factories for discharge cases and EPP referrals (generated identities only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.timeutil import today_paris
from tests.support import payloads


def directory_entry(client, coordinator, **overrides: Any) -> dict[str, Any]:
    """Register a professional in the directory through the agenda API."""
    response = client.post(
        "/api/agenda/professionals", json=payloads.professional(**overrides), headers=coordinator
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def discharge(*professional_ids: str, complete: bool = True, **overrides: Any) -> dict[str, Any]:
    """A `POST /discharges` body; `complete` fills what `mark_ready` needs."""
    today = today_paris()
    body: dict[str, Any] = {
        "patient": payloads.patient(),
        "hospital": {"name": "Centre hospitalier de test", "service": "Gériatrie"},
        "admission_date": (today - dt.timedelta(days=5)).isoformat(),
        "home_services": ["ssiad"],
        "city_professionals": [{"professional_id": pid} for pid in professional_ids],
    }
    if complete:
        body |= {
            "planned_discharge_date": (today + dt.timedelta(days=3)).isoformat(),
            "summary": "Chute à domicile, fracture du poignet opérée, autonomie conservée.",
            "prescription": "Paracétamol 1 g x3/j pendant 5 jours ; soins de plaie J+2.",
        }
    body.update(overrides)
    return body


def epp_referral(*, weeks: int | None = 10, **overrides: Any) -> dict[str, Any]:
    """A `POST /epp-referrals` body."""
    body: dict[str, Any] = {
        "patient": payloads.patient(birth_date="1994-06-02", sex="F"),
        "pregnancy": {"weeks": weeks},
        "notes": "Première grossesse.",
    }
    body.update(overrides)
    return body


def count(app, model) -> int:
    """Rows of `model` in the database."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def events(app, name: str) -> list[dict[str, Any]]:
    """Payloads of the outbox events called `name`, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.created_at)
        )
        return [row.payload for row in rows]
