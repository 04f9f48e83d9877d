"""What the allocation reads: the triaged cases, the GPs' places left this month, and each
case's candidates, exactly as `suggestions` ranks them, within `MATCHING_RADIUS_KM`."""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from services.orientation.medecin_traitant.allocation import (
    EXCLUDED,
    NO_GP_IN_RANGE,
    Allocation,
    Candidate,
    CaseDemand,
    allocate,
)
from services.orientation.medecin_traitant.models import (
    PENDING,
    MedecinTraitantCase,
    MedecinTraitantProposal,
)
from services.orientation.medecin_traitant.suggestions import (
    available_gps,
    case_origin,
    eligible_gps,
    gp_distance,
    pair_score,
    score_gp,
    shared_languages,
)
from shared.extensions import db

# One degree of latitude is at least 110.57 km; a smaller figure keeps the prefilter wide.
KM_PER_DEGREE = 110.0


def pending_proposals() -> dict[str, int]:
    """Proposals waiting for an answer, per GP (id as text): each holds one of that GP's
    places, a case broadcast to three GPs one place at each."""
    rows = db.session.execute(
        select(MedecinTraitantProposal.professional_id, func.count())
        .where(MedecinTraitantProposal.status == PENDING)
        .group_by(MedecinTraitantProposal.professional_id)
    )
    return {str(gp): count for gp, count in rows.all()}


class NearbyGps:
    """GPs bucketed by latitude bands one radius wide, each band sorted by longitude: the GPs
    within `radius` of a point are in its band or the two next to it, inside the longitude
    window a bisection finds, and inside a box of one radius each way (in degrees, widened so
    that it always holds the circle); only those get the exact distance. Answers are cached
    per point (patients share communes)."""

    def __init__(self, gps: list[tuple[dict[str, Any], int]], radius: float):
        self.radius = radius
        # Distances are compared rounded to 0.1 km: a GP 0.05 km beyond the radius counts.
        self.band = (radius + 0.05) / KM_PER_DEGREE
        bands: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for gp, _remaining in gps:
            if gp.get("latitude") is not None and gp.get("longitude") is not None:
                bands[math.floor(gp["latitude"] / self.band)].append(gp)
        self.bands: dict[int, tuple[list[float], list[dict[str, Any]]]] = {}
        for row, members in bands.items():
            members.sort(key=lambda gp: gp["longitude"])
            self.bands[row] = ([gp["longitude"] for gp in members], members)
        self.cache: dict[tuple[float, float], list[tuple[dict[str, Any], float]]] = {}

    def around(self, origin: tuple[float, float]) -> list[tuple[dict[str, Any], float]]:
        """The GPs whose distance (`gp_distance`, as scored) is at most the radius, with it."""
        if origin not in self.cache:
            lat, lon = origin
            cos = max(math.cos(math.radians(min(89.0, abs(lat) + self.band))), 1e-6)
            lon_span = self.band / cos
            row = math.floor(lat / self.band)
            found = []
            for r in (row - 1, row, row + 1):
                if r not in self.bands:
                    continue
                longitudes, members = self.bands[r]
                first = bisect.bisect_left(longitudes, lon - lon_span)
                last = bisect.bisect_right(longitudes, lon + lon_span)
                for gp in members[first:last]:
                    if abs(gp["latitude"] - lat) <= self.band:
                        distance = gp_distance(origin, gp)
                        if distance is not None and distance <= self.radius:
                            found.append((gp, distance))
            self.cache[origin] = found
        return self.cache[origin]


@dataclass(frozen=True)
class Preview:
    allocation: Allocation
    cases: dict[Hashable, MedecinTraitantCase]
    gps: dict[Hashable, dict[str, Any]]
    places: dict[Hashable, int]
    candidates: dict[Hashable, tuple[Candidate, ...]]


def triaged_cases() -> list[MedecinTraitantCase]:
    """Every triaged case, most urgent then oldest first; only the columns the allocation and
    its pages read (no sealed identifier is decrypted for ten thousand rows)."""
    mt = MedecinTraitantCase
    return list(
        db.session.scalars(
            select(mt)
            .options(
                load_only(
                    mt.reference,
                    mt.state,
                    mt.priority,
                    mt.created_at,
                    mt.patient_birth_date,
                    mt.patient_postal_code,
                    mt.patient_city,
                    mt.languages,
                    mt.needs_home_visits,
                    mt.reduced_mobility,
                    mt.ald,
                    mt.excluded_professional_ids,
                    raiseload=True,
                )
            )
            .where(MedecinTraitantCase.state == "triaged")
            .order_by(
                MedecinTraitantCase.priority,
                MedecinTraitantCase.created_at,
                MedecinTraitantCase.id,
            )
        )
    )


def demands_for(
    cases: list[MedecinTraitantCase],
    available: list[tuple[dict[str, Any], int]],
    radius: float,
) -> tuple[list[CaseDemand], dict[tuple[str, str], tuple[float, float] | None]]:
    """Each case's candidates: the GPs its `suggestions` would list (same eligibility, same
    score) whose distance to the patient is at most `radius`; and the patients' origins by
    (postal code, commune). Patients of one profile (commune, languages, home visits, GPs
    excluded) have the same candidates: they are scored once and share one tuple, which the
    solver groups. Only numbers here: the reasons are written for the chosen pairs only."""
    nearby = NearbyGps(available, radius)
    profiles: dict[tuple[Any, ...], tuple[tuple[Candidate, ...], str]] = {}
    origins: dict[tuple[str, str], tuple[float, float] | None] = {}
    demands = []
    for case in cases:
        place = (case.patient_postal_code, case.patient_city)
        if place not in origins:
            origins[place] = case_origin(case)
        origin = origins[place]
        profile = (
            origin,
            tuple(sorted(set(case.languages or []))),
            bool(case.needs_home_visits),
            tuple(sorted(case.excluded_professional_ids or [])),
        )
        if profile not in profiles:
            profiles[profile] = _candidates(case, origin, nearby)
        candidates, reason = profiles[profile]
        demands.append(CaseDemand(case.id, case.priority, candidates, reason))
    return demands, origins


def _candidates(
    case: MedecinTraitantCase, origin: tuple[float, float] | None, nearby: NearbyGps
) -> tuple[tuple[Candidate, ...], str]:
    """The candidates of one case, and why it has none if so: `score_gp`'s score, without
    its reasons (ten thousand cases by tens of GPs)."""
    around = nearby.around(origin) if origin else []
    excluded = set(case.excluded_professional_ids or [])
    needs_home_visits = bool(case.needs_home_visits)
    # Most patients speak French only: nothing to compare with each GP then.
    other_languages = any(lang != "fr" for lang in case.languages or [])
    candidates = tuple(
        Candidate(
            gp=gp["id"],
            score=pair_score(
                distance,
                len(shared_languages(case, gp)) if other_languages else 0,
                needs_home_visits,
                gp["home_visits"],
            ),
            distance_km=distance,
        )
        for gp, distance in around
        if gp["id"] not in excluded
    )
    return candidates, EXCLUDED if around and not candidates else NO_GP_IN_RANGE


def with_reasons(
    allocation: Allocation,
    cases: dict[Hashable, MedecinTraitantCase],
    gps: dict[Hashable, dict[str, Any]],
    places: dict[Hashable, int],
    origins: dict[tuple[str, str], tuple[float, float] | None],
) -> Allocation:
    """The allocation, each chosen pair carrying `score_gp`'s reasons (places left as the
    allocation counts them)."""
    assignments = []
    for a in allocation.assignments:
        case = cases[a.case]
        origin = origins[(case.patient_postal_code, case.patient_city)]
        found = score_gp(case, gps[a.candidate.gp], places[a.candidate.gp], origin)
        assignments.append(replace(a, candidate=a.candidate._replace(reasons=tuple(found.reasons))))
    return Allocation(assignments=assignments, unassigned=allocation.unassigned)


def preview() -> Preview:
    """The optimal allocation of every triaged case to the GPs' places left this month
    (capacity − accepted this month − proposals pending). Read-only."""
    settings = current_app.config["RELAIS_SETTINGS"]
    available = available_gps()
    pending = pending_proposals()
    places: dict[Hashable, int] = {
        gp["id"]: remaining - pending.get(gp["id"], 0) for gp, remaining in available
    }
    cases = triaged_cases()
    demands, origins = demands_for(cases, available, settings.matching_radius_km)
    by_id: dict[Hashable, MedecinTraitantCase] = {case.id: case for case in cases}
    gps: dict[Hashable, dict[str, Any]] = {gp["id"]: gp for gp, _ in available}
    allocation = with_reasons(allocate(demands, places), by_id, gps, places, origins)
    return Preview(
        allocation=allocation,
        cases=by_id,
        gps=gps,
        places=places,
        candidates={d.case: d.candidates for d in demands},
    )


@dataclass(frozen=True)
class WaitingPatient:
    """A triaged case one GP could take, without the patient's identity."""

    case: MedecinTraitantCase
    distance_km: float
    score: float


def waiting_near(gp: dict[str, Any]) -> list[WaitingPatient]:
    """Triaged cases whose allocation candidates include this GP (not excluded from the case,
    within `MATCHING_RADIUS_KM`), by priority then distance. Empty when the GP has no place
    left this month or does not take new patients."""
    radius = current_app.config["RELAIS_SETTINGS"].matching_radius_km
    available = [(entry, n) for entry, n in available_gps() if entry["id"] == gp["id"]]
    if not available:
        return []
    nearby = NearbyGps(available, radius)
    found = []
    for case in triaged_cases():
        origin = case_origin(case)
        if origin is None:
            continue
        near = {id(entry) for entry, _distance in nearby.around(origin)}
        for entry, remaining in eligible_gps(case, available):
            if id(entry) in near:
                suggestion = score_gp(case, entry, remaining, origin)
                found.append(WaitingPatient(case, suggestion.distance_km or 0.0, suggestion.score))
    found.sort(key=lambda w: (w.case.priority, w.distance_km, w.case.created_at))
    return found
