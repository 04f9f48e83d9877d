"""Validators for French identifiers and contact data; each returns the normalised value
or raises `InvalidIdentifier` with a French message."""

from __future__ import annotations

import datetime as dt
import functools
import re

import phonenumbers
from phonenumbers import CountryCodeSource, PhoneNumber, PhoneNumberType
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import nir as stdnum_nir

from shared.geo import communes_of, match_commune

POSTAL_CODE = re.compile(r"^\d{5}$")
RPPS = re.compile(r"^\d{11}$")

# The overseas departments and collectivities that share the French national numbering plan
# (a number typed `0692…` is La Réunion's): La Réunion and Mayotte, Guadeloupe with
# Saint-Barthélemy and Saint-Martin, Martinique, Guyane, Saint-Pierre-et-Miquelon.
OVERSEAS_COUNTRY_CODES = (262, 590, 596, 594, 508)
# Country codes of French numbers given in international form (the above, plus Wallis-et-Futuna,
# New Caledonia and French Polynesia, which have numbering plans of their own).
FRENCH_COUNTRY_CODES = frozenset({33, *OVERSEAS_COUNTRY_CODES, 681, 687, 689})
GEOGRAPHIC = frozenset(
    {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
# The usual ways a French number is written: `0` and nine digits, or the country code (`+33`,
# `0033`, an overseas `+262`…) and nine digits, the digits grouped by spaces, dots or hyphens.
USUAL_PHONE_FORM = re.compile(r"(?:0|(?:\+|00)(33|262|508|590|594|596) ?)([1-9](?:[ .-]?[0-9]){8})")
# For nine-digit numbers, the French and overseas numbering plans (phonenumbers' metadata) tell
# lines, mobiles and services apart by at most their first five digits: whatever follows only
# counts. Checked against the metadata by tests/shared/test_phone_usual_forms.py.
PLAN_DIGITS = 5
PHONE_ERROR = (
    "Le numéro de téléphone doit être un numéro français valide (métropole ou outre-mer), par "
    "exemple 06 12 34 56 78 ou 0692 12 34 56."
)

# NIR sex digit: 1 a man, 2 a woman; 7 and 8 are provisional numbers (either sex).
NIR_SEX_DIGITS = {"M": frozenset("178"), "F": frozenset("278")}
# NIR month digits standing for an unknown birth month.
NIR_UNKNOWN_MONTHS = frozenset({*range(20, 43), 99})


class InvalidIdentifier(ValueError):
    """An identifier failed validation; `str(error)` is a French sentence."""


def validate_nir(value: str) -> str:
    """A NIR/INS: 15 characters, Corsica 2A/2B accepted, key = 97 − (13 digits mod 97)."""
    compact = stdnum_nir.compact(value or "").upper()
    if len(compact) != 15:
        # Checked first: stdnum reports a short all-digit value as a format error.
        raise InvalidIdentifier("Le NIR doit comporter 15 caractères (13 chiffres et la clé).")
    try:
        return stdnum_nir.validate(compact)
    except InvalidLength as exc:
        raise InvalidIdentifier(
            "Le NIR doit comporter 15 caractères (13 chiffres et la clé)."
        ) from exc
    except InvalidChecksum as exc:
        raise InvalidIdentifier("La clé du NIR ne correspond pas : vérifiez le numéro.") from exc
    except ValidationError as exc:
        raise InvalidIdentifier(
            "Le NIR ne doit contenir que des chiffres (2A ou 2B pour la Corse)."
        ) from exc


def nir_disagreements(nir: str, *, sex: str, birth_date: dt.date) -> list[str]:
    """What a valid NIR says that contradicts the person's sex or birth year and month (French
    sentences; empty when they agree). The sex is not checked for `X`; the month only when
    the NIR's month digits name one (01–12): 20–42 and 99 stand for an unknown month."""
    problems = []
    allowed = NIR_SEX_DIGITS.get(sex)
    if allowed is not None and nir[0] not in allowed:
        problems.append(
            "Le NIR commence par 1 pour un homme et par 2 pour une femme : il ne correspond "
            "pas au sexe indiqué."
        )
    year, month = nir[1:3], int(nir[3:5])
    if year != f"{birth_date.year % 100:02d}":
        problems.append(
            f"Le NIR indique une naissance en « {year} » : il ne correspond pas à l'année de "
            "la date de naissance."
        )
    if 1 <= month <= 12:
        if month != birth_date.month:
            problems.append(
                f"Le NIR indique une naissance au mois {month:02d} : il ne correspond pas au "
                "mois de la date de naissance."
            )
    elif month not in NIR_UNKNOWN_MONTHS:
        problems.append(f"Le mois de naissance du NIR ({month:02d}) n'existe pas.")
    return problems


def validate_rpps(value: str) -> str:
    """An RPPS number: 11 digits with a valid Luhn key."""
    compact = re.sub(r"\s", "", value or "")
    if not RPPS.match(compact):
        raise InvalidIdentifier("Le numéro RPPS doit comporter 11 chiffres.")
    if not luhn.is_valid(compact):
        raise InvalidIdentifier("La clé du numéro RPPS est invalide : vérifiez le numéro.")
    return compact


def validate_postal_code(value: str) -> str:
    """A French postal code: five digits that La Poste gives to at least one commune."""
    compact = (value or "").strip()
    if not POSTAL_CODE.match(compact):
        raise InvalidIdentifier("Le code postal doit comporter 5 chiffres.")
    if not communes_of(compact):
        raise InvalidIdentifier("Ce code postal n'existe pas : vérifiez-le.")
    return compact


def commune_disagreement(postal_code: str, city: str) -> str | None:
    """Why `city` is not a commune of this (existing) postal code, in French; None when it is.

    Accents, hyphens, case, "St"/"Saint" and the arrondissements of Paris, Lyon and Marseille
    ("Lyon", "Lyon 3e", "Lyon 3ème arrondissement" for 69003) are tolerated."""
    if match_commune(postal_code, city) is not None:
        return None
    names = [commune.name for commune in communes_of(postal_code)]
    listed = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
    return f"Cette commune ne correspond pas au code postal {postal_code} ({listed})."


def _readings(value: str) -> list[phonenumbers.PhoneNumber]:
    """The valid readings of `value`: itself when given in international form, else its national
    number read in metropolitan France, then in each overseas plan."""
    try:
        parsed = phonenumbers.parse(value, "FR", keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return []
    if parsed.country_code_source != CountryCodeSource.FROM_DEFAULT_COUNTRY:
        given = parsed.country_code in FRENCH_COUNTRY_CODES and phonenumbers.is_valid_number(parsed)
        return [parsed] if given else []
    overseas = (
        PhoneNumber(country_code=code, national_number=parsed.national_number)
        for code in OVERSEAS_COUNTRY_CODES
    )
    return [number for number in (parsed, *overseas) if phonenumbers.is_valid_number(number)]


def parse_phone(value: str) -> phonenumbers.PhoneNumber:
    """A French phone number, metropolitan or overseas, national or international form."""
    readings = _readings(value or "")
    if not readings:
        raise InvalidIdentifier(PHONE_ERROR)
    first = readings[0]
    if first.country_code == 33 and phonenumbers.number_type(first) not in GEOGRAPHIC:
        return first  # a national service number (0800…, 09…): the same everywhere in France
    # The metropolitan metadata also accepts some overseas prefixes (0263, 0269, 0596…) as
    # ordinary numbers: a number that is a line or a mobile overseas is read there.
    overseas = [
        number
        for number in readings
        if number.country_code != 33 and phonenumbers.number_type(number) in GEOGRAPHIC
    ]
    return overseas[0] if overseas else first


def validate_phone(value: str) -> str:
    """A French phone number (metropolitan or overseas), returned in E.164 form. A number in one
    of the usual forms is read by its first digits, whose reading is kept (an import checks
    hundreds of thousands of numbers: `phonenumbers` takes ~0.1 ms each); any other through
    `parse_phone`, with the same result."""
    usual = USUAL_PHONE_FORM.fullmatch(value) if value else None
    if usual is None:
        return phonenumbers.format_number(parse_phone(value), phonenumbers.PhoneNumberFormat.E164)
    given, grouped = usual.groups()
    digits = grouped.replace(" ", "").replace(".", "").replace("-", "")
    start = f"+{given}" if given else "0"
    country = _country_of_numbers_starting(start + digits[:PLAN_DIGITS])
    if country is None:
        raise InvalidIdentifier(PHONE_ERROR)
    return f"+{country}{digits}"


@functools.lru_cache(maxsize=65_536)
def _country_of_numbers_starting(start: str) -> int | None:
    """The country code `parse_phone` gives every number of nine digits written after `+33`,
    `+262`… or `0` that begins with `start` (that prefix and `PLAN_DIGITS` digits), None
    when it refuses them: the first such number stands for all."""
    try:
        return parse_phone(start.ljust(len(start) + 9 - PLAN_DIGITS, "0")).country_code
    except InvalidIdentifier:
        return None


def national_phone(e164: str) -> str:
    """A stored E.164 number as French people write it (`+262692123456` → `0692 12 34 56`);
    anything that does not parse is returned unchanged."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
