"""Midwives to suggest for an EPP referral: nearest first, among those declaring room."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from services.orientation.directory_client import directory
from services.orientation.epp.models import EppReferral

# The suggestion shape and the Paris month are those of médecin-traitant suggestions.
from services.orientation.medecin_traitant.suggestions import Suggestion, month_start
from shared.extensions import db
from shared.geo import distance_km, locate
from shared.timeutil import utcnow

PREFERRED_BONUS = 20
UNKNOWN_DISTANCE_KM = 100.0


def accepted_this_month(professional_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """EPP referrals each midwife has accepted since the start of the month (Paris)."""
    if not professional_ids:
        return {}
    rows = db.session.execute(
        select(EppReferral.assigned_professional_id, func.count())
        .where(
            EppReferral.assigned_professional_id.in_(professional_ids),
            EppReferral.accepted_at >= month_start(utcnow()),
        )
        .group_by(EppReferral.assigned_professional_id)
    )
    return {pid: n for pid, n in rows if pid is not None}


def eligible_midwives(referral: EppReferral) -> list[tuple[dict[str, Any], int]]:
    """Midwives accepting new patients with places left this month, never one who declined
    this referral, with the number of places they have left."""
    midwives = directory().professionals(profession="midwife", accepting_new_patients=True)
    excluded = set(referral.excluded_professional_ids or [])
    midwives = [m for m in midwives if m["id"] not in excluded]
    used = accepted_this_month([uuid.UUID(m["id"]) for m in midwives])
    eligible = []
    for midwife in midwives:
        remaining = midwife["new_patient_capacity"] - used.get(uuid.UUID(midwife["id"]), 0)
        if remaining > 0:
            eligible.append((midwife, remaining))
    return eligible


def score_midwife(
    referral: EppReferral,
    midwife: dict[str, Any],
    remaining: int,
    origin: tuple[float, float] | None,
) -> Suggestion:
    """Nearer is better; the referrer's preferred midwife gets a bonus."""
    reasons: list[str] = []
    distance = None
    if origin and midwife.get("latitude") is not None and midwife.get("longitude") is not None:
        distance = round(
            distance_km(origin[0], origin[1], midwife["latitude"], midwife["longitude"]), 1
        )
        reasons.append(f"À {distance:.1f} km du domicile de la patiente".replace(".", ","))
    score = 100.0 - (distance if distance is not None else UNKNOWN_DISTANCE_KM)
    if referral.preferred_professional_id and midwife["id"] == str(
        referral.preferred_professional_id
    ):
        score += PREFERRED_BONUS
        reasons.append("Sage-femme souhaitée par le professionnel qui adresse")
    reasons.append(f"{remaining} place(s) disponible(s) ce mois-ci")
    return Suggestion(
        professional=midwife, distance_km=distance, score=round(score, 1), reasons=reasons
    )


def suggest_midwives(referral: EppReferral, *, limit: int) -> list[Suggestion]:
    """The best `limit` midwives for this referral, best first."""
    commune = locate(referral.patient_postal_code, referral.patient_city)
    origin = (commune.latitude, commune.longitude) if commune else None
    ranked = [
        score_midwife(referral, midwife, remaining, origin)
        for midwife, remaining in eligible_midwives(referral)
    ]
    ranked.sort(key=lambda s: (-s.score, s.professional["last_name"], s.professional["id"]))
    return ranked[:limit]


def find_midwife(professional_id: uuid.UUID) -> tuple[dict[str, Any] | None, str | None]:
    """The directory entry of a midwife, or why this id is not one (French). It may be an HTTP
    call: ask it before locking any referral."""
    found = directory().professionals(ids=[professional_id])
    if not found:
        return None, "Ce professionnel n'existe pas dans l'annuaire."
    if found[0]["profession"] != "midwife":
        return None, "Ce professionnel n'est pas sage-femme."
    return found[0], None


def check_assignable(
    referral: EppReferral,
    professional_id: uuid.UUID,
    found: tuple[dict[str, Any] | None, str | None],
) -> str | None:
    """Why this midwife cannot be assigned this referral (French), or None when she can; `found`
    is what `find_midwife` answered for her."""
    if str(professional_id) in (referral.excluded_professional_ids or []):
        return "Cette sage-femme a déjà refusé cette patiente."
    _midwife, problem = found
    return problem
