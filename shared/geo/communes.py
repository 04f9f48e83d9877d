"""French communes table (INSEE / La Poste, see ``scripts/build_communes.py``) and look-ups."""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from shared.geo.distance import distance_km
from shared.geo.normalize import city_of_arrondissement, normalize_name

DATA_PACKAGE = "shared.geo"
DATA_FILE = "communes.csv.gz"


@dataclass(frozen=True, slots=True)
class Commune:
    """A French commune (or Paris/Lyon/Marseille arrondissement) with a reference point."""

    insee: str
    name: str
    postal_codes: tuple[str, ...]
    latitude: float
    longitude: float
    population: int

    def distance_to(self, other: Commune) -> float:
        """Return the great-circle distance in kilometres to another commune."""
        return distance_km(self.latitude, self.longitude, other.latitude, other.longitude)


def _parse_row(row: list[str]) -> Commune:
    """Build a Commune from a CSV row ``insee;name;postal_codes;lat;lon;population``."""
    insee, name, postal_codes, latitude, longitude, population = row
    return Commune(
        insee, name, tuple(postal_codes.split()), float(latitude), float(longitude), int(population)
    )


def _by_population(communes: Iterable[Commune]) -> tuple[Commune, ...]:
    """Return the communes sorted from the most to the least populous (ties by INSEE code)."""
    return tuple(sorted(communes, key=lambda commune: (-commune.population, commune.insee)))


@cache
def all_communes() -> tuple[Commune, ...]:
    """Return every commune of the bundled data file (loaded once, on first use)."""
    raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    with io.StringIO(gzip.decompress(raw).decode("utf-8")) as text:
        reader = csv.reader(text, delimiter=";")
        next(reader)  # header
        return tuple(_parse_row(row) for row in reader)


@cache
def _postal_code_index() -> dict[str, tuple[Commune, ...]]:
    """Map each postal code to its communes, most populous first."""
    index: dict[str, list[Commune]] = defaultdict(list)
    for commune in all_communes():
        for postal_code in commune.postal_codes:
            index[postal_code].append(commune)
    return {code: _by_population(communes) for code, communes in index.items()}


@cache
def _name_index() -> dict[str, tuple[Commune, ...]]:
    """Map each normalised name to its communes, most populous first."""
    index: dict[str, list[Commune]] = defaultdict(list)
    for commune in all_communes():
        index[normalize_name(commune.name)].append(commune)
    return {name: _by_population(communes) for name, communes in index.items()}


@cache
def _insee_index() -> dict[str, Commune]:
    """Map each INSEE code to its commune."""
    return {commune.insee: commune for commune in all_communes()}


def _clean_postal_code(postal_code: str) -> str:
    """Strip spaces and restore a leading zero lost by spreadsheets (``1400`` -> ``01400``)."""
    code = "".join(postal_code.split())
    return code.zfill(5) if code.isdigit() and len(code) == 4 else code


def communes_of(postal_code: str) -> tuple[Commune, ...]:
    """Return the communes La Poste serves under this postal code, most populous first."""
    return _postal_code_index().get(_clean_postal_code(postal_code), ())


@lru_cache(maxsize=65_536)
def _name_key(name: str) -> str:
    """`normalize_name`, remembered: imports ask for the same names again and again (an
    Annuaire Santé extract locates one site in four by postal code and name). Room for every
    commune's name and a spelling or two of it: with less, a national extract keeps pushing
    out names it asks for again."""
    return normalize_name(name)


@cache
def _names_of_postal_code(postal_code: str) -> dict[str, Commune]:
    """The communes of a (cleaned) postal code by the normalised names they answer to, the most
    populous first when two share one: its own name, and for an arrondissement its city's
    ("Lyon" for "Lyon 3e Arrondissement"). Made once per postal code asked for."""
    names: dict[str, Commune] = {}
    for commune in _postal_code_index().get(postal_code, ()):
        own = _name_key(commune.name)
        names.setdefault(own, commune)
        city = city_of_arrondissement(own)
        if city is not None:
            names.setdefault(city, commune)
    return names


def match_commune(postal_code: str, city: str) -> Commune | None:
    """Return the commune of this postal code that `city` names, or None."""
    return _names_of_postal_code(_clean_postal_code(postal_code)).get(_name_key(city))


def locate(postal_code: str, city: str | None = None) -> Commune | None:
    """Return the commune of a postal code, preferring the one named ``city``, else the largest."""
    candidates = communes_of(postal_code)
    if not candidates:
        return None
    return (match_commune(postal_code, city) if city else None) or candidates[0]


def find_by_name(city: str) -> list[Commune]:
    """Return the communes whose normalised name equals ``city``'s, most populous first."""
    return list(_name_index().get(normalize_name(city), ()))


def communes_by_insee() -> Mapping[str, Commune]:
    """Every commune by its INSEE code (the table `by_insee` reads, codes as INSEE writes
    them), for callers that look up many codes."""
    return _insee_index()


def by_insee(insee: str) -> Commune | None:
    """Return the commune with this INSEE code, or None."""
    return _insee_index().get(insee.strip().upper())
