"""Geography of French communes: postal-code look-up and distances (no work at import time)."""

from shared.geo.communes import (
    Commune,
    all_communes,
    by_insee,
    communes_by_insee,
    communes_of,
    find_by_name,
    locate,
    match_commune,
)
from shared.geo.distance import distance_km
from shared.geo.normalize import normalize_name

__all__ = [
    "Commune",
    "all_communes",
    "by_insee",
    "communes_by_insee",
    "communes_of",
    "distance_km",
    "find_by_name",
    "locate",
    "match_commune",
    "normalize_name",
]
