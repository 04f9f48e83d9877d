"""Geography of French communes: postal-code look-up and distances (no work at import time)."""

from shared.geo.communes import Commune, all_communes, by_insee, find_by_name, locate
from shared.geo.distance import distance_km
from shared.geo.normalize import normalize_name

__all__ = [
    "Commune",
    "all_communes",
    "by_insee",
    "distance_km",
    "find_by_name",
    "locate",
    "normalize_name",
]
