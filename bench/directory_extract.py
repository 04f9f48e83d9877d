"""A generated Annuaire Santé extract (fictitious people, real communes), for the import's
tests and benchmark: several sites per professional, rows outside the territory, broken rows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from stdnum import luhn

from services.agenda.directory.imports import EXTRACT_HEADER
from shared.geo import all_communes

PROFESSIONS = (("10", "SM54"), ("10", "SM26"), ("60", ""), ("50", ""), ("21", ""), ("70", ""))
LAST_NAMES = ("Martinez", "Lefort", "Garnier", "Roux", "Fabre", "Chevalier", "Leclerc", "Morel")
FIRST_NAMES = ("Camille", "Dominique", "Claude", "Alix", "Sacha", "Maxime", "Noa", "Lou")
TERRITORY = "77"


def rpps(n: int) -> str:
    """The n-th fictitious RPPS number (valid Luhn key)."""
    body = f"19{n:08d}"
    return body + luhn.calc_check_digit(body)


def _line(values: dict[str, str]) -> str:
    return "|".join(values.get(name, "") for name in EXTRACT_HEADER) + "|\n"


def extract_lines(lines: int, *, seed: int = 15, territory_share: float = 0.2) -> Iterator[str]:
    """The header then `lines` rows: a share in département 77, one row in 500 broken."""
    rng = random.Random(seed)
    communes = all_communes()
    inside = [c for c in communes if c.insee.startswith(TERRITORY)]
    outside = [c for c in communes if not c.insee.startswith(TERRITORY)]
    yield "|".join(EXTRACT_HEADER) + "|\n"
    written = 0
    person = 0
    while written < lines:
        person += 1
        code, skill = PROFESSIONS[person % len(PROFESSIONS)]
        pool = inside if rng.random() < territory_share else outside
        for site in range(min(1 + person % 3, lines - written)):
            commune = pool[rng.randrange(len(pool))]
            written += 1
            values = {
                "Type d'identifiant PP": "8",
                "Identifiant PP": rpps(person),
                "Identification nationale PP": "8" + rpps(person),
                "Nom d'exercice": LAST_NAMES[person % len(LAST_NAMES)].upper() + str(person),
                "Prénom d'exercice": FIRST_NAMES[person % len(FIRST_NAMES)],
                "Code profession": code,
                "Code savoir-faire": skill,
                "Code mode exercice": "L",
                "Numéro SIRET site": f"{person:09d}{site:05d}",
                "Numéro Voie (coord. structure)": str(1 + site),
                "Libellé type de voie (coord. structure)": "rue",
                "Libellé Voie (coord. structure)": "de l'Essai",
                "Code postal (coord. structure)": commune.postal_codes[0]
                if commune.postal_codes
                else "",
                # One site in four has no INSEE code: located by postal code and name.
                "Code commune (coord. structure)": "" if site == 1 else commune.insee,
                "Libellé commune (coord. structure)": commune.name,
                "Téléphone (coord. structure)": "0164000000",
            }
            if written % 500 == 0:
                values["Identifiant PP"] = values["Identifiant PP"][:-1] + "x"  # broken key
            if written % 997 == 0:
                yield "ligne|coupée|\n"
                continue
            yield _line(values)


def write_extract(path: Path, lines: int, **options: float) -> Path:
    """Write a generated extract of `lines` rows to `path`."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(extract_lines(lines, **options))  # type: ignore[arg-type]
    return path
