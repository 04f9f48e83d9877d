"""Rank the GPs who could become a patient's médecin traitant."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from services.orientation.directory_client import directory
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from shared.geo import distance_km, locate
from shared.geo.normalize import strip_accents
from shared.timeutil import PARIS, utcnow

LANGUAGE_BONUS = 10
HOME_VISIT_BONUS = 15
NO_HOME_VISIT_PENALTY = 30
UNKNOWN_DISTANCE_KM = 100.0
LANGUAGE_NAMES = {
    "ar": "arabe",
    "en": "anglais",
    "es": "espagnol",
    "de": "allemand",
    "it": "italien",
    "pt": "portugais",
    "tr": "turc",
    "ru": "russe",
    "ro": "roumain",
    "zh": "chinois",
    "vi": "vietnamien",
    "uk": "ukrainien",
    "pl": "polonais",
}


@dataclass(frozen=True)
class Suggestion:
    professional: dict[str, Any]
    distance_km: float | None
    score: float
    reasons: list[str]


def month_start(now: dt.datetime) -> dt.datetime:
    """Midnight on the first day of the current month in Paris, in UTC."""
    local = now.astimezone(PARIS)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def accepted_this_month(professional_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """New patients each GP has accepted through the CPTS since the start of the month."""
    if not professional_ids:
        return {}
    rows = db.session.execute(
        select(MedecinTraitantCase.accepted_professional_id, func.count())
        .where(
            MedecinTraitantCase.accepted_professional_id.in_(professional_ids),
            MedecinTraitantCase.accepted_at >= month_start(utcnow()),
        )
        .group_by(MedecinTraitantCase.accepted_professional_id)
    )
    return {gp: count for gp, count in rows.all() if gp is not None}


def available_gps() -> list[tuple[dict[str, Any], int]]:
    """GPs accepting new patients with capacity left this month, with their places left."""
    gps = directory().professionals(profession="gp", accepting_new_patients=True)
    used = accepted_this_month([uuid.UUID(gp["id"]) for gp in gps])
    available = []
    for gp in gps:
        remaining = gp["new_patient_capacity"] - used.get(uuid.UUID(gp["id"]), 0)
        if remaining > 0:
            available.append((gp, remaining))
    return available


def eligible_gps(
    case: MedecinTraitantCase, available: list[tuple[dict[str, Any], int]] | None = None
) -> list[tuple[dict[str, Any], int]]:
    """GPs accepting new patients with capacity left, never one excluded from this case,
    with the number of places they have left this month (`available`: `available_gps()`,
    read once for many cases)."""
    excluded = set(case.excluded_professional_ids or [])
    return [
        (gp, remaining)
        for gp, remaining in (available_gps() if available is None else available)
        if gp["id"] not in excluded
    ]


def case_origin(case: MedecinTraitantCase) -> tuple[float, float] | None:
    """The patient's commune centre, or None when it is unknown."""
    commune = locate(case.patient_postal_code, case.patient_city)
    return (commune.latitude, commune.longitude) if commune else None


def gp_distance(origin: tuple[float, float] | None, gp: dict[str, Any]) -> float | None:
    """Kilometres from the patient's commune centre to the GP, one decimal, as shown and
    scored; None when either place is unknown."""
    if origin and gp.get("latitude") is not None and gp.get("longitude") is not None:
        return round(distance_km(origin[0], origin[1], gp["latitude"], gp["longitude"]), 1)
    return None


def shared_languages(case: MedecinTraitantCase, gp: dict[str, Any]) -> list[str]:
    """The patient's languages other than French that the GP speaks."""
    return [lang for lang in case.languages or [] if lang != "fr" and lang in gp["languages"]]


def pair_score(
    distance: float | None, languages: int, needs_home_visits: bool, home_visits: bool
) -> float:
    """The score of one (patient, GP) pair: nearer is better, each shared language and home
    visits count. The one formula `score_gp` and the allocation use."""
    score = 100.0 - (distance if distance is not None else UNKNOWN_DISTANCE_KM)
    for _ in range(languages):
        score += LANGUAGE_BONUS
    if needs_home_visits:
        score += HOME_VISIT_BONUS if home_visits else -NO_HOME_VISIT_PENALTY
    return round(score, 1)


def score_gp(
    case: MedecinTraitantCase,
    gp: dict[str, Any],
    remaining: int,
    origin: tuple[float, float] | None,
) -> Suggestion:
    """Score one GP for one case, with the reasons of the score."""
    reasons: list[str] = []
    distance = gp_distance(origin, gp)
    if distance is not None:
        reasons.append(f"À {distance:.1f} km du domicile du patient".replace(".", ","))
    shared = shared_languages(case, gp)
    reasons += [f"Parle {LANGUAGE_NAMES.get(lang, lang)}" for lang in shared]
    if case.needs_home_visits:
        reasons.append(
            "Effectue des visites à domicile"
            if gp["home_visits"]
            else "N'effectue pas de visites à domicile"
        )
    reasons.append(f"{remaining} place(s) disponible(s) ce mois-ci")
    score = pair_score(distance, len(shared), bool(case.needs_home_visits), gp["home_visits"])
    return Suggestion(professional=gp, distance_km=distance, score=score, reasons=reasons)


def suggest_gps(case: MedecinTraitantCase, *, limit: int) -> list[Suggestion]:
    """The best `limit` GPs for this case, best first."""
    origin = case_origin(case)
    ranked = [score_gp(case, gp, remaining, origin) for gp, remaining in eligible_gps(case)]
    ranked.sort(key=lambda s: (-s.score, s.professional["last_name"], s.professional["id"]))
    return ranked[:limit]


def search_eligible_gps(case: MedecinTraitantCase, query: str, *, limit: int) -> list[Suggestion]:
    """Eligible GPs for this case (the same rule as `suggest_gps`, however far or low their
    score) whose name or commune holds every word of `query`, accents and case aside; best
    score first: the coordinator may propose any of them, not only the top suggestions."""
    words = strip_accents(query).casefold().split()
    if not words:
        return []
    origin = case_origin(case)
    found = []
    for gp, remaining in eligible_gps(case):
        text = strip_accents(f"{gp['first_name']} {gp['last_name']} {gp['city']}").casefold()
        if all(word in text for word in words):
            found.append(score_gp(case, gp, remaining, origin))
    found.sort(key=lambda s: (-s.score, s.professional["last_name"], s.professional["id"]))
    return found[:limit]


def find_gps(
    professional_ids: list[uuid.UUID],
) -> list[tuple[dict[str, Any] | None, str | None]]:
    """For each id, in order, the directory entry of a GP accepting new patients, or why it
    is not one (French). One directory request, which may be an HTTP call: ask it before
    locking any case."""
    found = {gp["id"]: gp for gp in directory().professionals(ids=professional_ids)}
    answers: list[tuple[dict[str, Any] | None, str | None]] = []
    for professional_id in professional_ids:
        gp = found.get(str(professional_id))
        if gp is None:
            answers.append((None, "Ce professionnel n'existe pas dans l'annuaire."))
        elif gp["profession"] != "gp":
            answers.append((None, "Ce professionnel n'est pas médecin généraliste."))
        elif not gp["accepts_new_patients"]:
            answers.append((None, "Ce médecin n'accepte pas de nouveaux patients."))
        else:
            answers.append((gp, None))
    return answers


def find_gp(professional_id: uuid.UUID) -> tuple[dict[str, Any] | None, str | None]:
    """The directory entry of one GP accepting new patients, or why this id is not one."""
    return find_gps([professional_id])[0]


def check_proposable(
    case: MedecinTraitantCase,
    professional_id: uuid.UUID,
    found: tuple[dict[str, Any] | None, str | None],
) -> str | None:
    """Why this GP cannot be proposed for this case (French), or None when they can; `found` is
    what `find_gp` answered for them."""
    if str(professional_id) in (case.excluded_professional_ids or []):
        return "Ce médecin a déjà refusé ce patient ou laissé expirer la proposition."
    gp, problem = found
    if gp is None:
        return problem
    used = accepted_this_month([professional_id]).get(professional_id, 0)
    if gp["new_patient_capacity"] - used <= 0:
        return "Ce médecin a atteint sa capacité de nouveaux patients pour ce mois."
    return None
