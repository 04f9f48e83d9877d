"""A generated Annuaire Santé extract (fictitious people, real communes), for the import's
tests and benchmark: several sites per professional, rows outside the territory, broken rows,
and the variety of a real extract: common French names, varied addresses and structures, phone
numbers of the site's region written in the forms found in real files (mostly `0148237096`,
also spaced, dotted, `+33`, overseas numbers), some empty, a few invalid."""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from pathlib import Path

from stdnum import luhn

from services.agenda.directory.imports import EXTRACT_HEADER
from shared.geo import Commune, all_communes

# (code profession, libellé, code savoir-faire, libellé savoir-faire, catégorie)
PROFESSIONS = (
    ("10", "Médecin", "SM54", "Médecine Générale (SM)", "C"),
    ("10", "Médecin", "SM26", "Cardiologie et maladies vasculaires (SM)", "C"),
    ("60", "Infirmier", "", "", "C"),
    ("50", "Sage-Femme", "", "", "C"),
    ("21", "Pharmacien", "", "", "C"),
    ("70", "Masseur-Kinésithérapeute", "", "", "C"),
)
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Müller", "Lefort", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun",
    "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "N'Diaye", "Nguyen", "Da Silva", "Le Gall", "Le Goff", "Hoarau", "Payet", "Grondin",
)  # fmt: skip
FIRST_NAMES = (
    "Camille", "Dominique", "Claude", "Alix", "Sacha", "Maxime", "Noa", "Lou", "Marie", "Jean",
    "Nathalie", "Isabelle", "Sylvie", "Catherine", "Philippe", "Pierre", "Michel", "Alain",
    "Sophie", "Christine", "Nicolas", "Stéphane", "Céline", "Julien", "Aurélie", "Émilie",
    "Jérôme", "François", "Hélène", "Thierry", "Valérie", "Laurent", "Anne", "Frédéric",
    "Jean-Pierre", "Marie-Claire", "Anne-Sophie", "Jean-Luc", "Léa", "Chloé", "Inès", "Yasmine",
    "Karim", "Mehdi", "Thi Minh", "Loïc", "Gaëlle", "Benoît", "Agnès", "Zoé",
)  # fmt: skip
STREET_TYPES = (
    "rue", "rue", "rue", "avenue", "boulevard", "place", "chemin", "allée", "route", "impasse",
    "quai", "cours",
)  # fmt: skip
STREET_NAMES = (
    "de la République", "Victor Hugo", "Jean Jaurès", "de la Gare", "du Général de Gaulle",
    "Pasteur", "des Écoles", "de l'Église", "du Maréchal Foch", "Gambetta", "de Paris",
    "Saint-Jean", "des Tilleuls", "du Château", "Jules Ferry", "de la Mairie", "Carnot",
    "du 8 Mai 1945", "des Lilas", "de Verdun", "Aristide Briand", "de la Libération",
    "Émile Zola", "du Moulin", "Henri Barbusse", "de la Fontaine", "des Peupliers",
)  # fmt: skip
STRUCTURES = (
    "CABINET MEDICAL", "MAISON DE SANTE PLURIPROFESSIONNELLE", "CENTRE DE SANTE",
    "CABINET INFIRMIER", "PHARMACIE", "CABINET DE KINESITHERAPIE", "CENTRE HOSPITALIER",
    "SELARL", "SCM", "CLINIQUE",
)  # fmt: skip
MODES = (("L", "Libéral"), ("L", "Libéral"), ("L", "Libéral"), ("S", "Salarié"), ("B", "Bénévole"))
TERRITORY = "77"

# The first two digits of a fixed line by département (the five zones of the national plan).
ZONE_DEPARTEMENTS = {
    "1": "75 77 78 91 92 93 94 95",
    "2": "14 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 85",
    "3": "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90",
    "4": "01 03 04 05 06 07 11 13 15 2A 2B 26 30 34 38 42 43 48 63 66 69 73 74 83 84",
}
ZONE_OF = {dep: zone for zone, deps in ZONE_DEPARTEMENTS.items() for dep in deps.split()}
# Metropolitan prefixes that the plan gives to overseas lines: never drawn for a mainland site.
OVERSEAS_PREFIXES = ("0262", "0263", "0269", "0590", "0594", "0596")
# Overseas numbers as they are written nationally: (fixed, mobile) starts by département.
OVERSEAS = {
    "971": (("059082", "059020", "059090"), ("069050", "069012", "069055")),
    "972": (("059660", "059670", "059650"), ("069620", "069645", "069670")),
    "973": (("059430", "059425", "059438"), ("069420", "069441", "069430")),
    "974": (("026221", "026225", "026241"), ("069210", "069233", "069250")),
    "976": (("026961", "026962", "026966"), ("063900", "063920", "063969")),
    "975": (("070841",), ("070841", "070852")),
}
OVERSEAS_CODES = {"971": "590", "972": "596", "973": "594", "974": "262", "976": "262"}
# Shapes of numbers found broken in real files (`#` is a random digit).
BROKEN_PHONES = (
    "01 64 ## ##",
    "06########",
    "0#########",
    "###########",
    "+44 20 7946 ####",
    "NC",
    "0000000000",
    "06 ## ## ## ## #",
    "01.64.##.##.## / 06.##.##.##.##",
    "tel 01########",
)
SHARED_SWITCHBOARDS = 2000  # structures whose number is on the line of each professional


def rpps(n: int) -> str:
    """The n-th fictitious RPPS number (valid Luhn key)."""
    body = f"19{n:08d}"
    return body + luhn.calc_check_digit(body)


def _line(values: dict[str, str]) -> str:
    return "|".join(values.get(name, "") for name in EXTRACT_HEADER) + "|\n"


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _number(rng: random.Random, departement: str) -> str:
    """A plausible phone number (ten digits, national form) of a site in `departement`."""
    overseas = OVERSEAS.get(departement)
    if overseas is None and rng.random() < 0.02:  # a few overseas numbers anywhere
        overseas = OVERSEAS[rng.choice(("971", "972", "973", "974", "976"))]
    if overseas is not None:
        fixed, mobile = overseas
        return rng.choice(fixed if rng.random() < 0.5 else mobile) + _digits(rng, 4)
    if rng.random() < 0.35:
        if rng.random() < 0.7:
            return "06" + rng.choice("01245678") + _digits(rng, 7)
        return "07" + rng.choice("3456789") + _digits(rng, 7)
    return "0" + rng.choice(_areas(departement)) + _digits(rng, 6)


@functools.cache
def _areas(departement: str) -> tuple[str, ...]:
    """The first three digits after the `0` of a département's fixed lines: its zone, then a
    few area pairs (geographic numbers are allocated by area)."""
    zone = ZONE_OF.get(departement, "5")
    pairs = random.Random(departement).sample(range(100), 12)
    areas = [f"{zone}{pair:02d}" for pair in pairs]
    return tuple(area for area in areas if not ("0" + area).startswith(OVERSEAS_PREFIXES))[:6]


def _written(rng: random.Random, number: str, departement: str) -> str:
    """`number` (national form) as someone typed it."""
    form = rng.random()
    if form < 0.70:
        return number
    pairs = [number[i : i + 2] for i in range(0, 10, 2)]
    if form < 0.82:
        return " ".join(pairs)
    if form < 0.90:
        return ".".join(pairs)
    if form < 0.92:
        return "-".join(pairs)
    code = OVERSEAS_CODES.get(departement) if number[1] in "26" else None
    if code is not None and form < 0.94:
        return f"+{code} {number[1:4]} {number[4:6]} {number[6:8]} {number[8:]}"
    if form < 0.97:
        return "+33 " + number[1] + " " + " ".join(pairs[1:])
    if form < 0.99:
        return "+33" + number[1:]
    return "0033 " + number[1:]


def _broken(rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in rng.choice(BROKEN_PHONES))


def _phone(rng: random.Random, departement: str, switchboards: list[str]) -> str:
    draw = rng.random()
    if draw < 0.20:
        return ""
    if draw < 0.30:
        return switchboards[rng.randrange(len(switchboards))]
    if draw < 0.31:
        return _broken(rng)
    return _written(rng, _number(rng, departement), departement)


def _departement(commune: Commune) -> str:
    return commune.insee[:3] if commune.insee.startswith("97") else commune.insee[:2]


def extract_lines(lines: int, *, seed: int = 15, territory_share: float = 0.2) -> Iterator[str]:
    """The header then `lines` rows: a share in département 77, one row in 500 broken."""
    rng = random.Random(seed)
    communes = all_communes()
    inside = [c for c in communes if c.insee.startswith(TERRITORY)]
    outside = [c for c in communes if not c.insee.startswith(TERRITORY)]
    switchboards = [_number(rng, TERRITORY) for _ in range(SHARED_SWITCHBOARDS)]
    yield "|".join(EXTRACT_HEADER) + "|\n"
    written = 0
    person = 0
    while written < lines:
        person += 1
        code, label, skill, skill_label, category = PROFESSIONS[person % len(PROFESSIONS)]
        pool = inside if rng.random() < territory_share else outside
        last_name = rng.choice(LAST_NAMES).upper()
        if rng.random() < 0.05:
            last_name += "-" + rng.choice(LAST_NAMES).upper()
        first_name = rng.choice(FIRST_NAMES)
        number = rpps(person)
        civility = ("DR", "Docteur") if code in ("10", "40") else ("", "")
        for site in range(min(1 + person % 3, lines - written)):
            commune = pool[rng.randrange(len(pool))]
            departement = _departement(commune)
            mode, mode_label = MODES[rng.randrange(len(MODES))]
            written += 1
            structure = rng.choice(STRUCTURES)
            values = {
                "Type d'identifiant PP": "8",
                "Identifiant PP": number,
                "Identification nationale PP": "8" + number,
                "Code civilité d'exercice": civility[0],
                "Libellé civilité d'exercice": civility[1],
                "Nom d'exercice": last_name,
                "Prénom d'exercice": first_name,
                "Code profession": code,
                "Libellé profession": label,
                "Code catégorie professionnelle": category,
                "Libellé catégorie professionnelle": "Civil",
                "Code type savoir-faire": "S" if skill else "",
                "Libellé type savoir-faire": "Spécialité ordinale" if skill else "",
                "Code savoir-faire": skill,
                "Libellé savoir-faire": skill_label,
                "Code mode exercice": mode,
                "Libellé mode exercice": mode_label,
                "Numéro SIRET site": f"{person:09d}{site:05d}",
                "Numéro SIREN site": f"{person:09d}",
                "Numéro FINESS site": f"77{person % 10**7:07d}" if structure == "CLINIQUE" else "",
                "Identifiant technique de la structure": f"R10{person:08d}{site}",
                "Raison sociale site": f"{structure} {rng.choice(STREET_NAMES).upper()}",
                "Enseigne commerciale site": f"{structure} {last_name}" if site == 0 else "",
                "Numéro Voie (coord. structure)": str(rng.randint(1, 250)),
                "Indice répétition voie (coord. structure)": "B" if rng.random() < 0.05 else "",
                "Libellé type de voie (coord. structure)": rng.choice(STREET_TYPES),
                "Libellé Voie (coord. structure)": rng.choice(STREET_NAMES),
                "Code postal (coord. structure)": commune.postal_codes[0]
                if commune.postal_codes
                else "",
                # One site in four has no INSEE code: located by postal code and name.
                "Code commune (coord. structure)": "" if site == 1 else commune.insee,
                "Libellé commune (coord. structure)": commune.name,
                "Code pays (coord. structure)": "99000",
                "Libellé pays (coord. structure)": "France",
                "Téléphone (coord. structure)": _phone(rng, departement, switchboards),
                "Code Département (structure)": departement,
                "Autorité d'enregistrement": "CNOM/CNOM/CNOM" if code == "10" else "ARS",
                "Code secteur d'activité": "SA07" if mode == "L" else "SA01",
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
