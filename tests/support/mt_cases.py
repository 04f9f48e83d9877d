"""Médecin-traitant cases built by hand with chosen timestamps (indicators' counting rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import Flask

from services.orientation.medecin_traitant.models import MedecinTraitantCase, MedecinTraitantHistory
from services.orientation.medecin_traitant.service import previous_orientation
from shared.extensions import db
from tests.support import payloads

_counter = iter(range(1, 10**9))
CREATOR = uuid.UUID("00000000-0000-4000-8000-00000000c0de")


def utc(*args: int) -> dt.datetime:
    """An aware UTC datetime."""
    return dt.datetime(*args, tzinfo=dt.UTC)


def make_case(
    app: Flask,
    *,
    created_at: dt.datetime,
    state: str = "submitted",
    patient_key: str | None = None,
    ald: bool = False,
    priority: int = 2,
    postal_code: str = "69003",
    city: str = "Lyon",
    oriented_at: dt.datetime | None = None,
    cancelled_at: dt.datetime | None = None,
    cancel_reason: str | None = None,
    history: list[tuple[str, str | None, str, dt.datetime]] | None = None,
    **patient: Any,
) -> uuid.UUID:
    """Insert one case (and its history: `submit` at creation unless given) directly.

    Orientations of one patient must be made in time order: each records the one before, as
    the `confirm` transition does.
    """
    n = next(_counter)
    body = payloads.patient(
        address={"line": f"{n} rue des Essais", "postal_code": postal_code, "city": city},
        **patient,
    )
    body["birth_date"] = dt.date.fromisoformat(body["birth_date"])
    with app.app_context():
        case = MedecinTraitantCase(
            reference=f"MT-TEST-{n:06d}",
            state=state,
            version=1,
            created_by=CREATOR,
            created_at=created_at,
            updated_at=created_at,
            ald=ald,
            vulnerabilities=[],
            reduced_mobility=False,
            needs_home_visits=False,
            languages=["fr"],
            reason="Cas de test.",
            consent_at=created_at,
            priority=priority,
            priority_score=0,
            priority_reasons=[],
            excluded_professional_ids=[],
            oriented_at=oriented_at,
            cancelled_at=cancelled_at,
            cancel_reason=cancel_reason,
        )
        case.set_patient(body)
        if patient_key:
            case.patient_key = patient_key
        if oriented_at is not None:
            case.previous_oriented_at = previous_orientation(case.patient_key)
        db.session.add(case)
        db.session.flush()
        steps = history or [("submit", None, "submitted", created_at)]
        for transition, before, after, at in steps:
            db.session.add(
                MedecinTraitantHistory(
                    case_id=case.id,
                    transition=transition,
                    from_state=before,
                    to_state=after,
                    by="test@relais.test",
                    at=at,
                )
            )
        db.session.commit()
        return case.id
